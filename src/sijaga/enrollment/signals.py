"""Signals of the enrolment app, for higher apps that keep figures about memberships (coverage) without being
imported here (docs/architecture.md: side effects travel up through signals).

`memberships_changed(sender, payer_ids)`: memberships of these payers were created, changed status or terms (sent
inside the writing transaction; receivers defer their work to the commit, so a loop of changes costs one refresh).
"""

from django.dispatch import Signal

memberships_changed = Signal()


def send_memberships_changed(sender, payer_ids) -> None:
    ids = sorted({int(p) for p in payer_ids})
    if ids:
        memberships_changed.send(sender=sender, payer_ids=ids)
