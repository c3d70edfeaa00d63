"""Keeping the coverage summary tables, set-based (PostgreSQL and SQLite, one SQL).

`refresh_payers(ids)` rebuilds the cells of the payers touched from their memberships and moves the rollups by the
difference (old cells subtracted, new cells added, expanded to every region level), so its cost is what it touched,
not the country. `rebuild()` recomputes everything from memberships (the full recompute the benchmark compares
against, and the repair after a restore). `take_snapshot(month)` freezes the rollup at a month end;
`backfill_snapshots(first, last)` rebuilds past months' registered and new counts from membership dates.

No literal percent sign appears in SQL run with parameters (the SQLite debug cursor formats it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from sijaga.core.periods import Month

OPEN = "('registered', 'active', 'inactive')"
CELL = "coverage_coveragecell"
ROLLUP = "coverage_coveragerollup"
NEW = "coverage_coveragenew"
SNAP = "coverage_coveragesnapshot"
DELTA = "coverage_delta"
NEW_DELTA = "coverage_new_delta"
COUNTS = ("registered", "active", "arrears", "jht", "jp", "jkp")
CHUNK = 500


def month_number(day: dt.date | Month) -> int:
    return day.year * 100 + day.month


def _month_sql(col: str) -> str:
    if connection.vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {col})::int * 100 + EXTRACT(MONTH FROM {col})::int)"
    return f"(CAST(substr({col}, 1, 4) AS INTEGER) * 100 + CAST(substr({col}, 6, 2) AS INTEGER))"


def _cells_select(where: str) -> str:
    """Cells from memberships: the one place the counting rules live (mirrored by the tests' independent counts)."""
    return (
        "SELECT m.payer_id, p.region_id, w.domicile_id, w.category, m.segment, "
        f"{_month_sql('m.start_date')} AS start_month, "
        f"SUM(CASE WHEN m.status IN {OPEN} THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'active' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'inactive' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.status IN {OPEN} AND m.jht THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.status IN {OPEN} AND m.jp THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.status IN {OPEN} AND m.jkp THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'ended' THEN 1 ELSE 0 END) "
        "FROM enrollment_membership m JOIN enrollment_payer p ON p.id = m.payer_id "
        f"JOIN registry_worker w ON w.id = m.worker_id {where} "
        "GROUP BY m.payer_id, p.region_id, w.domicile_id, w.category, m.segment, start_month"
    )


CELL_COLUMNS = (
    "payer_id, payer_region, domicile, category, segment, start_month, registered, active, arrears, jht, jp, jkp, ended"
)


def _temp(cur, name: str, columns: str) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.execute(f"CREATE TEMP TABLE {name} ({columns})")


def _collect(cur, where: str, sign: int) -> None:
    """Add the cells matching `where` to the deltas, with `sign`, for both measures."""
    s = "-" if sign < 0 else ""
    sums = ", ".join(f"{s}SUM({c})" for c in COUNTS)
    for measure, col in (("payer", "payer_region"), ("domicile", "domicile")):
        cur.execute(
            f"INSERT INTO {DELTA} (measure, code, category, segment, {', '.join(COUNTS)}) "
            f"SELECT '{measure}', {col}, category, segment, {sums} FROM {CELL} {where} "
            f"GROUP BY {col}, category, segment"
        )
        cur.execute(
            f"INSERT INTO {NEW_DELTA} (measure, code, month, new) "
            f"SELECT '{measure}', {col}, start_month, {s}SUM(registered + ended) FROM {CELL} {where} "
            f"GROUP BY {col}, start_month"
        )


def _levels(select: str, source: str) -> str:
    """`select` expanded to the nation and every level the code reaches: (level, code, parent) for each."""
    parts = [
        f"SELECT 0 AS level, '' AS code, '' AS parent, {select} FROM {source}",
        f"SELECT 1, substr(code, 1, 2), '', {select} FROM {source} WHERE length(code) >= 2",
        f"SELECT 2, substr(code, 1, 5), substr(code, 1, 2), {select} FROM {source} WHERE length(code) >= 5",
        f"SELECT 3, substr(code, 1, 8), substr(code, 1, 5), {select} FROM {source} WHERE length(code) >= 8",
        f"SELECT 4, code, substr(code, 1, 8), {select} FROM {source} WHERE length(code) = 13",
    ]
    return " UNION ALL ".join(parts)


def _merge(cur, *, table: str, source: str, key: Sequence[str], values: Sequence[str], extra: Sequence[str]) -> None:
    """Add `source` rows (already grouped by `key`) to `table`: update the rows that exist, insert the others.
    Two statements, not INSERT … ON CONFLICT: a negative difference row would fail the table's CHECK before the
    conflict turns it into an update."""
    match = " AND ".join(f"t.{k} = d.{k}" for k in key)
    setters = ", ".join(f"{v} = {table}.{v} + d.{v}" for v in values)
    match_update = " AND ".join(f"{table}.{k} = d.{k}" for k in key)
    cur.execute(f"UPDATE {table} SET {setters} FROM {source} d WHERE {match_update}")
    cols = ", ".join([*key, *extra, *values])
    cur.execute(
        f"INSERT INTO {table} ({cols}) SELECT {', '.join(f'd.{c}' for c in [*key, *extra, *values])} "
        f"FROM {source} d WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"
    )


def _apply(cur) -> None:
    """Add the deltas to the rollups at every level; drop the rows that fell to nothing."""
    cols = ", ".join(COUNTS)
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTS)
    _temp(cur, "coverage_delta_levels", "measure varchar(8), level smallint, code varchar(13), parent varchar(13), "
          "category varchar(24), segment varchar(8), " + ", ".join(f"{c} bigint" for c in COUNTS))  # fmt: skip
    inner = _levels(f"measure, category, segment, {cols}", DELTA)
    cur.execute(
        f"INSERT INTO coverage_delta_levels (measure, level, code, parent, category, segment, {cols}) "
        f"SELECT measure, level, code, parent, category, segment, {sums} FROM ({inner}) x "
        "GROUP BY measure, level, code, parent, category, segment"
    )
    _merge(cur, table=ROLLUP, source="coverage_delta_levels", key=("measure", "code", "category", "segment"),
           values=COUNTS, extra=("level", "parent"))  # fmt: skip
    cur.execute(f"DELETE FROM {ROLLUP} WHERE " + " AND ".join(f"{c} = 0" for c in COUNTS))
    cur.execute("DROP TABLE coverage_delta_levels")
    _temp(cur, "coverage_new_levels", "measure varchar(8), level smallint, code varchar(13), parent varchar(13), "
          "month integer, new bigint")  # fmt: skip
    inner = _levels("measure, month, new", NEW_DELTA)
    cur.execute(
        "INSERT INTO coverage_new_levels (measure, level, code, parent, month, new) "
        f"SELECT measure, level, code, parent, month, SUM(new) FROM ({inner}) x "
        "GROUP BY measure, level, code, parent, month"
    )
    _merge(cur, table=NEW, source="coverage_new_levels", key=("measure", "code", "month"), values=("new",),
           extra=("level", "parent"))  # fmt: skip
    cur.execute(f"DELETE FROM {NEW} WHERE new = 0")
    cur.execute("DROP TABLE coverage_new_levels")


def _start(cur) -> None:
    _temp(cur, DELTA, "measure varchar(8), code varchar(13), category varchar(24), segment varchar(8), "
                      + ", ".join(f"{c} bigint" for c in COUNTS))  # fmt: skip
    _temp(cur, NEW_DELTA, "measure varchar(8), code varchar(13), month integer, new bigint")


def _finish(cur) -> None:
    _apply(cur)
    cur.execute(f"DROP TABLE {DELTA}")
    cur.execute(f"DROP TABLE {NEW_DELTA}")


def refresh_payers(payer_ids: Iterable[int]) -> int:
    """Rebuild the cells of these payers and move the rollups by the difference. Returns the cells written."""
    ids = sorted({int(p) for p in payer_ids})
    if not ids:
        return 0
    written = 0
    with transaction.atomic(), connection.cursor() as cur:
        _lock(cur)
        _start(cur)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            where = f"WHERE payer_id IN ({', '.join(str(p) for p in chunk)})"
            _collect(cur, where, -1)
            cur.execute(f"DELETE FROM {CELL} {where}")
            cur.execute(
                f"INSERT INTO {CELL} ({CELL_COLUMNS}) "
                + _cells_select(f"WHERE m.payer_id IN ({', '.join(str(p) for p in chunk)})")
            )
            written += max(cur.rowcount, 0)
            _collect(cur, where, +1)
        _finish(cur)
    return written


def refresh_workers(worker_ids: Iterable[int]) -> int:
    """The payers of these workers' memberships (their domicile or category changed)."""
    ids = sorted({int(w) for w in worker_ids})
    if not ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT payer_id FROM enrollment_membership WHERE worker_id IN ({', '.join(map(str, ids))})"
        )
        payers = [r[0] for r in cur.fetchall()]
    return refresh_payers(payers)


def _lock(cur) -> None:
    """One refresh at a time (two concurrent deltas over the same rollup rows would each read stale cells)."""
    if connection.vendor == "postgresql":
        cur.execute("SELECT pg_advisory_xact_lock(1515150015)")


def rebuild() -> int:
    """Everything from memberships: the full recompute (the benchmark's baseline for the incremental refresh)."""
    with transaction.atomic(), connection.cursor() as cur:
        _lock(cur)
        for table in (CELL, ROLLUP, NEW):
            cur.execute(f"DELETE FROM {table}")
        cur.execute(f"INSERT INTO {CELL} ({CELL_COLUMNS}) " + _cells_select(""))
        _start(cur)
        _collect(cur, "", +1)
        _finish(cur)
        cur.execute(f"SELECT COUNT(*) FROM {CELL}")
        return cur.fetchone()[0]


def take_snapshot(month: Month, *, now: dt.datetime | None = None) -> int:
    """Freeze the rollup as the figures of `month` (run at its end; re-running replaces that month)."""
    from django.utils import timezone

    number = month_number(month)
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {SNAP} WHERE month = %s", [number])
        cur.execute(
            f"INSERT INTO {SNAP} (month, measure, level, code, parent, registered, active, arrears, new, backfilled, "
            "taken_at) "
            "SELECT %s, r.measure, r.level, r.code, r.parent, SUM(r.registered), SUM(r.active), SUM(r.arrears), 0, "
            f"%s, %s FROM {ROLLUP} r GROUP BY r.measure, r.level, r.code, r.parent",
            [number, False, now],
        )
        cur.execute(
            f"UPDATE {SNAP} SET new = COALESCE((SELECT n.new FROM {NEW} n WHERE n.measure = {SNAP}.measure "
            f"AND n.code = {SNAP}.code AND n.month = {SNAP}.month), 0) WHERE month = %s",
            [number],
        )
        return cur.rowcount


def backfill_snapshots(first: Month, last: Month, *, now: dt.datetime | None = None) -> int:
    """Past month ends rebuilt from membership dates: registered (started by the month end and not ended before it)
    and new; active and arrears stay NULL (status history before the system is not known). Months already
    snapshotted for real are kept."""
    from django.utils import timezone

    now = now or timezone.now()
    done = 0
    with transaction.atomic(), connection.cursor() as cur:
        for month in Month.range(first, last):
            number = month_number(month)
            cur.execute(f"SELECT COUNT(*) FROM {SNAP} WHERE month = %s AND backfilled = %s", [number, False])
            if cur.fetchone()[0]:
                continue
            cur.execute(f"DELETE FROM {SNAP} WHERE month = %s", [number])
            end = month.last_day
            m_month = _month_sql("m.start_date")
            for measure, col in (("payer", "p.region_id"), ("domicile", "w.domicile_id")):
                source = (
                    f"(SELECT {col} AS code, CASE WHEN m.start_date <= %s AND (m.end_date IS NULL OR "
                    f"m.end_date > %s) THEN 1 ELSE 0 END AS registered, CASE WHEN {m_month} = %s THEN 1 ELSE 0 END "
                    "AS new FROM enrollment_membership m JOIN enrollment_payer p ON p.id = m.payer_id "
                    "JOIN registry_worker w ON w.id = m.worker_id WHERE m.start_date <= %s) s"
                )
                inner = _levels("registered, new", source)
                # the source subquery appears five times in the union: its parameters too
                params = [end, end, number, end] * 5
                cur.execute(
                    f"INSERT INTO {SNAP} (month, measure, level, code, parent, registered, active, arrears, new, "
                    f"backfilled, taken_at) SELECT {number}, '{measure}', level, code, parent, SUM(registered), "
                    f"NULL, NULL, SUM(new), %s, %s FROM ({inner}) x GROUP BY level, code, parent",
                    [True, now, *params],
                )
                done += max(cur.rowcount, 0)
    return done


def snapshot_months() -> Sequence[int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT month FROM {SNAP} ORDER BY month")
        return [r[0] for r in cur.fetchall()]
