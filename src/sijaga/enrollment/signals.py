"""Signals of the enrolment app, for higher apps that keep figures about memberships (coverage) without being
imported here (docs/architecture.md: side effects travel up through signals).

`memberships_changed(sender, payer_ids, membership_ids=None, worker_ids=None)`: memberships of these payers were
created, changed status or terms — exactly these memberships when `membership_ids` is given, the memberships of
these workers at these payers when `worker_ids` is given (an import), any of them otherwise. Sent inside the writing
transaction; receivers defer their work to the commit, so a loop of changes costs one refresh.
"""

from django.dispatch import Signal

memberships_changed = Signal()


def send_memberships_changed(sender, payer_ids, *, membership_ids=None, worker_ids=None) -> None:
    ids = sorted({int(p) for p in payer_ids})
    if ids:
        memberships_changed.send(sender=sender, payer_ids=ids, membership_ids=membership_ids, worker_ids=worker_ids)
