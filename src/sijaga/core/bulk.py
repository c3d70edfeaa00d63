"""Set-based upserts shared by every bulk loader (regions, imports).

PostgreSQL: rows are streamed with COPY into a temporary table, then merged with one INSERT … ON CONFLICT.
SQLite: batched executemany of the same INSERT … ON CONFLICT. Both count what was created and changed,
and rows that are identical to what is stored are not rewritten (so a re-run is a no-op).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, transaction


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(f).column for f in fields]


def upsert(
    model: type[models.Model],
    rows: Iterable[Sequence[Any]],
    *,
    fields: Sequence[str],
    key: Sequence[str],
    using: str = "default",
    batch_size: int = 5000,
) -> UpsertResult:
    """Insert or update `rows` (tuples in `fields` order) keyed by the unique `key` fields.

    Runs in one transaction: either every row is merged or none is.
    """
    conn = connections[using]
    table = conn.ops.quote_name(model._meta.db_table)
    cols = _columns(model, fields)
    key_cols = _columns(model, key)
    data_cols = [c for c in cols if c not in key_cols]
    q = conn.ops.quote_name
    col_list = ", ".join(q(c) for c in cols)
    conflict = ", ".join(q(c) for c in key_cols)
    set_list = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in data_cols)
    changed = " OR ".join(f"{table}.{q(c)} IS DISTINCT FROM excluded.{q(c)}" for c in data_cols)

    with transaction.atomic(using=using), conn.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - identifiers are quoted model metadata
        before = cur.fetchone()[0]
        if conn.vendor == "postgresql":
            written, seen = _upsert_postgresql(cur, table, cols, col_list, conflict, set_list, changed, rows)
        else:
            if conn.vendor == "sqlite":
                changed = changed.replace("IS DISTINCT FROM", "IS NOT")
            action = f"DO UPDATE SET {set_list} WHERE {changed}" if data_cols else "DO NOTHING"
            sql = (
                f"INSERT INTO {table} ({col_list}) VALUES ({', '.join(['%s'] * len(cols))}) "  # noqa: S608
                f"ON CONFLICT ({conflict}) {action}"
            )
            # sqlite3's rowcount is unreliable for executemany with ON CONFLICT; total_changes is exact.
            start = conn.connection.total_changes
            seen = 0
            batch: list[Sequence[Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    cur.executemany(sql, batch)
                    seen += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
                seen += len(batch)
            written = conn.connection.total_changes - start
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        after = cur.fetchone()[0]
    created = after - before
    updated = written - created
    return UpsertResult(created=created, updated=updated, unchanged=seen - written)


def _upsert_postgresql(cur, table, cols, col_list, conflict, set_list, changed, rows) -> tuple[int, int]:
    from psycopg import sql as psql

    tmp = "sijaga_upsert_stage"
    cur.execute(f"DROP TABLE IF EXISTS {tmp}")
    cur.execute(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {col_list} FROM {table} WITH NO DATA")  # noqa: S608
    seen = 0
    copy_sql = psql.SQL("COPY {} ({}) FROM STDIN").format(
        psql.Identifier(tmp), psql.SQL(", ").join(psql.Identifier(c) for c in cols)
    )
    with cur.cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)
            seen += 1
    action = f"DO UPDATE SET {set_list} WHERE {changed}" if set_list else "DO NOTHING"
    cur.execute(
        f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {tmp} "  # noqa: S608
        f"ON CONFLICT ({conflict}) {action}"
    )
    written = cur.rowcount
    return written, seen
