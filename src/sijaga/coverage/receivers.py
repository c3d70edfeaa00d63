"""Signal receivers: what changed in a transaction is gathered and refreshed once, on commit.

A loop of status changes (`contributions.payments.refresh_statuses`) sends one signal per membership; the refresh
runs once for the set after the outermost transaction commits (immediately in autocommit). The finer the sender's
description (memberships, or workers at a payer, or workers with their previous domicile), the fewer cells are
recounted (`coverage.refresh.refresh`); a bare list of payers recounts those payers."""

from __future__ import annotations

import threading

from django.db import connection, transaction

_pending = threading.local()


def _bucket() -> dict | None:
    return getattr(_pending, "bucket", None)


def _flush() -> None:
    from sijaga.coverage import refresh

    bucket = _bucket()
    _pending.bucket = None
    if not bucket:
        return
    refresh.refresh(
        payers=bucket["payers"] | refresh.payers_of(sorted(bucket["unknown_workers"])),
        memberships=bucket["memberships"],
        payer_workers=bucket["payer_workers"],
        workers=bucket["workers"],
        moved=bucket["moved"],
    )


def _open() -> dict:
    bucket = _bucket()
    if bucket is not None and not any(entry[1] is _flush for entry in connection.run_on_commit):
        # its transaction rolled back (Django dropped its callbacks): its keys describe changes that never happened
        bucket = _pending.bucket = None
    if bucket is None:
        bucket = _pending.bucket = {
            "payers": set(), "memberships": set(), "payer_workers": {}, "workers": set(), "moved": {},
            "unknown_workers": set(),
        }  # fmt: skip
    # one callback per signal (a rolled-back transaction drops its callbacks): the first to run empties the bucket
    transaction.on_commit(_flush)
    return bucket


def on_memberships_changed(sender, payer_ids=(), membership_ids=None, worker_ids=None, **kwargs) -> None:
    bucket = _open()
    if membership_ids is not None:
        bucket["memberships"].update(int(m) for m in membership_ids)
    elif worker_ids is not None:
        # payer → set of workers: an import of 1M rows sends 1M workers (a set of ints, not of 1M pairs)
        workers = [int(w) for w in worker_ids]
        for p in payer_ids:
            bucket["payer_workers"].setdefault(int(p), set()).update(workers)
    else:
        bucket["payers"].update(int(p) for p in payer_ids)


def on_workers_changed(sender, worker_ids=(), previous_domiciles=None, **kwargs) -> None:
    bucket = _open()
    if previous_domiciles is None:
        bucket["unknown_workers"].update(int(w) for w in worker_ids)
        return
    bucket["workers"].update(int(w) for w in worker_ids)
    for worker, village in previous_domiciles.items():
        # moved twice in one transaction: the cells still hold the first village
        bucket["moved"].setdefault(int(worker), village)
