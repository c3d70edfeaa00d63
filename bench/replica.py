"""The registry and a dashboard query read from the primary vs a real streaming replica, through the router.

    bench/replica.sh setup                       # the replica on :5433 (see that script)
    python bench/registry.py --scale 1000000     # data on the primary (streamed to the replica)
    python bench/replica.py --replica-url postgresql://postgres@127.0.0.1:5433/sijaga_bench_registry [--runs 15]

Runs the application's own querysets (the list's keyset window of `registry.selectors.search_workers` with its capped
count, the cursor page, NIK look-ups, a regency's XLSX export, and a dashboard aggregate: open memberships by
province and status) once outside and once inside `sijaga.core.db_router.replica_reads()`, interleaved run by run,
and checks which server answered (`inet_server_port()` of the alias the router chose). Then it measures what the
router's health check costs (the lag query, and the cached answer), and shows the fallbacks for real: replay paused
on the replica while the primary writes (lag above the limit) and the replica alias pointed at a closed port; in
both cases the reads are served by the primary, without an error.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import registry as bench_registry  # noqa: E402  (bench/registry.py)
from generate import ensure_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("SIJAGA_BENCH_REGISTRY_URL", bench_registry.DEFAULT_URL)
    )
    parser.add_argument("--replica-url", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--fallbacks-only", action="store_true", help="only the health-check cost and fallbacks")
    parser.add_argument("--max-lag", type=float, default=2.0, help="SIJAGA_REPLICA_MAX_LAG_SECONDS for the lag demo")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["SIJAGA_REPLICA_URL"] = args.replica_url
    os.environ["SIJAGA_REPLICA_MAX_LAG_SECONDS"] = "60"  # the comparison tolerates the lag of a loaded machine
    bench_registry.setup_django(args.database_url)
    from django.conf import settings
    from django.db import connections
    from django.db.models import Count

    from sijaga.accounts.actor import Actor
    from sijaga.accounts.scope import Scope
    from sijaga.core import db_router
    from sijaga.core.db_router import PRIMARY, REPLICA, ReplicaRouter, replica_reads
    from sijaga.enrollment.models import Membership
    from sijaga.registry.filters import WorkerFilters
    from sijaga.registry.models import Worker
    from sijaga.registry.selectors import WORKER_KEYSET

    router = ReplicaRouter()
    assert settings.REPLICA_READS and REPLICA in settings.DATABASES
    db_router.reset_request_state()
    with connections[REPLICA].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        in_recovery, port = cur.fetchone()
    if not in_recovery:
        raise SystemExit(f"{args.replica_url} is not a standby (pg_is_in_recovery() is false)")
    workers = Worker.objects.count()
    if not workers:
        raise SystemExit("no workers on the primary: run bench/registry.py --scale N first")
    regency = Worker.objects.order_by("id").values_list("domicile_id", flat=True)[workers // 2][
        :5
    ]  # a regency with data
    national = Actor(user=None, scope=Scope(None, "coordinator", True, ()), channel="web")
    operator = Actor(user=None, scope=Scope(None, "regency_operator", False, (regency,)), channel="web")
    none = WorkerFilters()
    sample = Worker.objects.filter(domicile__code__startswith=regency + ".").order_by("id")[123]
    w10k = bench_registry.new_search(national, none)[10_000 - 1]
    cursor = WORKER_KEYSET.encode(w10k, "n")

    def dashboard():
        return list(
            Membership.objects.filter(status__in=("registered", "active", "inactive"))
            .values("payer__region__code", "status")
            .annotate(n=Count("id"))
            .order_by()
        )

    cases = [
        ("national list, first page (+capped count)", lambda: bench_registry.new_page(national, none)),
        ("regency operator's list, first page (+count)", lambda: bench_registry.new_page(operator, none)),
        ("national, page after 10,000 (cursor)", lambda: bench_registry.new_page(national, none, cursor=cursor)),
        ("operator, exact NIK", lambda: bench_registry.new_page(operator, WorkerFilters(q=sample.nik))),
        ("operator, 6-digit NIK prefix", lambda: bench_registry.new_page(operator, WorkerFilters(q=sample.nik[:6]))),
        ("dashboard: open memberships by payer region × status", dashboard),
    ]  # fmt: skip

    def served_by() -> int:
        alias = router.db_for_read(Worker)
        with connections[alias].cursor() as cur:
            cur.execute("SELECT inet_server_port()")
            return cur.fetchone()[0]

    with replica_reads():
        assert served_by() == port, "the router did not send replica_reads() to the replica"
    assert served_by() != port

    print(f"\n### `bench/replica.py` ({workers:,} workers; primary {settings.DATABASES[PRIMARY]['PORT']}, streaming "
          f"replica {port}; {args.runs} runs, interleaved; load average {os.getloadavg()[0]:.1f}; both servers on the "
          f"same 2-core machine, shared with other work)\n")  # fmt: skip
    print("| case (through `ReplicaRouter`) | primary p50 / p95 ms | replica p50 / p95 ms | replica / primary (p50) "
          "| runs the router sent to the replica |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, fn in [] if args.fallbacks_only else cases:
        p, r, on_replica = [], [], 0
        for _ in range(2):
            fn()
            with replica_reads():
                fn()
        for _ in range(args.runs):
            t = time.perf_counter()
            fn()
            p.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            with replica_reads():
                on_replica += router.db_for_read(Worker) == REPLICA
                fn()
            r.append((time.perf_counter() - t) * 1000)
        pct = bench_registry.pct
        print(f"| {name} | {pct(p, .5):,.1f} / {pct(p, .95):,.1f} | {pct(r, .5):,.1f} / {pct(r, .95):,.1f} | "
              f"{statistics.median(r) / statistics.median(p):.2f} | {on_replica}/{args.runs} |",
              flush=True)  # fmt: skip
    if not args.fallbacks_only:
        export(operator, none, regency, bench_registry)

    # the health check's cost: the lag query (every HEALTH_TTL s per process) and the cached answer (every read)
    lag_ms, cached_us = [], []
    for _ in range(50):
        db_router.forget_health()
        t = time.perf_counter()
        db_router.replica_healthy()
        lag_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        db_router.replica_healthy()
        cached_us.append((time.perf_counter() - t) * 1e6)
    print(
        f"\nhealth check: the lag query {statistics.median(lag_ms):.2f} ms p50 ({max(lag_ms):.2f} max), once per "
        f"{db_router.HEALTH_TTL:.0f} s per process; the cached answer {statistics.median(cached_us):.1f} µs per read"
    )

    settings.REPLICA_MAX_LAG_SECONDS = args.max_lag
    # fallback 1: replay paused on the replica while the primary commits → lag above the limit → primary
    with connections[REPLICA].cursor() as cur:
        cur.execute("SELECT pg_wal_replay_pause()")
    try:
        with connections[PRIMARY].cursor() as cur:  # a commit the replica receives but does not replay
            cur.execute("CREATE TABLE IF NOT EXISTS bench_replica_tick (at timestamptz)")
            cur.execute("INSERT INTO bench_replica_tick VALUES (now())")
        time.sleep(args.max_lag + 1.5)
        with connections[PRIMARY].cursor() as cur:
            cur.execute("INSERT INTO bench_replica_tick VALUES (now())")
        time.sleep(0.5)
        db_router.forget_health()
        lag = db_router.replica_lag()
        with replica_reads():
            lagging_port = served_by()
            bench_registry.new_page(operator, none)  # a real page, served
        print(
            f"replay paused on the replica: lag {lag:.1f} s > limit {args.max_lag:.0f} s → read served by port "
            f"{lagging_port} ({'primary' if lagging_port != port else 'REPLICA (wrong)'})"
        )
    finally:
        with connections[REPLICA].cursor() as cur:
            cur.execute("SELECT pg_wal_replay_resume()")
        with connections[PRIMARY].cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_replica_tick")

    # fallback 2: the replica alias at a closed port → primary, the failed check cached for HEALTH_TTL
    replica = connections[REPLICA]
    saved = replica.settings_dict
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    replica.close()
    replica.settings_dict = {**saved, "PORT": closed}
    db_router.forget_health()
    try:
        with replica_reads():
            t = time.perf_counter()
            down_port = served_by()
            first = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            bench_registry.new_page(operator, none)
            page = (time.perf_counter() - t) * 1000
        print(
            f"replica alias at closed port {closed}: read served by port {down_port} "
            f"({'primary' if down_port != port else 'REPLICA (wrong)'}); the failed check + read {first:.1f} ms, "
            f"the next page {page:.1f} ms (failure cached)"
        )
    finally:
        replica.close()
        replica.settings_dict = saved


def export(operator, none, regency, bench_registry) -> None:
    from sijaga.core.db_router import replica_reads

    s_p, rows, _ = bench_registry.export(operator, none, bench_registry.new_search)
    with replica_reads():
        s_r, rows_r, _ = bench_registry.export(operator, none, bench_registry.new_search)
    assert rows == rows_r
    print(f"| XLSX export of {regency} ({rows:,} rows), once each, s | {s_p:.1f} | {s_r:.1f} | {s_r / s_p:.2f} | |")


if __name__ == "__main__":
    main()
