"""Coverage dashboards at national size: incremental refresh vs full recompute, dashboard API latency, and the naive
GROUP BY over memberships as the baseline, measured in one run on PostgreSQL.

    python bench/coverage.py [--scale 10000000] [--import-rows 100000] [--status-changes 1000] [--requests 40]
                             [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_h1_bench] [--data-only]

The synthetic country: every current regency/city (514) with a size drawn from a heavy-tailed distribution (a few
cities with hundreds of thousands of members, many small regencies), each with its own government (pemkab, 80 % of its
members), its province's government (10 %) and village governments (10 %, up to 20 villages); workers live in the
regency's villages. Statuses: 70 % active, 15 % registered, 10 % in arrears, 5 % ended; start dates from April 2021.
Written straight into the tables, one INSERT … SELECT from generate_series per table with the secondary indexes and
foreign keys rebuilt after the load, once per scale (the import pipeline has its own benchmark, bench/import.py).

Timed: the full recompute (`coverage.refresh.rebuild`); a 100,000-row import (members starting this month) into the
largest regency's government followed by the incremental refresh of what the import reports (its workers at its
payer), then the previous key (the whole payer) for comparison; the refresh after 1,000 status changes in that payer;
the API (`/api/coverage/rows`) at national, province, regency and district level and three pages; the naive GROUP BY
over memberships that a dashboard without summary tables would run for the same views, whose figures the summary
tables must equal.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from generate import ensure_database  # noqa: E402

OPEN = "('registered', 'active', 'inactive')"


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")
    os.environ.setdefault("SIJAGA_SECRET_KEY", "bench")
    os.environ.setdefault("SIJAGA_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def sizes(n: int, regencies: list[str]) -> dict[str, int]:
    """Members per regency: a Zipf-like tail (rank^-0.9) mixed with a floor, shuffled deterministically."""
    order = sorted(regencies, key=lambda c: (hash_of(c), c))
    weights = {c: 1.0 / (rank + 1) ** 0.9 + 0.002 for rank, c in enumerate(order)}
    total = sum(weights.values())
    out = {c: max(1, int(n * w / total)) for c, w in weights.items()}
    out[order[0]] += n - sum(out.values())
    return out


def hash_of(code: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(code.encode()).digest()[:4], "big")


BULK_TABLES = ("registry_worker", "enrollment_membership")


def _drop_secondary(cur, tables: tuple[str, ...]) -> list[str]:
    """Drop the foreign keys, unique constraints and indexes (all but the primary keys) of `tables` and return the
    statements that recreate them: one B-tree build per index after the load instead of 10M random insertions each,
    and one set-based check per foreign key instead of a trigger per row. The bench database only."""
    restore_indexes, restore_constraints = [], []
    for table in tables:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('f', 'u') ORDER BY conname",
            [table],
        )
        for name, definition in cur.fetchall():
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore_constraints.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.schemaname = 'public' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype = 'p') "
            "ORDER BY i.indexname",
            [table],
        )
        for name, definition in cur.fetchall():
            cur.execute(f'DROP INDEX "{name}"')
            restore_indexes.append(definition)
    return restore_indexes + restore_constraints


def populate(n: int) -> dict:
    """The synthetic country in one INSERT … SELECT per table (a lateral generate_series over the plan of the 514
    regencies), with the secondary indexes and foreign keys dropped during the load and rebuilt after it."""
    from django.db import connection
    from django.utils import timezone

    from sijaga.enrollment.models import Membership, Payer
    from sijaga.regions.models import Region

    if not Region.objects.filter(code="64.71").exists():
        from sijaga.regions.services import load_regions

        load_regions()
    regencies = list(Region.objects.filter(level=2, is_current=True).order_by("code").values_list("code", flat=True))
    plan = sizes(n, regencies)
    marker = Payer.objects.filter(code="bench-cov-marker").values_list("name", flat=True).first()
    if marker == str(n) and Membership.objects.count() >= n:
        return {"plan": plan, "regencies": regencies, "timings": {}}
    now = timezone.now()
    timings: dict[str, float] = {}
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET synchronous_commit = off")
        cur.execute("TRUNCATE coverage_coveragecell, coverage_coveragerollup, coverage_coveragenew, "
                    "coverage_coveragesnapshot, contributions_allocation, contributions_payment, "
                    "contributions_billline, contributions_bill, enrollment_membershipterms, "
                    "enrollment_membershipevent, enrollment_membership, registry_workerchange, registry_worker "
                    "CASCADE")  # fmt: skip
        cur.execute("DELETE FROM imports_importevent")
        cur.execute("DELETE FROM imports_importbatch")
        cur.execute("DELETE FROM enrollment_payer")
        provinces = sorted({c[:2] for c in regencies})
        rows = [(f"bench-prov-{p}", f"Pemprov {p}", "pemprov", p, "apbd") for p in provinces]
        rows += [(f"bench-kab-{c}", f"Pemkab {c}", "pemkab", c, "apbd") for c in regencies]
        villages: dict[str, list[str]] = {}
        desa: dict[str, list[str]] = {}
        for code, kind in Region.objects.filter(level=4, is_current=True).order_by("code").values_list("code", "kind"):
            villages.setdefault(code[:5], []).append(code)
            if kind == "desa" and len(desa.setdefault(code[:5], [])) < 20:
                desa[code[:5]].append(code)
        for c in regencies:
            rows += [(f"bench-des-{v}", f"Pemdes {v}", "pemdes", v, "apbdes") for v in desa.get(c, [])]
        rows.append(("bench-cov-marker", str(n), "badan_usaha", "64.71", "mandiri"))
        cur.executemany(
            "INSERT INTO enrollment_payer (code, name, kind, region_id, funding_source, npp, is_active, "
            "jkk_risk_class, created_at, search_text) VALUES (%s, %s, %s, %s, %s, '', true, 1, now(), '')",
            rows,
        )
        cur.execute("SELECT code, id FROM enrollment_payer")
        ids = dict(cur.fetchall())
        # the plan: one row per regency with its id range, payers and villages
        cur.execute("CREATE TEMP TABLE bench_plan (first bigint, last bigint, kab bigint, prov bigint, "
                    "des bigint[], villages text[])")  # fmt: skip
        first, plan_rows = 1, []
        for c in regencies:
            kab = ids[f"bench-kab-{c}"]
            des = [ids[f"bench-des-{v}"] for v in desa.get(c, [])] or [kab]
            plan_rows.append((first, first + plan[c] - 1, kab, ids[f"bench-prov-{c[:2]}"], des,
                              villages.get(c) or [c + ".01.0001"]))  # fmt: skip
            first += plan[c]
        cur.executemany("INSERT INTO bench_plan VALUES (%s, %s, %s, %s, %s, %s)", plan_rows)
        restore = _drop_secondary(cur, BULK_TABLES)
        try:
            start = time.perf_counter()
            cur.execute(
                "INSERT INTO registry_worker (id, nik, full_name, search_key, birth_date, gender, phone, occupation, "
                "category, created_at, updated_at, domicile_id) SELECT i, lpad(i::text, 16, '0'), 'Pekerja ' || i, "
                "'', date '1970-01-01' + (i %% 12000)::int, CASE WHEN i %% 2 = 0 THEN 'L' ELSE 'P' END, '', "
                "CASE WHEN i %% 10 = 0 THEN 'Nelayan' ELSE '' END, "
                "CASE WHEN i %% 10 = 0 THEN 'pekerja_rentan' WHEN i %% 10 < 5 THEN 'non_asn' "
                "WHEN i %% 10 < 8 THEN 'perangkat_desa' ELSE 'rt_rw' END, %s, %s, "
                "p.villages[1 + (i * 7919) %% cardinality(p.villages)] "
                "FROM bench_plan p, LATERAL generate_series(p.first, p.last) i",
                [now, now],
            )
            timings["workers"] = time.perf_counter() - start
            start = time.perf_counter()
            cur.execute(
                "INSERT INTO enrollment_membership (id, number, worker_id, payer_id, segment, jkk, jkm, jht, jp, jkp, "
                "wage, start_date, end_date, status, end_reason, status_changed_at, verify_token, created_at) "
                "SELECT i, lpad(i::text, 11, '0'), i, "
                "CASE WHEN i %% 10 < 8 THEN p.kab WHEN i %% 10 = 8 THEN p.prov "
                "ELSE p.des[1 + (i / 10) %% cardinality(p.des)] END, "
                "CASE WHEN i %% 10 = 0 THEN 'bpu' ELSE 'pu' END, true, true, i %% 3 = 0, false, false, 3000000, "
                "date '2021-04-01' + ((i * 104729) %% 1700)::int, "
                "CASE WHEN i %% 20 = 19 THEN date '2026-01-31' END, "
                "CASE WHEN i %% 20 = 19 THEN 'ended' WHEN i %% 20 < 14 THEN 'active' WHEN i %% 20 < 17 THEN "
                "'registered' ELSE 'inactive' END, CASE WHEN i %% 20 = 19 THEN 'resignation' ELSE '' END, "
                "%s, md5(i::text), %s FROM bench_plan p, LATERAL generate_series(p.first, p.last) i",
                [now, now],
            )
            timings["memberships"] = time.perf_counter() - start
        finally:
            start = time.perf_counter()
            for statement in restore:
                cur.execute(statement)
            timings["indexes and foreign keys"] = time.perf_counter() - start
        start = time.perf_counter()
        for table in BULK_TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute(f"VACUUM ANALYZE {table}")
        timings["vacuum analyze"] = time.perf_counter() - start
        cur.execute("DROP TABLE bench_plan")
    return {"plan": plan, "regencies": regencies, "timings": timings}


def simulate_import(rows: int, payer_id: int, regency: str) -> list[int]:
    """`rows` new workers and memberships for one payer, starting this month, as an enrolment import writes them
    (the refresh that follows is what is timed). Rows of an earlier run are deleted first. Returns the worker ids,
    which the import sends to coverage with the payer."""
    from django.db import connection
    from django.utils import timezone

    from sijaga.regions.models import Region

    vs = list(Region.objects.filter(level=4, code__startswith=regency + ".").values_list("code", flat=True)[:200])
    village_array = "ARRAY[" + ",".join(f"'{v}'" for v in vs) + "]"
    now = timezone.now()
    start = timezone.localdate().replace(day=1)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM enrollment_membership WHERE number LIKE 'N%%'")
        cur.execute("DELETE FROM registry_worker WHERE nik LIKE 'X%%'")
        cur.execute("SELECT COALESCE(max(id), 0) FROM registry_worker")
        base = cur.fetchone()[0] + 1
        cur.execute(
            "INSERT INTO registry_worker (id, nik, full_name, search_key, birth_date, gender, phone, occupation, "
            "category, created_at, updated_at, domicile_id) SELECT i, 'X' || lpad(i::text, 15, '0'), 'Baru ' || i, "
            "'', date '1980-01-01', 'L', '', '', 'non_asn', %s, %s, "
            f"({village_array})[1 + i %% {len(vs)}] FROM generate_series(%s::bigint, %s::bigint) i",
            [now, now, base, base + rows - 1],
        )
        cur.execute("SELECT COALESCE(max(id), 0) FROM enrollment_membership")
        mbase = cur.fetchone()[0] + 1
        cur.execute(
            "INSERT INTO enrollment_membership (id, number, worker_id, payer_id, segment, jkk, jkm, jht, jp, jkp, "
            "wage, start_date, status, end_reason, status_changed_at, verify_token, created_at) "
            f"SELECT {mbase} - {base} + i, 'N' || lpad(i::text, 10, '0'), i, %s, 'pu', true, true, false, false, "
            "false, 3000000, %s, 'registered', '', %s, md5('n' || i::text), %s "
            "FROM generate_series(%s::bigint, %s::bigint) i",
            [payer_id, start, now, now, base, base + rows - 1],
        )
    return list(range(base, base + rows))


def simulate_status_changes(count: int, payer_id: int) -> list[int]:
    """`count` registered memberships of the payer, spread over its villages, become active (as the payment
    status refresh does, one `change_status` each, which sends their ids)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "WITH picked AS (SELECT id FROM enrollment_membership WHERE payer_id = %s AND status = 'registered' "
            "AND number NOT LIKE 'N%%' ORDER BY md5(id::text) LIMIT %s) "
            "UPDATE enrollment_membership m SET status = 'active', status_changed_at = now() FROM picked "
            "WHERE m.id = picked.id RETURNING m.id",
            [payer_id, count],
        )
        return [r[0] for r in cur.fetchall()]


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p * len(ordered)) - 1)]


def api_latency(client, url: str, requests: int) -> tuple[float, float]:
    client.get(url, secure=True)  # warm
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, percentile(times, 0.95) * 1000


def naive(sql: str, params: list) -> tuple[float, dict]:
    from django.db import connection

    with connection.cursor() as cur:
        start = time.perf_counter()
        cur.execute(sql, params)
        rows = cur.fetchall()
        return (time.perf_counter() - start) * 1000, {r[0]: (r[1], r[2]) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=10_000_000, help="memberships (default 10,000,000; up to 50M)")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--status-changes", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/sijaga_h1_bench")
    parser.add_argument("--data-only", action="store_true", help="write the synthetic country and stop")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup(args.database_url)

    from django.test import Client

    from sijaga.accounts.models import User
    from sijaga.coverage import refresh
    from sijaga.enrollment.models import Payer

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start = time.perf_counter()
    world = populate(args.scale)
    print(f"data: {args.scale:,} memberships over {len(world['regencies'])} regencies "
          f"({time.perf_counter() - start:.0f} s)")  # fmt: skip
    for step, seconds in world["timings"].items():
        print(f"  {step}: {seconds:.1f} s")
    if args.data_only:
        return
    biggest = max(world["plan"], key=world["plan"].get)
    province = biggest[:2]
    print(f"largest regency {biggest}: {world['plan'][biggest]:,} members; smallest "
          f"{min(world['plan'].values()):,}")  # fmt: skip

    full, cells = timed(refresh.rebuild)
    print(f"full recompute: {full:.2f} s ({cells:,} cells)")
    snapshot, _ = timed(refresh.ensure_snapshot)  # taken once a month by the first refresh; not part of the timings
    print(f"month-end snapshot (once a month): {snapshot:.2f} s")
    payer = Payer.objects.get(code=f"bench-kab-{biggest}")
    workers = simulate_import(args.import_rows, payer.pk, biggest)
    payer_members = payer.memberships.count() - len(workers)  # before this import (an earlier run's are deleted)
    # what the enrolment import sends: the file's workers at its payer (receivers.on_memberships_changed)
    fine, fine_cells = timed(lambda: refresh.refresh(payer_workers={payer.pk: workers}))
    coarse, _ = timed(refresh.refresh_payers, [payer.pk])  # the previous key: every cell of the payer
    changed = simulate_status_changes(args.status_changes, payer.pk)
    status, status_cells = timed(lambda: refresh.refresh(memberships=changed))

    user = User.objects.filter(username="bench-koordinator").first()
    if user is None:
        user = User.objects.create_user("bench-koordinator", password="bench-password-123", role="coordinator")
    client = Client()
    client.force_login(user)
    district = biggest + ".01"
    views = [
        ("national (provinces)", "/api/coverage/rows?measure=payer&level=1"),
        ("province (regencies)", f"/api/coverage/rows?measure=payer&level=2&parent={province}"),
        ("regency (districts)", f"/api/coverage/rows?measure=domicile&level=3&parent={biggest}"),
        ("district (villages)", f"/api/coverage/rows?measure=domicile&level=4&parent={district}"),
    ]
    pages = [
        ("page: national map", "/cakupan/"),
        ("page: province", f"/cakupan/wilayah/{province}/"),
        ("page: regency", f"/cakupan/wilayah/{biggest}/"),
    ]
    latencies = {name: api_latency(client, url, args.requests) for name, url in views + pages}
    group = (
        "SELECT {key}, SUM(CASE WHEN m.status IN " + OPEN + " THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN m.status = 'active' THEN 1 ELSE 0 END) FROM enrollment_membership m "
        "JOIN enrollment_payer p ON p.id = m.payer_id JOIN registry_worker w ON w.id = m.worker_id {where} GROUP BY 1"
    )
    naive_runs = {
        "national (provinces)": naive(group.format(key="substr(p.region_id, 1, 2)", where=""), []),
        "province (regencies)": naive(
            group.format(key="substr(p.region_id, 1, 5)", where="WHERE p.region_id LIKE %s"), [province + ".%"]
        ),
        "regency (districts)": naive(
            group.format(key="substr(w.domicile_id, 1, 8)", where="WHERE w.domicile_id LIKE %s"), [biggest + ".%"]
        ),
        "district (villages)": naive(
            group.format(key="w.domicile_id", where="WHERE w.domicile_id LIKE %s"), [district + ".%"]
        ),
    }
    # the summary tables after the incremental refreshes must say what the naive count says
    api = {r["code"]: (r["registered"], r["active"]) for r in client.get(views[0][1], secure=True).json()}
    agree = all(api.get(code) == figures for code, figures in naive_runs["national (provinces)"][1].items())
    api = {r["code"]: (r["registered"], r["active"])
           for r in client.get(views[2][1], secure=True).json() if r["registered"]}  # fmt: skip
    agree = agree and api == naive_runs["regency (districts)"][1]

    print()
    print(f"{'refresh after a ' + format(args.import_rows, ',') + '-row import':<58} {'seconds':>9} {'ratio':>9}")
    print(f"{'full recompute (baseline)':<58} {full:>9.2f} {1:>9.1f}")
    rows = [
        (f"incremental, finer key ({fine_cells:,} cells recounted)", fine),
        (f"incremental, payer key (previous: {payer_members:,} + {args.import_rows:,} members)", coarse),
        (f"incremental after {len(changed):,} status changes ({status_cells:,} cells)", status),
    ]
    for label, seconds in rows:
        print(f"{label:<58} {seconds:>9.2f} {full / seconds:>8.1f}×")
    print(f"figures equal the naive GROUP BY (national, regency): {'yes' if agree else 'NO'}")
    print()
    print(f"{'dashboard view':<24} {'API p50 ms':>11} {'API p95 ms':>11} {'naive GROUP BY ms':>18} {'naive/p95':>10}")
    for name, _url in views:
        p50, p95 = latencies[name]
        ms = naive_runs[name][0]
        print(f"{name:<24} {p50:>11.1f} {p95:>11.1f} {ms:>18.1f} {ms / p95:>9.1f}×")
    for name, _url in pages:
        p50, p95 = latencies[name]
        print(f"{name:<24} {p50:>11.1f} {p95:>11.1f}")
    worst = max(latencies[name][1] for name, _url in views)
    print()
    print(f"goals: API p95 ≤ 100 ms: {'met' if worst <= 100 else 'missed'} (worst {worst:.1f} ms); "
          f"incremental ≥ 20× faster: {'met' if full / fine >= 20 else 'missed'} ({full / fine:.1f}×)")  # fmt: skip
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
