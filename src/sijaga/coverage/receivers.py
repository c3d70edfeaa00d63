"""Signal receivers: the payers and workers touched in a transaction are gathered and refreshed once, on commit.

A loop of status changes (`contributions.payments.refresh_statuses`) sends one signal per membership; the refresh
runs once for the set after the outermost transaction commits (immediately in autocommit)."""

from __future__ import annotations

import threading

from django.db import transaction

_pending = threading.local()


def _bucket() -> dict[str, set[int]] | None:
    return getattr(_pending, "bucket", None)


def _flush() -> None:
    from sijaga.coverage import refresh

    bucket = _bucket()
    _pending.bucket = None
    if not bucket:
        return
    refresh.refresh_payers(bucket["payers"] | refresh_payers_of(bucket["workers"]))


def refresh_payers_of(worker_ids: set[int]) -> set[int]:
    if not worker_ids:
        return set()
    from django.db import connection

    with connection.cursor() as cur:
        ids = ", ".join(str(int(w)) for w in sorted(worker_ids))
        cur.execute(f"SELECT DISTINCT payer_id FROM enrollment_membership WHERE worker_id IN ({ids})")
        return {r[0] for r in cur.fetchall()}


def _add(kind: str, ids) -> None:
    bucket = _bucket()
    if bucket is None:
        bucket = _pending.bucket = {"payers": set(), "workers": set()}
    bucket[kind].update(int(i) for i in ids)
    # one callback per signal (a rolled-back transaction drops its callbacks): the first to run empties the bucket
    transaction.on_commit(_flush)


def on_memberships_changed(sender, payer_ids=(), **kwargs) -> None:
    _add("payers", payer_ids)


def on_workers_changed(sender, worker_ids=(), **kwargs) -> None:
    _add("workers", worker_ids)
