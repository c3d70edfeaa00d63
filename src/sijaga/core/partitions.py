"""Tables range-partitioned by calendar month on PostgreSQL: the access log (`accounts.partitions`), the bill lines
(`contributions.partitions`), the membership history (`enrollment.partitions`) and the worker history
(`registry.partitions`). Each app registers its tables from `AppConfig.ready()` (`register`); `sijaga partitions`,
run monthly, creates the coming months of every registered table and drops the months past each one's retention
(`MonthlyTable.rotate`).

A `MonthlyTable` is partitioned on one date or timestamp column, one partition per month (``<table>_pYYYYMM``) plus a
DEFAULT partition (``<table>_default``) so that a write never fails for want of a partition. Every unique key must
hold the partition column: the primary key becomes ``(id, <column>)`` (Django still sees ``id`` as the primary key;
a query by ``id`` alone probes each partition's index). Django's model state does not know the table is partitioned:
a later migration changing the primary key or adding a unique key without the column must be checked against it.

A month's partition is created as a plain table, the rows of that month already in DEFAULT moved into it, and then
attached. ATTACH takes SHARE UPDATE EXCLUSIVE on the parent (reads and writes of other months go on), ACCESS
EXCLUSIVE on DEFAULT and, when the parent has foreign keys, SHARE ROW EXCLUSIVE on the referenced tables (writes to
them wait) until the transaction ends: create partitions in a short transaction of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class Rotation:
    created: list[str]
    dropped: list[str]
    moved: int  # rows moved out of the DEFAULT partition into a new month
    deleted: int  # rows older than the retention deleted from the DEFAULT partition (or from a plain table)


@dataclass(frozen=True)
class MonthlyTable:
    table: str
    column: str
    #: the Django setting holding the months kept (`0` keeps everything); empty: kept for ever, no setting at all
    retention_setting: str = ""

    def retention_months(self) -> int:
        if not self.retention_setting:
            return 0
        from django.conf import settings

        return int(getattr(settings, self.retention_setting))

    @property
    def default(self) -> str:
        return f"{self.table}_default"

    def partition_name(self, first: dt.date) -> str:
        return f"{self.table}_p{first:%Y%m}"

    def is_partitioned(self, cur) -> bool:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [self.table])
        row = cur.fetchone()
        return bool(row) and row[0] == "p"

    def monthly_partitions(self, cur) -> list[tuple[str, dt.date]]:
        """(name, first day) of the monthly partitions, oldest first."""
        cur.execute(
            "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) AND c.relname <> %s ORDER BY c.relname",
            [self.table, self.default],
        )
        out = []
        for (name,) in cur.fetchall():
            stamp = name.rsplit("_p", 1)[-1]
            out.append((name, dt.date(int(stamp[:4]), int(stamp[4:]), 1)))
        return out

    def partition_of(self, cur, first: dt.date) -> str | None:
        """The monthly partition holding ``first``'s month, if it exists."""
        name = self.partition_name(first)
        cur.execute(
            "SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass(%s) AND inhrelid = to_regclass(%s)",
            [self.table, name],
        )
        return name if cur.fetchone() else None

    def create(self, cur, first: dt.date) -> int:
        """Create ``first``'s month partition, moving the rows of that month out of DEFAULT first (ATTACH would
        refuse them). Returns the number of rows moved."""
        lo, hi = month_start(first), month_start(first, 1)
        name = self.partition_name(lo)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK events still queued would block ATTACH
        cur.execute(f"CREATE TABLE {name} (LIKE {self.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(
            f"WITH gone AS (DELETE FROM {self.default} WHERE {self.column} >= %s AND {self.column} < %s "  # noqa: S608
            f"RETURNING *) INSERT INTO {name} SELECT * FROM gone",  # names built here from a date, not from input
            [lo, hi],
        )
        moved = cur.rowcount
        cur.execute(f"ALTER TABLE {self.table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [lo, hi])
        return moved

    def ensure(self, cur, first: dt.date) -> bool:
        """``first``'s month has its partition (created now if missing). True when it was created."""
        if self.partition_of(cur, month_start(first)):
            return False
        self.create(cur, month_start(first))
        return True

    def rotate(
        self, cur, *, today: dt.date, months_ahead: int, retention_months: int, dry_run: bool = False
    ) -> Rotation:
        """Create the partitions of this month and the next `months_ahead`; drop the months that ended more than
        `retention_months` before this month began (0 keeps everything), and delete such rows from DEFAULT. On a
        partitioned table; `rotate_plain` is the same retention for a plain one (SQLite)."""
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK events still queued would block DETACH/DROP
        existing = {first for _, first in self.monthly_partitions(cur)}
        created, dropped, moved, deleted = [], [], 0, 0
        for shift in range(months_ahead + 1):
            lo = month_start(today, shift)
            if lo in existing:
                continue
            created.append(self.partition_name(lo))
            if not dry_run:  # rows of that month already in DEFAULT move first, or ATTACH refuses
                moved += self.create(cur, lo)
        if retention_months > 0:
            cutoff = month_start(today, -retention_months)
            for name, first in self.monthly_partitions(cur):
                if month_start(first, 1) <= cutoff:
                    dropped.append(name)
                    if not dry_run:
                        cur.execute(f"ALTER TABLE {self.table} DETACH PARTITION {name}")
                        cur.execute(f"DROP TABLE {name}")
            if not dry_run:
                cur.execute(f"DELETE FROM {self.default} WHERE {self.column} < %s", [cutoff])  # noqa: S608
                deleted = cur.rowcount
        return Rotation(created, dropped, moved, deleted)

    def rotate_plain(self, cur, *, today: dt.date, retention_months: int, dry_run: bool = False) -> Rotation:
        """The retention on a plain table (SQLite, the demo): delete the rows of the months past it."""
        deleted = 0
        if retention_months > 0 and not dry_run:
            cutoff = month_start(today, -retention_months)
            cur.execute(f"DELETE FROM {self.table} WHERE {self.column} < %s", [cutoff])  # noqa: S608 - constants
            deleted = cur.rowcount
        return Rotation([], [], 0, deleted)

    # --- the conversion of a plain table, run once by a migration ------------------------------------------------

    def convert_now(self, cur, *, today: dt.date, months_ahead: int = 3) -> None:
        """`convert` with partitions for this month, the next `months_ahead` and every month that has rows (a
        migration's call)."""
        self.convert(cur, months=[month_start(today, shift) for shift in range(months_ahead + 1)])

    def convert(self, cur, *, months: list[dt.date]) -> None:
        """Turn the plain table into the partitioned one, keeping every row, index and constraint name (unique
        constraints stay constraints, with the column added when they lack it) and the id sequence position;
        partitions for ``months`` and for every month that has rows. Idempotent."""
        if self.is_partitioned(cur):
            return
        table, old = self.table, f"{self.table}_unpartitioned"
        cur.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        indexes, constraints = self._definitions(cur)
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - a constant of this module's caller
        max_id = cur.fetchone()[0]
        cur.execute(f"SELECT DISTINCT date_trunc('month', {self.column})::date FROM {table}")  # noqa: S608
        present = {row[0] for row in cur.fetchall()}
        cur.execute(f"ALTER TABLE {table} RENAME TO {old}")
        cur.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY IF EXISTS")
        # a table `unconvert`ed before has a plain sequence of that name instead: keep it (and its position)
        cur.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP DEFAULT")
        cur.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq OWNED BY NONE")
        cur.execute(f"ALTER TABLE {old} DROP CONSTRAINT IF EXISTS {table}_pkey")
        for name, _kind, _definition in constraints:
            cur.execute(f"ALTER TABLE {old} DROP CONSTRAINT {name}")
        cur.execute(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE "
            f"({self.column})"
        )
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq")
        cur.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        cur.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq'::regclass)")
        cur.execute(f"SELECT setval('{table}_id_seq', %s + 1, false)", [max_id])
        cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {self.column})")
        cur.execute(f"CREATE TABLE {self.default} PARTITION OF {table} DEFAULT")
        for first in sorted({month_start(m) for m in [*months, *present]}):
            self.create(cur, first)
        cur.execute(f"INSERT INTO {table} SELECT * FROM {old}")  # noqa: S608 - constants
        cur.execute(f"DROP TABLE {old}")
        for indexdef in indexes:  # the same names Django gave them, now on the partitioned table
            cur.execute(indexdef)  # read before the rename: it names the partitioned table
        for name, kind, definition in constraints:
            if kind == "u" and self.column not in definition:
                raise ValueError(f"{table}.{name}: a unique key of a partitioned table must hold {self.column}")
            cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")

    def unconvert(self, cur) -> None:
        """Back to a plain table with every row, primary key ``id``, and the same index and constraint names (the
        reverse migration)."""
        if not self.is_partitioned(cur):
            return
        table = self.table
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK events still queued would block the DROP
        indexes, constraints = self._definitions(cur)
        cur.execute(f"CREATE TABLE {table}_plain (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(f"INSERT INTO {table}_plain SELECT * FROM {table}")  # noqa: S608 - constants
        cur.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}_plain.id")  # or the DROP takes it along
        cur.execute(f"DROP TABLE {table} CASCADE")
        cur.execute(f"ALTER TABLE {table}_plain RENAME TO {table}")
        cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)")
        for indexdef in indexes:
            cur.execute(indexdef)
        for name, _kind, definition in constraints:
            cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")

    def _definitions(self, cur) -> tuple[list[str], list[tuple[str, str, str]]]:
        """The table's indexes that back no constraint (CREATE INDEX statements) and its unique and foreign-key
        constraints (name, kind, definition), unique ones first."""
        cur.execute(
            "SELECT i.indexdef FROM pg_indexes AS i WHERE i.schemaname = current_schema() AND i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conrelid = to_regclass(%s) "
            "AND c.conname = i.indexname) ORDER BY i.indexname",
            [self.table, self.table],
        )
        indexes = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
            "AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
            [self.table],
        )
        return indexes, cur.fetchall()


# --- the registered tables, and the writers' best-effort "this month has its partition" ---------------------------

_TABLES: dict[str, MonthlyTable] = {}


def register(table: MonthlyTable) -> None:
    """Called from the owning app's `AppConfig.ready()`: `sijaga partitions` maintains every registered table."""
    _TABLES[table.table] = table


def registered() -> list[MonthlyTable]:
    return [_TABLES[name] for name in sorted(_TABLES)]


#: how long `ensure_current` waits for a lock before leaving the rows to DEFAULT (milliseconds)
ENSURE_LOCK_TIMEOUT_MS = 2000


def ensure_current(tables: Iterable[MonthlyTable], *, day: dt.date) -> list[str]:
    """PostgreSQL, best effort: ``day``'s month has its partition in each of ``tables`` before a big write lands
    there (an import, the status refresh after a bill run), so its rows do not pile up in DEFAULT. Normally the
    monthly `sijaga partitions` has created it already, and this is one catalog query per table.

    A partition is created in a short transaction of its own (a savepoint inside a caller's transaction: then in
    it), one creator at a time (an advisory lock), waiting at most `ENSURE_LOCK_TIMEOUT_MS` for its locks: ATTACH
    needs SHARE ROW EXCLUSIVE on the tables the partitioned one references, which a long import holds ROW EXCLUSIVE
    on, and a waiting ATTACH would queue every other writer of those tables behind it. When the lock does not come,
    nothing is created (logged): the rows go to DEFAULT and the monthly command moves them. Returns the partitions
    created."""
    from django.db import OperationalError, connection, transaction

    if connection.vendor != "postgresql":
        return []
    first, created = month_start(day), []
    for t in tables:
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "SELECT c.relkind = 'p' AND NOT EXISTS (SELECT 1 FROM pg_inherits AS i "
                    "WHERE i.inhparent = c.oid AND i.inhrelid = to_regclass(%s)), current_setting('lock_timeout') "
                    "FROM pg_class AS c WHERE c.oid = to_regclass(%s)",
                    [t.partition_name(first), t.table],
                )
                row = cur.fetchone()
                if not row or not row[0]:
                    continue
                previous = row[1]
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{ENSURE_LOCK_TIMEOUT_MS}ms"])
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [t.table])
                if t.ensure(cur, first):
                    created.append(t.partition_name(first))
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [previous])  # a caller's transaction
        except OperationalError as exc:  # lock_timeout: the rows of this month go to DEFAULT for now
            log.warning("%s: partition of %s not created (%s); rows go to DEFAULT until `sijaga partitions`",
                        t.table, first, exc)  # fmt: skip
    return created
