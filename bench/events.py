"""Reading a membership's history from a table partitioned by month: what probing every partition costs.

    python bench/events.py [--memberships 100000] [--events 10] [--samples 2000] [--partitions 1,24,60,120]
                           [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_bench_events]

PostgreSQL only; the database (its name must contain "bench") is created when missing. The script builds, with
plain SQL, tables shaped like `enrollment_membershipevent` (same columns, primary key, index on `membership_id`):
``ev_plain`` (a plain table, primary key ``id``) and, for each P of ``--partitions``, ``ev_pP`` range-partitioned by
``at``, one partition per month over P months plus a DEFAULT one, primary key ``(id, at)`` — what migration
enrollment 0017 makes. Every table holds the same ``--memberships`` × ``--events`` rows (deterministic): each
membership is created in some month of the table's window and its later events fall in later months; rows are
inserted in time order, as the application writes them. ``ev_plain`` holds the 120-month variant's rows.

Timed, interleaved over the tables, from Python with client-side parameter binding (as Django's psycopg backend
sends queries: the planner sees the literal values and prunes at plan time):

* ``one``: one membership's history, the detail page / ``GET /api/memberships/{id}``:
  ``WHERE membership_id = $1 ORDER BY at, id``;
* ``one, bounded``: the same with ``AND at >= <the membership's creation>`` (the mitigation: the months before the
  membership was created are pruned);
* ``50``: the histories of a page of 50 memberships, the API list's prefetch: ``WHERE membership_id IN (…50…)``;
* ``50, bounded``: the same with ``AND at >= <the oldest creation of the 50>``.

Each query runs ``--samples`` times per table (memberships drawn at random, the same draw for every table); the
script prints p50 and p95 in milliseconds and the ratio to the plain table, the planning time of one query
(``EXPLAIN (ANALYZE, SUMMARY)``) and the relation locks it takes, and the row counts agree between tables (checked).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import ensure_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sijaga_bench_events"
COLUMNS = (
    "id bigint NOT NULL, at timestamptz NOT NULL, from_status varchar(12) NOT NULL, to_status varchar(12) NOT NULL, "
    "reason varchar(300) NOT NULL, end_reason varchar(12) NOT NULL, by_id bigint, membership_id bigint NOT NULL, "
    "changes jsonb, kind varchar(8) NOT NULL"
)
SELECT = "SELECT id, at, from_status, to_status, reason, end_reason, by_id, membership_id, changes, kind FROM {t} "
END = "2026-12-01"  # the windows end here (exclusive): month P-1 of a window is November 2026


def month(index: int) -> str:
    """The first day of the month ``index`` months after January 2000."""
    return f"{2000 + index // 12:04d}-{index % 12 + 1:02d}-01"


def window_start(months: int) -> int:
    return (2026 * 12 + 11) - months - 2000 * 12


def build(cur, name: str, months: int, partitioned: bool, *, memberships: int, events: int) -> None:
    """The rows: event k (0 … events-1) of membership m is at month created(m) + k × (months left) / events, a
    deterministic day and second in it; the first one is the creation."""
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    start = window_start(months)
    if partitioned:
        cur.execute(f"CREATE TABLE {name} ({COLUMNS}, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)")
        cur.execute(f"CREATE TABLE {name}_default PARTITION OF {name} DEFAULT")
        for i in range(months):
            cur.execute(
                f"CREATE TABLE {name}_{i} PARTITION OF {name} FOR VALUES FROM (%s) TO (%s)",
                [month(start + i), month(start + i + 1)],
            )
    else:
        cur.execute(f"CREATE TABLE {name} ({COLUMNS}, PRIMARY KEY (id))")
    # created(m) = a month of the window, spread evenly; event k later in the window
    cur.execute(
        f"INSERT INTO {name} SELECT row_number() OVER (ORDER BY t), t, '', 'active', 'x', '', NULL, m, NULL, 'status' "
        f"FROM (SELECT m, k, DATE %s + make_interval(months => c + ((%s - c) * k) / %s) "
        "+ make_interval(days => (m * 7 + k) %% 28, secs => (m * 13 + k) %% 86400) AS t "
        f"FROM (SELECT m, (m * 7919) %% %s AS c FROM generate_series(1, %s) AS m) AS ms, "
        "generate_series(0, %s - 1) AS k) AS rows ORDER BY t",
        [month(start), months - 1, events, months, memberships, events],
    )
    cur.execute(f"CREATE INDEX {name}_membership ON {name} (membership_id)")
    cur.execute(f"VACUUM ANALYZE {name}")


def creations(cur, name: str) -> dict[int, object]:
    cur.execute(f"SELECT membership_id, MIN(at) FROM {name} GROUP BY membership_id")
    return dict(cur.fetchall())


def timed(cur, sql: str, params: list) -> tuple[float, int]:
    t0 = time.perf_counter()
    cur.execute(sql, params)
    n = len(cur.fetchall())
    return (time.perf_counter() - t0) * 1000, n


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memberships", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10, help="history rows per membership")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--partitions", default="1,24,60,120")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--keep", action="store_true", help="reuse the tables of a previous run")
    args = parser.parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("the database name must contain 'bench'")
    sizes = [int(p) for p in args.partitions.split(",")]
    ensure_database(args.database_url)
    conn = psycopg.connect(args.database_url, autocommit=True, cursor_factory=psycopg.ClientCursor)
    cur = conn.cursor()
    tables = {"plain": ("ev_plain", max(sizes), False), **{f"{p}": (f"ev_p{p}", p, True) for p in sizes}}
    t0 = time.perf_counter()
    for _label, (name, months, partitioned) in tables.items():
        cur.execute("SELECT to_regclass(%s)", [name])
        if not (args.keep and cur.fetchone()[0]):
            build(cur, name, months, partitioned, memberships=args.memberships, events=args.events)
    built = time.perf_counter() - t0
    created = {label: creations(cur, name) for label, (name, _, _) in tables.items()}
    rng = random.Random(18)
    ones = [rng.randint(1, args.memberships) for _ in range(args.samples)]
    pages = [rng.sample(range(1, args.memberships + 1), 50) for _ in range(max(1, args.samples // 10))]
    queries = {
        "one": lambda t, c, m: (SELECT.format(t=t) + "WHERE membership_id = %s ORDER BY at, id", [m]),
        "one, bounded": lambda t, c, m: (
            SELECT.format(t=t) + "WHERE membership_id = %s AND at >= %s ORDER BY at, id", [m, c[m]]),
        "50": lambda t, c, ms: (SELECT.format(t=t) + "WHERE membership_id = ANY(%s) ORDER BY at, id", [ms]),
        "50, bounded": lambda t, c, ms: (
            SELECT.format(t=t) + "WHERE membership_id = ANY(%s) AND at >= %s ORDER BY at, id",
            [ms, min(c[m] for m in ms)]),
    }  # fmt: skip
    times: dict[tuple[str, str], list[float]] = {(q, label): [] for q in queries for label in tables}
    for q, make in queries.items():
        draws = ones if not q.startswith("50") else pages
        for _ in range(2):  # warm the caches
            for label, (name, _, _) in tables.items():
                for m in draws[:200]:
                    cur.execute(*make(name, created[label], m))
                    cur.fetchall()
        for m in draws:
            counts = set()
            for label, (name, _, _) in tables.items():
                ms, n = timed(cur, *make(name, created[label], m))
                times[(q, label)].append(ms)
                counts.add(n)
            assert len(counts) == 1, f"{q}: the tables disagree on {m}: {counts}"
    plan: dict[tuple[str, str], tuple[float, int]] = {}
    for q, make in queries.items():
        m = ones[0] if not q.startswith("50") else pages[0]
        for label, (name, _, _) in tables.items():
            sql, params = make(name, created[label], m)
            cur.execute("BEGIN")
            cur.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + sql, params)
            planning = cur.fetchone()[0][0]["Planning Time"]
            cur.execute("SELECT COUNT(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'")
            plan[(q, label)] = (planning, cur.fetchone()[0])
            cur.execute("ROLLBACK")
    cur.execute("SELECT version()")
    version = cur.fetchone()[0].split(" on ")[0]
    print(f"{version}; {args.memberships:,} memberships × {args.events} events = "
          f"{args.memberships * args.events:,} rows per table; {args.samples} samples (50-id pages: "
          f"{len(pages)}); tables built in {built:.0f} s; load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("| query | table | p50 ms | p95 ms | p50 vs plain | p95 vs plain | planning ms | relation locks |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for q in queries:
        base50 = statistics.median(times[(q, "plain")])
        base95 = percentile(times[(q, "plain")], 0.95)
        for label in tables:
            values = times[(q, label)]
            p50, p95 = statistics.median(values), percentile(values, 0.95)
            planning, locks = plan[(q, label)]
            what = "plain" if label == "plain" else f"{label} monthly partitions"
            print(f"| {q} | {what} | {p50:.3f} | {p95:.3f} | {p50 / base50:.2f}x | {p95 / base95:.2f}x | "
                  f"{planning:.3f} | {locks} |")  # fmt: skip
    conn.close()


if __name__ == "__main__":
    main()
