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
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        before = cur.fetchone()[0]
        if conn.vendor == "postgresql":
            written, seen = _upsert_postgresql(cur, table, cols, col_list, conflict, set_list, changed, rows)
        else:
            if conn.vendor == "sqlite":
                changed = changed.replace("IS DISTINCT FROM", "IS NOT")
            action = f"DO UPDATE SET {set_list} WHERE {changed}" if data_cols else "DO NOTHING"
            sql = (
                f"INSERT INTO {table} ({col_list}) VALUES ({', '.join(['%s'] * len(cols))}) "
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
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        after = cur.fetchone()[0]
    created = after - before
    updated = written - created
    return UpsertResult(created=created, updated=updated, unchanged=seen - written)


def _upsert_postgresql(cur, table, cols, col_list, conflict, set_list, changed, rows) -> tuple[int, int]:
    from psycopg import sql as psql

    tmp = "sijaga_upsert_stage"
    cur.execute(f"DROP TABLE IF EXISTS {tmp}")
    cur.execute(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {col_list} FROM {table} WITH NO DATA")
    seen = 0
    copy_sql = psql.SQL("COPY {} ({}) FROM STDIN").format(
        psql.Identifier(tmp), psql.SQL(", ").join(psql.Identifier(c) for c in cols)
    )
    with cur.cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)
            seen += 1
    action = f"DO UPDATE SET {set_list} WHERE {changed}" if set_list else "DO NOTHING"
    cur.execute(f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {tmp} ON CONFLICT ({conflict}) {action}")
    written = cur.rowcount
    return written, seen


# --- SQL dialect and staging tables for set-based merges (imports) ---------------------------------------------------


class Dialect:
    """The few spellings in which PostgreSQL and SQLite differ, for hand-written set-based SQL.

    Never put a literal `%` in SQL built here: the statements run with parameters, and Django's debug cursor
    (DEBUG=True) formats `sql % params` (security review F2: `strftime('%Y', …)` crashed every import under DEBUG).
    """

    def __init__(self, vendor: str, using: str = "default"):
        self.pg = vendor == "postgresql"
        self.using = using
        self._sequences: dict[str, str] = {}

    def nextval(self, table: str) -> str:
        """`nextval('public.<table>_id_seq'::regclass)` with the sequence resolved once per dialect (one import).

        `nextval(pg_get_serial_sequence(…))` is STABLE, not folded: PostgreSQL runs its catalog look-ups once per
        row, 2–5 s per 1M rows (performance review §4.3, item 3). PostgreSQL only."""
        if table not in self._sequences:
            from django.db import connections

            with connections[self.using].cursor() as cur:
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                name = cur.fetchone()[0]
            if not name:
                raise LookupError(f"{table}.id has no sequence")
            self._sequences[table] = name.replace("'", "''")
        return f"nextval('{self._sequences[table]}'::regclass)"

    def distinct(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.pg else f"{a} IS NOT {b}"

    def year2(self, date_col: str) -> str:
        """The last two digits of a date's year, as text ('2026-01-01' → '26')."""
        return f"to_char({date_col}, 'YY')" if self.pg else f"substr({date_col}, 3, 2)"

    def lpad(self, expr: str, width: int) -> str:
        """An integer as text, left-padded with zeros to `width` digits."""
        if self.pg:
            return f"lpad(({expr})::text, {width}, '0')"
        return f"substr('{'0' * width}' || ({expr}), -{width}, {width})"

    def json_changes(self, pairs: list[tuple[str, str, str]]) -> str:
        """A JSON object {name: [before, after]} of only the pairs that differ (the history's `changes` shape).

        `pairs` are (name, before expression, after expression); booleans come out as JSON booleans on both
        databases, so the rows match the ones the services write."""
        if self.pg:
            items = ", ".join(
                f"'{name}', CASE WHEN {self.distinct(a, b)} THEN jsonb_build_array({a}, {b}) END"
                for name, a, b in pairs
            )
            return f"jsonb_strip_nulls(jsonb_build_object({items}))"
        # SQLite: json_patch('{}', …) drops the keys whose value is null (RFC 7396), as jsonb_strip_nulls does
        items = ", ".join(
            f"'{name}', CASE WHEN {self.distinct(a, b)} THEN json_array({a}, {b}) END" for name, a, b in pairs
        )
        return f"json_patch('{{}}', json_object({items}))"

    def json_bool(self, expr: str) -> str:
        """A boolean column as a JSON boolean inside `json_changes` (SQLite stores booleans as 0/1)."""
        return expr if self.pg else f"json(CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' END)"

    def next_ids(self, stage: str, table: str, target: str, where: str) -> str:
        """Give staged rows that will be inserted their ids up front, so one INSERT writes each row once."""
        if self.pg:
            return f"UPDATE {stage} SET {target} = {self.nextval(table)} WHERE {where}"
        return f"UPDATE {stage} SET {target} = (SELECT COALESCE(MAX(id), 0) FROM {table}) + row_no WHERE {where}"

    def type(self, kind: str) -> str:
        return {"bool": "boolean" if self.pg else "bool", "int": "bigint" if self.pg else "integer"}.get(kind, kind)

    def temp_table(self, name: str, columns: Sequence[str]) -> str:
        on_commit = " ON COMMIT DROP" if self.pg else ""
        return f"CREATE TEMP TABLE {name} ({', '.join(columns)}){on_commit}"


def fill_rows(cur, dialect: Dialect, table: str, rows: Sequence[tuple]) -> None:
    """Append Python tuples to an existing (temporary) table: COPY then ANALYZE on PostgreSQL (the planner must know
    a key table of three rows from one of a million), multi-row VALUES on SQLite."""
    if not rows:
        return
    if dialect.pg:
        with cur.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"ANALYZE {table}")
        return
    width = len(rows[0])
    per = max(1, 900 // width)  # SQLite's limit on bound parameters per statement
    for i in range(0, len(rows), per):
        chunk = rows[i : i + per]
        values = ", ".join("(" + ", ".join(["%s"] * width) + ")" for _ in chunk)
        cur.execute(f"INSERT INTO {table} VALUES {values}", [v for row in chunk for v in row])


def id_table(cur, dialect: Dialect, table: str, ids) -> list[int]:
    """A temporary table `table (id PRIMARY KEY)` of the distinct `ids` (one payer or every payer of a run), analysed:
    the statements that join it then read one payer through its indexes instead of scanning every row."""
    values = sorted({int(ids)} if isinstance(ids, int) else {int(i) for i in ids})
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(dialect.temp_table(table, [f"id {dialect.type('int')} PRIMARY KEY"]))
    fill_rows(cur, dialect, table, [(i,) for i in values])
    return values


def fill_stage(cur, dialect: Dialect, stage: str, frame, columns: Sequence[str], progress=None, chunk=100_000) -> None:
    """Copy a Polars frame into a staging table: COPY of CSV on PostgreSQL, batched inserts on SQLite.

    `progress(done, total)` is called after each chunk."""
    import io

    import polars as pl

    cols = ", ".join(columns)
    total = frame.height
    done = 0
    if dialect.pg:
        # one COPY per chunk, closed before `progress` runs: the callback may write to the database (the batch's
        # progress), which it cannot do on this connection while a COPY is open
        for part in frame.iter_slices(chunk):
            buf = io.BytesIO()
            part.write_csv(buf, include_header=False, date_format="%Y-%m-%d")
            with cur.cursor.copy(f"COPY {stage} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
            done += part.height
            if progress:
                progress(done, total)
        return
    sql = f"INSERT INTO {stage} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
    dates = [c for c, t in frame.schema.items() if t == pl.Date]
    text_dates = frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d")) if dates else frame
    for part in text_dates.iter_slices(20_000):
        cur.executemany(sql, part.rows())
        done += part.height
        if progress:
            progress(done, total)
