"""`Membership.lives_elsewhere`, kept set-based: does the worker live outside the payer's region?

A regional actor sees a worker who lives in their regions, or who has an open membership with a payer of their
regions (`registry.Worker.scope_q`). Only the second half needs the memberships, and of those only the few whose
worker lives outside the payer's region: for the others the first half already holds. The flag and the partial index
`membership_open_elsewhere` turn that half from "every open membership of the region's payers" (a hash of 1M rows
for a regency of 1M workers, 464 ms per list page at 20M workers) into a look-up of the few cross-region ones.

Who keeps it: `Membership.save()` for a new membership; the bulk enrolment's INSERT (`OUTSIDE_SQL`); the receiver
of `registry.signals.workers_changed` (a worker moved: registry service, bulk import); `update_payer` (a payer's
region changed). `drift()` counts memberships whose flag disagrees with the data, `refresh()` repairs them
(`sijaga check_derived --fix`, after hand-written SQL). A wrong flag can only hide a worker from a payer's region,
never show one: the scope adds the flag as a condition to the membership half, it never replaces the region test.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

#: The worker `w` lives outside the region of the payer `p` (the SQL twin of `rules.lives_elsewhere`).
#: `substr` rather than LIKE: no wildcard to escape, whether or not the statement has parameters.
OUTSIDE_SQL = "NOT ({dom} = {reg} OR substr({dom}, 1, length({reg}) + 1) = {reg} || '.')"


def outside(dom: str, reg: str) -> str:
    return OUTSIDE_SQL.format(dom=dom, reg=reg)


_FLAG = outside("w.domicile_id", "p.region_id")


CHUNK = 5000  # ids per statement (PostgreSQL takes at most 65,535 parameters, SQLite 32,766)


def refresh(*, worker_ids: Iterable[int] | None = None, payer_ids: Iterable[int] | None = None) -> int:
    """Set the flag of the memberships of these workers or these payers (all memberships when both are None) to
    what the data says, writing only the rows that change; returns how many changed. Runs in the caller's
    transaction, so the registry's scope is right before the commit."""
    # correlated subqueries rather than UPDATE … FROM: the same statement on PostgreSQL and SQLite
    flag = (
        "(SELECT " + _FLAG + " FROM registry_worker w, enrollment_payer p "
        "WHERE w.id = enrollment_membership.worker_id AND p.id = enrollment_membership.payer_id)"
    )
    update = f"UPDATE enrollment_membership SET lives_elsewhere = {flag} WHERE lives_elsewhere <> {flag}"
    changed = 0
    with connection.cursor() as cur:
        if worker_ids is None and payer_ids is None:
            cur.execute(update)
            return cur.rowcount
        for column, ids in (("worker_id", worker_ids), ("payer_id", payer_ids)):
            ids = sorted({int(i) for i in ids or ()})
            for i in range(0, len(ids), CHUNK):
                part = ids[i : i + CHUNK]
                cur.execute(f"{update} AND {column} IN ({', '.join(['%s'] * len(part))})", part)
                changed += cur.rowcount
    return changed


def drift() -> int:
    """How many memberships have a flag that disagrees with their worker's domicile and payer's region (0 = kept)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM enrollment_membership m JOIN registry_worker w ON w.id = m.worker_id "
            f"JOIN enrollment_payer p ON p.id = m.payer_id WHERE m.lives_elsewhere <> ({_FLAG})"
        )
        return int(cur.fetchone()[0])


def on_workers_changed(sender, worker_ids=(), previous_domiciles=None, **kwargs) -> None:
    """Receiver of `registry.signals.workers_changed`: the movers' memberships (all listed workers when unknown)."""
    movers = list(previous_domiciles) if previous_domiciles is not None else list(worker_ids)
    if movers:
        refresh(worker_ids=movers)
