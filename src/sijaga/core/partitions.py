"""Tables range-partitioned by calendar month on PostgreSQL: the access log (`accounts.partitions`) and the bill lines
(`contributions.partitions`).

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
from dataclasses import dataclass


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthlyTable:
    table: str
    column: str

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

    # --- the conversion of a plain table, run once by a migration ------------------------------------------------

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
        cur.execute(f"ALTER TABLE {old} DROP CONSTRAINT IF EXISTS {table}_pkey")
        for name, _kind, _definition in constraints:
            cur.execute(f"ALTER TABLE {old} DROP CONSTRAINT {name}")
        cur.execute(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE "
            f"({self.column})"
        )
        cur.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
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
