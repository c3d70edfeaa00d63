"""Keeping the coverage summary tables, set-based (PostgreSQL and SQLite, one SQL).

`refresh(...)` recounts the cells touched — keys payer × domicile village × cell month, from the memberships or
workers the senders name; every cell of a payer when only the payer is named (`refresh_payers`) or when an import
names as many of its workers as it had memberships (`WHOLE_PAYER_AT`) — and moves the rollups by the difference
(old cells subtracted, new cells added, expanded to every region level), so its cost is what it touched, not the
country. `rebuild()` recomputes everything from memberships (the full recompute the
benchmark compares against, and the repair after a restore). `take_snapshot(month)` freezes the rollup at a month
end (`ensure_snapshot()` takes last month's when missing: every refresh and `sijaga coverage_snapshot` call it);
`backfill_snapshots(first, last)` rebuilds past months' registered and new counts from membership dates.

No literal percent sign appears in SQL run with parameters (the SQLite debug cursor formats it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence

from django.db import connection, transaction

from sijaga.core.bulk import Dialect, fill_rows
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
#: PostgreSQL settings for the incremental refresh's transaction. It touches what changed, by index probes; seeing
#: 100,000 freshly imported rows (1 % of the table, statistics not yet updated) the planner hash-joined a scan of all
#: 10M workers instead (5.5 s at 10M, against 0.2 s for 30,000 rows probed). JIT compiled those plans for 0.26 s more.
#: The recounts sort up to an import's rows by cell: in memory rather than spilled to disk.
PLANNER = {"enable_hashjoin": "off", "enable_mergejoin": "off", "jit": "off", "work_mem": "64MB"}
#: A payer named with at least this many workers (an import) and at least as many as it had memberships before is
#: recounted whole: its cells then cost one pass over its memberships, where the finer key would copy the workers,
#: find each one's membership and village (`coverage_raw_keys`) and recount every membership of the villages
#: touched by worker (bench/README.md, 2026-12-03, `bookkeep`: 8.8 → 1.7 s after a 1M-row import). Same cells.
WHOLE_PAYER_AT = 10_000


def month_number(day: dt.date | Month) -> int:
    return day.year * 100 + day.month


def _month_sql(col: str) -> str:
    if connection.vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {col})::int * 100 + EXTRACT(MONTH FROM {col})::int)"
    return f"(CAST(substr({col}, 1, 4) AS INTEGER) * 100 + CAST(substr({col}, 6, 2) AS INTEGER))"


def recent_from(today: dt.date | None = None) -> dt.date:
    """The first day of last month: memberships started since then keep their start month in the cells (new
    enrolments of this month and the last); older ones are counted under month 0. Months before that are read from
    the month-end snapshots, which froze their new enrolments."""
    from django.utils import timezone

    return Month.of(today or timezone.localdate()).prev().first_day


BASE_FROM = (
    "enrollment_membership m JOIN enrollment_payer p ON p.id = m.payer_id JOIN registry_worker w ON w.id = m.worker_id"
)


def _bucket_sql(col: str) -> str:
    """A start date's cell month: YYYYMM from `recent_from()` on, 0 before. Takes one parameter: `recent_from()`."""
    return f"CASE WHEN {col} >= %s THEN {_month_sql(col)} ELSE 0 END"


def _cells_select(where: str, source: str = BASE_FROM) -> str:
    """Cells from memberships: the one place the counting rules live (mirrored by the tests' independent counts).
    `source` joins memberships `m`, their payer `p` and worker `w`. Takes one parameter first: `recent_from()`."""
    return (
        "SELECT m.payer_id, p.region_id, w.domicile_id, w.category, m.segment, "
        f"{_bucket_sql('m.start_date')} AS start_month, "
        f"SUM(CASE WHEN m.status IN {OPEN} THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'active' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'inactive' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.status IN {OPEN} AND m.jht THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.status IN {OPEN} AND m.jp THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN m.status IN {OPEN} AND m.jkp THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'ended' THEN 1 ELSE 0 END) "
        f"FROM {source} {where} "
        "GROUP BY m.payer_id, p.region_id, w.domicile_id, w.category, m.segment, start_month"
    )


CELL_COLUMNS = (
    "payer_id, payer_region, domicile, category, segment, start_month, registered, active, arrears, jht, jp, jkp, ended"
)


def _temp(cur, name: str, columns: str) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.execute(f"CREATE TEMP TABLE {name} ({columns})")


def _collect(cur, where: str, sign: int, source: str = CELL) -> None:
    """Add the cells of `source` (the cell table or a temporary copy) matching `where` to the deltas, with `sign`,
    for both measures."""
    s = "-" if sign < 0 else ""
    sums = ", ".join(f"{s}SUM({c})" for c in COUNTS)
    for measure, col in (("payer", "payer_region"), ("domicile", "domicile")):
        cur.execute(
            f"INSERT INTO {DELTA} (measure, code, category, segment, {', '.join(COUNTS)}) "
            f"SELECT '{measure}', {col}, category, segment, {sums} FROM {source} {where} "
            f"GROUP BY {col}, category, segment"
        )
        cur.execute(
            f"INSERT INTO {NEW_DELTA} (measure, code, month, new) "
            f"SELECT '{measure}', {col}, start_month, {s}SUM(registered + ended) FROM {source} "
            f"{where} {'AND' if where else 'WHERE'} start_month >= {month_number(recent_from())} "
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


def _merge(
    cur, *, table: str, source: str, key: Sequence[str], values: Sequence[str], extra: Sequence[str], empty: bool
) -> None:
    """Add `source` rows (already grouped by `key`) to `table`: update the rows that exist, insert the others.
    Two statements, not INSERT … ON CONFLICT: a negative difference row would fail the table's CHECK before the
    conflict turns it into an update. `empty`: the table was just emptied (the full recompute): insert only."""
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {source}")  # a temp table has no statistics: without them the joins go nested-loop
    match = " AND ".join(f"t.{k} = d.{k}" for k in key)
    if empty:
        cols = ", ".join([*key, *extra, *values])
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source}")
        return
    setters = ", ".join(f"{v} = {table}.{v} + d.{v}" for v in values)
    match_update = " AND ".join(f"{table}.{k} = d.{k}" for k in key)
    cur.execute(f"UPDATE {table} SET {setters} FROM {source} d WHERE {match_update}")
    cols = ", ".join([*key, *extra, *values])
    cur.execute(
        f"INSERT INTO {table} ({cols}) SELECT {', '.join(f'd.{c}' for c in [*key, *extra, *values])} "
        f"FROM {source} d WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"
    )


def _apply(cur, *, empty: bool = False) -> None:
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
           values=COUNTS, extra=("level", "parent"), empty=empty)  # fmt: skip
    # rows that fell to nothing, found from the rows just moved through the rollup's key (not a scan of the rollup)
    cur.execute(
        f"DELETE FROM {ROLLUP} WHERE id IN (SELECT r.id FROM coverage_delta_levels d JOIN {ROLLUP} r "
        "ON r.measure = d.measure AND r.code = d.code AND r.category = d.category AND r.segment = d.segment WHERE "
        + " AND ".join(f"r.{c} = 0" for c in COUNTS)
        + ")"
    )
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
           extra=("level", "parent"), empty=empty)  # fmt: skip
    cur.execute(
        f"DELETE FROM {NEW} WHERE id IN (SELECT n.id FROM coverage_new_levels d JOIN {NEW} n "
        "ON n.measure = d.measure AND n.code = d.code AND n.month = d.month WHERE n.new = 0)"
    )
    cur.execute("DROP TABLE coverage_new_levels")


def _start(cur) -> None:
    _temp(cur, DELTA, "measure varchar(8), code varchar(13), category varchar(24), segment varchar(8), "
                      + ", ".join(f"{c} bigint" for c in COUNTS))  # fmt: skip
    _temp(cur, NEW_DELTA, "measure varchar(8), code varchar(13), month integer, new bigint")


def _finish(cur, *, empty: bool = False) -> None:
    _apply(cur, empty=empty)
    cur.execute(f"DROP TABLE {DELTA}")
    cur.execute(f"DROP TABLE {NEW_DELTA}")


def _fill(cur, table: str, columns: str, rows: Sequence[tuple]) -> None:
    """A temporary table of `rows` (`core.bulk.fill_rows`: COPY on PostgreSQL, multi-row VALUES on SQLite)."""
    _temp(cur, table, columns)
    fill_rows(cur, Dialect(connection.vendor), table, rows)


def _planner(cur, settings: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL planner settings for the rest of the transaction; returns the previous values (to restore them
    before the caller's transaction goes on, when the refresh runs inside one)."""
    if connection.vendor != "postgresql":
        return {}
    previous = {}
    for name, value in settings.items():
        cur.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        previous[name] = cur.fetchone()[0]
    return previous


def _in(column: str, ids: Sequence[int]) -> str:
    return f"{column} IN ({', '.join(str(int(i)) for i in ids)})"


CELL_TYPES = (
    "payer_id bigint, payer_region varchar(13), domicile varchar(13), category varchar(24), segment varchar(8), "
    "start_month integer, registered bigint, active bigint, arrears bigint, jht bigint, jp bigint, jkp bigint, "
    "ended bigint"
)
KEYS = "coverage_keys"
#: The memberships of a key whose start month is recent: found through the (payer, start_date) index, so an import
#: of new members costs what it imported, not the payer.
RECENT_SOURCE = (
    f"(SELECT DISTINCT payer_id FROM {KEYS} WHERE bucket > 0) r "
    "JOIN enrollment_membership m ON m.payer_id = r.payer_id AND m.start_date >= %s "
    "JOIN enrollment_payer p ON p.id = m.payer_id JOIN registry_worker w ON w.id = m.worker_id"
)
#: The other keys (older starts, or every start month): found through the people living in the key's village.
VILLAGE_SOURCE = (
    f"{KEYS} k JOIN registry_worker w ON w.domicile_id = k.domicile "
    "JOIN enrollment_membership m ON m.worker_id = w.id AND m.payer_id + 0 = k.payer_id "
    "JOIN enrollment_payer p ON p.id = m.payer_id"
)
# `m.payer_id + 0`: the membership is found by its worker, the payer only checked. Right after an import of 1M
# members, with statistics from before it, PostgreSQL ANDed the worker index with the (payer, start_date) index, i.e.
# read all of the payer's 1M index entries for each of the 1M workers: a commit hook that ran for more than 17
# minutes (bench/import.py, 2026-12-03).


def _refresh_payers(cur, ids: Sequence[int]) -> int:
    """Every cell of these payers, recounted (the coarse key: a payer without a finer description of its change)."""
    written = 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        where = "WHERE " + _in("payer_id", chunk)
        _collect(cur, where, -1)
        cur.execute(f"DELETE FROM {CELL} {where}")
        cur.execute(f"INSERT INTO {CELL} ({CELL_COLUMNS}) " + _cells_select("WHERE " + _in("m.payer_id", chunk)),
                    [recent_from()])  # fmt: skip
        written += max(cur.rowcount, 0)
        _collect(cur, where, +1)
    return written


def _whole_payers(cur, payer_workers: Mapping[int, Collection[int]]) -> set[int]:
    """The payers that `WHOLE_PAYER_AT` says to recount whole: named with at least that many workers, and at least
    as many as they had memberships before (their cells' count: registered counts the open ones, ended the rest)."""
    big = sorted(p for p, workers in payer_workers.items() if len(workers) >= WHOLE_PAYER_AT)
    if not big:
        return set()
    before: dict[int, int] = {}
    for i in range(0, len(big), CHUNK):
        cur.execute(f"SELECT payer_id, SUM(registered + ended) FROM {CELL} WHERE "
                    + _in("payer_id", big[i : i + CHUNK]) + " GROUP BY payer_id")  # fmt: skip
        before.update(cur.fetchall())
    return {p for p in big if len(payer_workers[p]) >= (before.get(p) or 0)}


def _keys(cur, *, skip: Sequence[int], memberships, payer_workers, workers, moved) -> None:
    """The cell keys touched: (payer, domicile village, start month of the cell — 0 for older starts, NULL for every
    month). A membership's payer and start date never change; its worker's domicile and category may, and then
    both the village left and the village reached are keys."""
    since = recent_from()
    bucket = _bucket_sql("m.start_date")
    _temp(cur, "coverage_raw_keys", "payer_id bigint, domicile varchar(13), bucket integer")
    insert = "INSERT INTO coverage_raw_keys (payer_id, domicile, bucket) "
    if memberships:
        _fill(cur, "coverage_ids", "id bigint", [(i,) for i in memberships])
        cur.execute(insert + f"SELECT DISTINCT m.payer_id, w.domicile_id, {bucket} FROM coverage_ids i "
                    "JOIN enrollment_membership m ON m.id = i.id JOIN registry_worker w ON w.id = m.worker_id",
                    [since])  # fmt: skip
        cur.execute("DROP TABLE coverage_ids")
    if payer_workers:
        _fill(cur, "coverage_pw", "payer_id bigint, worker_id bigint",
              [(p, w) for p, ws in payer_workers.items() for w in ws])  # fmt: skip
        cur.execute(insert + f"SELECT DISTINCT m.payer_id, w.domicile_id, {bucket} FROM coverage_pw x "
                    "JOIN enrollment_membership m ON m.worker_id = x.worker_id AND m.payer_id + 0 = x.payer_id "
                    "JOIN registry_worker w ON w.id = x.worker_id", [since])  # fmt: skip
        cur.execute("DROP TABLE coverage_pw")
    if workers:
        _fill(cur, "coverage_w", "worker_id bigint, previous varchar(13)", [(w, moved.get(w)) for w in workers])
        for village in ("w.domicile_id", "x.previous"):
            cur.execute(insert + f"SELECT DISTINCT m.payer_id, {village}, CAST(NULL AS integer) FROM coverage_w x "
                        "JOIN enrollment_membership m ON m.worker_id = x.worker_id "
                        f"JOIN registry_worker w ON w.id = x.worker_id WHERE {village} IS NOT NULL")  # fmt: skip
        cur.execute("DROP TABLE coverage_w")
    for i in range(0, len(skip), CHUNK):
        cur.execute("DELETE FROM coverage_raw_keys WHERE " + _in("payer_id", skip[i : i + CHUNK]))
    # one key per cell: every month of a (payer, village) absorbs its single months
    _temp(cur, KEYS, "payer_id bigint, domicile varchar(13), bucket integer")
    cur.execute(
        f"INSERT INTO {KEYS} (payer_id, domicile, bucket) SELECT DISTINCT r.payer_id, r.domicile, r.bucket "
        "FROM coverage_raw_keys r WHERE r.bucket IS NULL OR NOT EXISTS (SELECT 1 FROM coverage_raw_keys a "
        "WHERE a.payer_id = r.payer_id AND a.domicile = r.domicile AND a.bucket IS NULL)"
    )
    cur.execute("DROP TABLE coverage_raw_keys")
    cur.execute(f"CREATE INDEX coverage_keys_cell ON {KEYS} (payer_id, domicile, bucket)")
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {KEYS}")


def _refresh_keys(cur) -> int:
    """Recount the cells of the keys in `KEYS`: old cells subtracted and deleted, fresh cells inserted and added."""
    since, recent = recent_from(), month_number(recent_from())
    cur.execute("DROP TABLE IF EXISTS coverage_old")
    cur.execute(
        f"CREATE TEMP TABLE coverage_old AS SELECT c.* FROM {KEYS} k JOIN {CELL} c ON c.payer_id = k.payer_id "
        f"AND c.domicile = k.domicile WHERE k.bucket IS NULL OR c.start_month = k.bucket "
        f"OR (k.bucket = 0 AND c.start_month < {recent})"
    )
    _collect(cur, "", -1, source="coverage_old")
    cur.execute(f"DELETE FROM {CELL} WHERE id IN (SELECT id FROM coverage_old)")
    cur.execute("DROP TABLE coverage_old")
    _temp(cur, "coverage_fresh", CELL_TYPES)
    fresh = f"INSERT INTO coverage_fresh ({CELL_COLUMNS}) "
    bucket = _bucket_sql("m.start_date")
    cur.execute(
        fresh + _cells_select(f"WHERE EXISTS (SELECT 1 FROM {KEYS} k WHERE k.payer_id = m.payer_id "
                              f"AND k.domicile = w.domicile_id AND k.bucket = {bucket})", RECENT_SOURCE),
        [since, since, since],
    )  # fmt: skip
    cur.execute(
        fresh
        + _cells_select(
            "WHERE (k.bucket IS NULL OR k.bucket = 0) AND (k.bucket IS NULL OR m.start_date < %s)", VILLAGE_SOURCE
        ),
        [since, since],
    )
    cur.execute(f"INSERT INTO {CELL} ({CELL_COLUMNS}) SELECT {CELL_COLUMNS} FROM coverage_fresh")
    written = max(cur.rowcount, 0)
    _collect(cur, "", +1, source="coverage_fresh")
    cur.execute("DROP TABLE coverage_fresh")
    cur.execute(f"DROP TABLE {KEYS}")
    return written


def refresh(
    *,
    payers: Iterable[int] = (),
    memberships: Iterable[int] = (),
    payer_workers: Mapping[int, Collection[int]] | None = None,
    workers: Iterable[int] = (),
    moved: dict[int, str] | None = None,
) -> int:
    """Recount what changed and move the rollups by the difference. Returns the cells written.

    * `payers`: any membership of these payers may have changed — every cell of the payer (the coarse key);
    * `memberships`: these memberships were created or changed status or terms — the cells they fall in;
    * `payer_workers`: payer → workers — the memberships of these workers at this payer (an import); a payer
      named with as many workers as it had memberships (`WHOLE_PAYER_AT`) is recounted whole, which is cheaper;
    * `workers`: these workers' domicile or category changed; `moved` gives the previous domicile of those who
      moved. Without `moved` (None) every payer of these workers is recounted.

    Before the first refresh of a month, the previous month's snapshot is taken if it is missing (`ensure_snapshot`:
    the rollup then still holds the figures of that month end)."""
    coarse = {int(p) for p in payers}
    workers = sorted({int(w) for w in workers})
    if workers and moved is None:
        coarse |= payers_of(workers)
        workers = []
    memberships = sorted({int(m) for m in memberships})
    payer_workers = {int(p): ws for p, ws in (payer_workers or {}).items() if ws}
    if not (coarse or memberships or payer_workers or workers):
        return 0
    with transaction.atomic(), connection.cursor() as cur:
        _lock(cur)
        ensure_snapshot()
        _start(cur)
        coarse |= _whole_payers(cur, payer_workers)
        payer_workers = {p: ws for p, ws in payer_workers.items() if p not in coarse}
        skip = sorted(coarse)
        # whole payers too: by index probes, in memory and without JIT (a 1M-member payer: 1.1–1.6 s; with the
        # planner's own merge join, sorts spilled to disk and JIT: 3.4 s)
        before = _planner(cur, PLANNER)
        written = _refresh_payers(cur, skip)
        if memberships or payer_workers or workers:
            _keys(cur, skip=skip, memberships=memberships, payer_workers=payer_workers, workers=workers,
                  moved={int(k): v for k, v in (moved or {}).items()})  # fmt: skip
            written += _refresh_keys(cur)
        _finish(cur)
        _planner(cur, before)
    return written


def refresh_payers(payer_ids: Iterable[int]) -> int:
    """Rebuild every cell of these payers and move the rollups by the difference. Returns the cells written."""
    return refresh(payers=payer_ids)


def payers_of(worker_ids: Sequence[int]) -> set[int]:
    """The payers of these workers' memberships (any status)."""
    found: set[int] = set()
    with connection.cursor() as cur:
        for i in range(0, len(worker_ids), CHUNK):
            cur.execute("SELECT DISTINCT payer_id FROM enrollment_membership WHERE "
                        + _in("worker_id", worker_ids[i : i + CHUNK]))  # fmt: skip
            found.update(r[0] for r in cur.fetchall())
    return found


def _lock(cur) -> None:
    """One refresh at a time (two concurrent deltas over the same rollup rows would each read stale cells)."""
    if connection.vendor == "postgresql":
        cur.execute("SELECT pg_advisory_xact_lock(1515150015)")


def lock() -> None:
    """The refresh lock, until the end of the caller's transaction (a snapshot taken outside a refresh)."""
    with connection.cursor() as cur:
        _lock(cur)


def rebuild() -> int:
    """Everything from memberships: the full recompute (the benchmark's baseline for the incremental refresh)."""
    with transaction.atomic(), connection.cursor() as cur:
        _lock(cur)
        for table in (CELL, ROLLUP, NEW):
            cur.execute(f"DELETE FROM {table}")
        cur.execute(f"INSERT INTO {CELL} ({CELL_COLUMNS}) " + _cells_select(""), [recent_from()])
        _start(cur)
        _collect(cur, "", +1)
        _finish(cur, empty=True)
        cur.execute(f"SELECT COUNT(*) FROM {CELL}")
        return cur.fetchone()[0]


def take_snapshot(month: Month, *, now: dt.datetime | None = None) -> int:
    """Freeze the rollup as the figures of `month` (run at its end; re-running replaces that month)."""
    from django.utils import timezone

    number = month_number(month)
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {SNAP} WHERE month = %s", [number])
        # new enrolments of months before last are frozen in their snapshots; the live table keeps two months
        cur.execute(f"DELETE FROM {NEW} WHERE month < %s", [month_number(recent_from())])
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
        written = cur.rowcount
        # the nation's rows exist even when nobody is enrolled yet: they mark the month as taken (`ensure_snapshot`)
        for measure in ("payer", "domicile"):
            cur.execute(
                f"INSERT INTO {SNAP} (month, measure, level, code, parent, registered, active, arrears, new, "
                f"backfilled, taken_at) SELECT %s, %s, 0, '', '', 0, 0, 0, 0, %s, %s WHERE NOT EXISTS "
                f"(SELECT 1 FROM {SNAP} WHERE month = %s AND measure = %s AND code = '')",
                [number, measure, False, now, number, measure],
            )
            written += max(cur.rowcount, 0)
        return written


def ensure_snapshot(today: dt.date | None = None) -> bool:
    """Take last month's snapshot if it has not been taken for real (none, or only rebuilt from dates). Idempotent;
    run by every incremental refresh (under its lock, before it moves the rollup, which then still holds the figures
    of the month end: every change since was refreshed on its commit) and by `sijaga coverage_snapshot` from cron.
    Returns whether it took one."""
    from django.utils import timezone

    month = Month.of(today or timezone.localdate()).prev()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 1 FROM {SNAP} WHERE month = %s AND measure = %s AND code = '' AND backfilled = %s",
            [month_number(month), "payer", False],
        )
        if cur.fetchone():
            return False
    take_snapshot(month)
    return True


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
