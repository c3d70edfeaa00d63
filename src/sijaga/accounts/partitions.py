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

TABLE = "accounts_accesslog"
DEFAULT = f"{TABLE}_default"


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(first: dt.date) -> str:
    return f"{TABLE}_p{first:%Y%m}"


def is_partitioned(cur) -> bool:
    cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
    row = cur.fetchone()
    return bool(row) and row[0] == "p"


def monthly_partitions(cur) -> list[tuple[str, dt.date]]:
    """(name, first day) of the monthly partitions, oldest first."""
    cur.execute(
        "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) AND c.relname <> %s ORDER BY c.relname",
        [TABLE, DEFAULT],
    )
    out = []
    for (name,) in cur.fetchall():
        stamp = name.rsplit("_p", 1)[-1]
        out.append((name, dt.date(int(stamp[:4]), int(stamp[4:]), 1)))
    return out


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
        lo, hi = month_start(today, shift), month_start(today, shift + 1)
        if lo in existing:
            continue
        name = partition_name(lo)
        created.append(name)
        if dry_run:
            continue
        # rows of that month already in DEFAULT must move first, or ATTACH refuses
        cur.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        move = f"WITH gone AS (DELETE FROM {DEFAULT} WHERE at >= %s AND at < %s RETURNING *) INSERT INTO {name} "  # noqa: S608
        cur.execute(move + "SELECT * FROM gone", [lo, hi])  # noqa: S608 - names built here from a date, not input
        moved += cur.rowcount
        cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [lo, hi])
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
    """Turn the plain table into the partitioned one, keeping every row, index name, constraint and the id sequence
    position. Idempotent (does nothing on a partitioned table)."""
    if is_partitioned(cur):
        return
    old = f"{TABLE}_unpartitioned"
    cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cur.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
        "AND indexname <> %s ORDER BY indexname",
        [TABLE, f"{TABLE}_pkey"],
    )
    indexes = [row[0] for row in cur.fetchall()]
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
        "AND contype = 'f'",
        [TABLE],
    )
    foreign = cur.fetchall()
    cur.execute(f"SELECT COALESCE(MAX(id), 0), MIN(at) FROM {TABLE}")  # noqa: S608 - a module constant
    max_id, oldest = cur.fetchone()
    cur.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
    cur.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cur.execute(f"ALTER TABLE {old} DROP CONSTRAINT IF EXISTS {TABLE}_pkey")
    for name, _ in foreign:
        cur.execute(f"ALTER TABLE {old} DROP CONSTRAINT {name}")
    cur.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (at)")
    cur.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq'::regclass)")
    cur.execute(f"SELECT setval('{TABLE}_id_seq', %s + 1, false)", [max_id])
    cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, at)")
    cur.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    first = month_start(oldest.date() if oldest else today)
    months = (today.year - first.year) * 12 + today.month - first.month
    rotate(cur, today=first, months_ahead=months + months_ahead, retention_months=0)
    cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")  # noqa: S608 - module constants
    cur.execute(f"DROP TABLE {old}")
    for indexdef in indexes:  # the same names Django gave them, now on the partitioned table
        cur.execute(indexdef)  # read before the rename: it names the partitioned table
    for name, definition in foreign:
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
