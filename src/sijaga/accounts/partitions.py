"""The access log, range-partitioned by month on PostgreSQL (issue 18): retention by dropping whole months.

`accounts_accesslog` grows by one row per read of personal data. On PostgreSQL migration 0002 turns it into a table
partitioned by `at` (one partition per calendar month, `accounts_accesslog_pYYYYMM`, plus a DEFAULT partition so
that a write never fails for want of a partition), with primary key `(id, at)`: a unique key must contain the
partition key, and no table references access-log rows. Django still sees `id` as the primary key (queries by `id`
work; they probe each partition's index). `sijaga partitions` (run monthly; `access_log_partitions` is the same for
this table alone) creates the coming months' partitions and drops the months older than
`SIJAGA_ACCESS_LOG_RETENTION_MONTHS`: a `DROP TABLE`, not a `DELETE` of millions of rows. SQLite (the demo) keeps a
plain table and deletes old rows instead.

The event tables are partitioned the same way since enrollment 0017 / registry 0012 (`enrollment.partitions`,
`registry.partitions`, issue 18). An earlier decision kept them plain because a history read by FK, with no month in
it, probes every partition; bench/events.py measured that cost (bench/README.md, `enrollment.partitions`).
Their retention defaults to keeping everything (the history is evidence).
"""

from __future__ import annotations

import datetime as dt

from sijaga.core.partitions import MonthlyTable, Rotation, month_start

LOG = MonthlyTable("accounts_accesslog", "at", retention_setting="ACCESS_LOG_RETENTION_MONTHS")
TABLE = LOG.table
DEFAULT = LOG.default


def partition_name(first: dt.date) -> str:
    return LOG.partition_name(first)


def is_partitioned(cur) -> bool:
    return LOG.is_partitioned(cur)


def monthly_partitions(cur) -> list[tuple[str, dt.date]]:
    """(name, first day) of the monthly partitions, oldest first."""
    return LOG.monthly_partitions(cur)


def rotate(cur, *, today: dt.date, months_ahead: int, retention_months: int, dry_run: bool = False) -> Rotation:
    """`core.partitions.MonthlyTable.rotate` of the access log (PostgreSQL, on the partitioned table)."""
    return LOG.rotate(cur, today=today, months_ahead=months_ahead, retention_months=retention_months, dry_run=dry_run)


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
