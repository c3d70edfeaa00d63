"""The access log, range-partitioned by month on PostgreSQL (issue 18): retention by dropping whole months.

`accounts_accesslog` grows by one row per read of personal data. On PostgreSQL migration 0002 turns it into a table
partitioned by `at` (one partition per calendar month, `accounts_accesslog_pYYYYMM`, plus a DEFAULT partition so
that a write never fails for want of a partition), with primary key `(id, at)`: a unique key must contain the
partition key, and no table references access-log rows. Django still sees `id` as the primary key (queries by `id`
work; they probe each partition's index). `sijaga access_log_partitions` (run monthly) creates the coming months'
partitions and drops the months older than `SIJAGA_ACCESS_LOG_RETENTION_MONTHS`: a `DROP TABLE`, not a
`DELETE` of millions of rows. SQLite (the demo) keeps a plain table and deletes old rows instead.

Only the access log is partitioned. The event tables are not: `MembershipEvent` and `WorkerChange` rows are read
per membership/worker (the history on the detail page) by their FK, so without the month in the query every read
would probe every partition, and `ImportEvent` is small. Their retention follows the membership's, not a clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sijaga.core.partitions import MonthlyTable, month_start

LOG = MonthlyTable("accounts_accesslog", "at")
TABLE = LOG.table
DEFAULT = LOG.default


def partition_name(first: dt.date) -> str:
    return LOG.partition_name(first)


def is_partitioned(cur) -> bool:
    return LOG.is_partitioned(cur)


def monthly_partitions(cur) -> list[tuple[str, dt.date]]:
    """(name, first day) of the monthly partitions, oldest first."""
    return LOG.monthly_partitions(cur)


@dataclass
class Rotation:
    created: list[str]
    dropped: list[str]
    moved: int  # rows moved out of the DEFAULT partition into a new month
    deleted: int  # rows older than the retention deleted from the DEFAULT partition (or the SQLite table)


def rotate(cur, *, today: dt.date, months_ahead: int, retention_months: int, dry_run: bool = False) -> Rotation:
    """Create the partitions of this month and the next `months_ahead`; drop the months that ended more than
    `retention_months` before this month began (0 keeps everything). PostgreSQL, on a partitioned table."""
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK events still queued would block DETACH/DROP
    existing = {first for _, first in monthly_partitions(cur)}
    created, dropped, moved, deleted = [], [], 0, 0
    for shift in range(months_ahead + 1):
        lo = month_start(today, shift)
        if lo in existing:
            continue
        created.append(partition_name(lo))
        if not dry_run:  # rows of that month already in DEFAULT move first, or ATTACH refuses
            moved += LOG.create(cur, lo)
    if retention_months > 0:
        cutoff = month_start(today, -retention_months)
        for name, first in monthly_partitions(cur):
            if month_start(first, 1) <= cutoff:
                dropped.append(name)
                if not dry_run:
                    cur.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
                    cur.execute(f"DROP TABLE {name}")
        if not dry_run:
            cur.execute(f"DELETE FROM {DEFAULT} WHERE at < %s", [cutoff])  # noqa: S608 - a module constant
            deleted = cur.rowcount
    return Rotation(created, dropped, moved, deleted)


# --- the conversion, run once by migration accounts.0002 ------------------------------------------------------------


def convert(cur, *, today: dt.date, months_ahead: int = 3) -> None:
    """Turn the plain table into the partitioned one (`core.partitions.MonthlyTable.convert`): a partition for every
    month from the oldest row to `months_ahead` after today. Idempotent."""
    if is_partitioned(cur):
        return
    cur.execute(f"SELECT MIN(at) FROM {TABLE}")  # noqa: S608 - a module constant
    oldest = cur.fetchone()[0]
    first = month_start(oldest.date() if oldest else today)
    months = (today.year - first.year) * 12 + today.month - first.month
    LOG.convert(cur, months=[month_start(first, shift) for shift in range(months + months_ahead + 1)])
