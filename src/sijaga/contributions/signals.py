"""Signals of the contributions app, for higher apps whose judgements depend on what was paid (benefits: a case's
liability turns on the arrears at the event date) without being imported here (docs/architecture.md).

`payments_allocated(sender, payer_ids)`: money was applied to these payers' bills — by a payment on the page or the
API, a bulk payment file, or a bill run that used a credit. Sent inside the writing transaction; receivers defer
their work to the commit (`transaction.on_commit`), so nothing reacts to a rolled-back payment.
"""

from django.dispatch import Signal

payments_allocated = Signal()


def send_payments_allocated(sender, payer_ids) -> None:
    ids = sorted({int(p) for p in payer_ids})
    if ids:
        payments_allocated.send(sender=sender, payer_ids=ids)
