"""The worker registry at scale: list pages, NIK look-ups and a regency's XLSX export, today's queries against the new.

    python bench/registry.py [--scale 1000000] [--regencies 20] [--runs 25]
                             [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_bench_registry]
                             [--explain] [--keep-data]

Needs PostgreSQL. The database (default `sijaga_bench_registry`, also `SIJAGA_BENCH_REGISTRY_URL`) is created when
missing, migrated and given the regions; **its worker and membership tables are emptied**: never point it at a
database you care about. Data (`bench/generate.py`): `--scale` workers spread evenly over `--regencies` regencies
(the generator's valid NIKs and villages of each), one membership each under that regency's pemkab payer, except
2 % funded by the *next* regency's payer (so a regency operator's scope really needs both branches: domicile in
scope OR an open membership with a payer in scope). Status: 85 % active, 10 % registered, 5 % inactive. Loaded with
COPY into the migrated tables, then `VACUUM ANALYZE`.

Each case runs the application's own querysets (`registry.selectors.search_workers` + the list's annotations,
`core.listing.keyset_window`) against "today" — the queries before issue 18, rebuilt here: the scope as
`domicile in scope OR id IN (…)`, Django's Paginator (exact COUNT + OFFSET), and for the national list no
`(full_name, id)` index (dropped inside a transaction that is rolled back). Variants are interleaved run by run;
p50/p95 over `--runs` runs after 2 warm-ups. The export is timed once per variant with the growth of the process's
peak RSS over its RSS before the export (Linux `clear_refs`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import ensure_database, generate, regency_places  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sijaga_bench_registry"
CROSS_FUNDED_ONE_IN = 50
PAGE = 50
NOW = "2026-01-15T00:00:00+00:00"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SIJAGA_DATA_DIR", "/tmp/sijaga-bench-registry")
    os.environ.setdefault("SIJAGA_SECRET_KEY", "bench-registry-only")  # signs the cursors of this run
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")
    import django

    django.setup()


def pick_regencies(k: int) -> list[str]:
    """k regencies whose districts the NIK engine knows and which have villages (deterministic)."""
    from sijaga.regions.models import Region
    from sijaga.registry.nik import default_region_index

    known = {d[:5] for d in default_region_index().districts}
    with_villages = set(Region.objects.filter(level=2, is_current=True, code__in=known).values_list("code", flat=True))
    chosen = sorted(with_villages)[:: max(1, len(with_villages) // k)][:k]
    return chosen


def load(scale: int, k: int) -> tuple[list[str], int]:
    """Generate and COPY `scale` workers and memberships; returns the regencies and the seconds it took."""
    from django.db import connection

    from sijaga.enrollment.models import Payer
    from sijaga.regions.models import Region

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE enrollment_membershipevent, enrollment_membership, registry_workerchange, registry_worker, "
            "registry_nameword "
            "RESTART IDENTITY CASCADE"
        )
    regencies = pick_regencies(k)
    payers = {}
    for code in regencies:
        payer, _ = Payer.objects.get_or_create(
            code=f"bench-pemkab-{code}",
            defaults={"name": f"Pemerintah {Region.objects.get(code=code).name} (bench)", "kind": "pemkab",
                      "region_id": code, "funding_source": "apbd"},
        )  # fmt: skip
        payers[code] = payer.pk
    connection.ensure_connection()
    raw = connection.connection  # psycopg 3, autocommit (Django's default)
    rebuild = without_secondary_indexes(raw, LOADED_TABLES)
    try:
        next_id = _copy_regencies(raw, regencies, payers, scale, t0)
    finally:
        t1 = time.perf_counter()
        rebuild()
        print(f"  indexes rebuilt in {time.perf_counter() - t1:.0f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("SELECT setval('registry_worker_id_seq', %s)", [next_id])
        cur.execute("SELECT setval('enrollment_membership_id_seq', %s)", [next_id])
    with connection.cursor() as cur:  # Django's connection is in autocommit: each COPY above committed
        for table in ("registry_worker", "enrollment_membership", "enrollment_payer"):
            cur.execute(f"VACUUM ANALYZE {table}")
    return regencies, time.perf_counter() - t0


def _copy_regencies(raw, regencies: list[str], payers: dict[str, int], scale: int, t0: float) -> int:
    """COPY each regency's generated workers and memberships; returns the next free id."""
    from sijaga.imports.columns import COLUMNS
    from sijaga.registry.models import TargetCategory
    from sijaga.registry.names import name_key_column

    label_to_value = {str(label): value for value, label in TargetCategory.choices}
    per = -(-scale // len(regencies))
    next_id = 1
    for i, code in enumerate(regencies):
        n = min(per, scale - per * i)
        if n <= 0:
            break
        districts, villages = regency_places(code)
        f = generate(n, districts, villages, seed=2021 + i)
        f.columns = [c.key for c in COLUMNS]
        ids = pl.int_range(next_id, next_id + n, eager=True)
        workers = pl.DataFrame(
            {
                "id": ids,
                "nik": f["nik"],
                "full_name": f["full_name"],
                "search_key": name_key_column(f["full_name"]),
                "birth_date": f["birth_date"].str.to_date("%d/%m/%Y"),
                "gender": f["gender"],
                "domicile_id": f["domicile"],
                "phone": f["phone"].fill_null(""),
                "occupation": f["occupation"],
                "category": f["category"].replace_strict(label_to_value),
            }
        )
        r = ids % 100
        other = payers[regencies[(i + 1) % len(regencies)]]
        memberships = pl.DataFrame({"id": ids}).with_columns(
            number=pl.col("id").cast(pl.String).str.zfill(11),
            worker_id=pl.col("id"),
            payer_id=pl.when(ids % CROSS_FUNDED_ONE_IN == 0).then(pl.lit(other)).otherwise(pl.lit(payers[code])),
            segment=pl.lit("pu"),
            jkk=pl.lit(True),
            jkm=pl.lit(True),
            jht=pl.lit(True),
            jp=pl.lit(False),
            jkp=pl.lit(False),
            wage=f["wage"].cast(pl.Int64),
            start_date=f["start_date"].str.to_date("%d/%m/%Y"),
            status=pl.when(r < 85)
            .then(pl.lit("active"))
            .when(r < 95)
            .then(pl.lit("registered"))
            .otherwise(pl.lit("inactive")),
            end_reason=pl.lit(""),
            status_changed_at=pl.lit(NOW),
            verify_token=(pl.col("id") * 2_654_435_761 % 2**40).cast(pl.String).str.zfill(24),
            created_at=pl.lit(NOW),
            lives_elsewhere=ids % CROSS_FUNDED_ONE_IN == 0,  # living here, funded by the next regency's payer
        )
        workers = workers.with_columns(created_at=pl.lit(NOW), updated_at=pl.lit(NOW))
        wbuf = io.BytesIO()
        workers.write_csv(wbuf, include_header=False)
        mbuf = io.BytesIO()
        memberships.write_csv(mbuf, include_header=False)
        with raw.cursor() as cur:
            # the generated rows reference existing regions, payers and the workers just copied: the RI triggers
            # (one check per row) are skipped for the load, the foreign keys stay declared
            cur.execute("SET session_replication_role = replica")
            with cur.copy(f"COPY registry_worker ({', '.join(workers.columns)}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(wbuf.getvalue())
            with cur.copy(
                f"COPY enrollment_membership ({', '.join(memberships.columns)}) FROM STDIN (FORMAT csv)"
            ) as cp:
                cp.write(mbuf.getvalue())
            cur.execute("SET session_replication_role = origin")
            words = workers["search_key"].str.split(" ").explode().unique().drop_nulls().to_list()
            cur.executemany(  # the name vocabulary (`registry.vocabulary`), as the import's merge fills it
                "INSERT INTO registry_nameword (word) VALUES (%s) ON CONFLICT DO NOTHING", [(w,) for w in words if w]
            )
        next_id += n
        print(f"  loaded {code}: {n:,} workers ({time.perf_counter() - t0:.0f} s)", flush=True)
    return next_id


LOADED_TABLES = ("registry_worker", "enrollment_membership")


def without_secondary_indexes(raw, tables):
    """Drop every index and unique/exclusion constraint of `tables` but the primary keys, and return a function that
    builds them again from their saved definitions. A bulk load writes 5–20M rows: one sorted index build per index
    afterwards instead of one random insert per row and index (at 20M the NIK, token and name B-trees are far
    larger than shared_buffers). The schema after the rebuild is the migrated one."""
    with raw.cursor() as cur:
        cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'x')",
            [list(tables)],
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(tables)],
        )
        indexes = cur.fetchall()
        for table, name, _definition in constraints:
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")

    def rebuild() -> None:
        with raw.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")  # this session only: sorts for the index builds
            for table, name, definition in constraints:
                cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            for _name, definition in indexes:
                cur.execute(definition)
            cur.execute("RESET maintenance_work_mem")

    return rebuild


# --- today's queries (before issue 18), rebuilt for comparison ------------------------------------------------------


def old_visible(actor):
    """Worker.scope_q before issue 18: `domicile in scope OR pk IN (open memberships of payers in scope)`."""
    from django.db.models import Q

    from sijaga.registry.models import OPEN_MEMBERSHIP_STATUSES, Worker

    scope = actor.scope
    qs = Worker.objects.all()
    if not scope.national:
        funded = Worker.objects.filter(
            Q(memberships__status__in=OPEN_MEMBERSHIP_STATUSES) & scope.q("memberships__payer__region__code")
        ).values("pk")
        qs = qs.filter(scope.q("domicile__code") | Q(pk__in=funded))
    return qs.select_related("domicile__parent__parent__parent")


def old_search(actor, filters):
    from sijaga.registry import presenters

    return presenters.annotate(filters.apply(old_visible(actor), actor).order_by("full_name", "id"), actor)


def new_search(actor, filters):
    from sijaga.registry import presenters, selectors

    return presenters.annotate(selectors.search_workers(actor, filters), actor)


def old_page(qs, number: int = 1):
    from django.core.paginator import Paginator

    page = Paginator(qs, PAGE).page(number)
    return list(page.object_list), page.paginator.count


def new_page(actor, filters, **window):
    """What the API and the page run: the keyset window of `search_workers`, counted on `count_queryset`."""
    from sijaga.core.listing import KeysetWindow, keyset_window
    from sijaga.registry import presenters
    from sijaga.registry.selectors import count_cap, count_queryset, visible_workers, worker_keyset

    page = keyset_window(
        new_search(actor, filters), KeysetWindow(limit=PAGE, **window), worker_keyset(filters),
        count_qs=count_queryset(actor, filters),
        rows_qs=presenters.annotate(visible_workers(actor), actor),
        count_cap=count_cap(filters), count_with_keys=bool(filters.q),
    )  # fmt: skip
    return page.items, page.count


@contextlib.contextmanager
def without_name_index():
    """Today's schema for the national list: the `(full_name, id)` index dropped in a transaction rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DROP INDEX worker_name_id_idx")
        yield
        transaction.set_rollback(True)


TIMED_OUT = object()


def today(run, timeout_s: float):
    """Run one of today's queries with a statement timeout: at 5M workers the OR scope's `id IN (…)` no longer fits
    the hashed subplan into work_mem and becomes a per-row rescan of the scope (estimated cost 3·10¹¹; it ran 35
    minutes before it was stopped). Returns TIMED_OUT when PostgreSQL cancelled it."""
    from django.db import OperationalError, connection, transaction

    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
            return run()
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        return TIMED_OUT


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def _vm(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def export(actor, filters, search) -> tuple[float, int, float]:
    """The view's export (columns, masking, iterator, constant-memory XlsxWriter): seconds, rows, and how far the
    process's peak RSS rose above its RSS before the export (MB; the peak is reset first via clear_refs)."""
    from sijaga.core.xlsx import write_table
    from sijaga.registry import presenters

    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux)
    before = _vm("VmRSS")
    cols = presenters.columns(actor)
    t = time.perf_counter()
    qs = search(actor, filters)
    rows = ([c.present(actor, w) for c in cols] for w in qs.iterator(chunk_size=2000))
    out, n = write_table([str(c.header) for c in cols], [c.width for c in cols], [c.kind for c in cols], rows,
                         sheet="Tenaga kerja")  # fmt: skip
    out.close()
    seconds = time.perf_counter() - t
    return seconds, n, (_vm("VmHWM") - before) / 1024


def explain(qs) -> str:
    return qs.explain(analyze=True, buffers=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--regencies", type=int, default=20)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--database-url", default=os.environ.get("SIJAGA_BENCH_REGISTRY_URL", DEFAULT_URL))
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the list queries")
    parser.add_argument("--reuse", action="store_true", help="keep the data already loaded (same --scale)")
    parser.add_argument("--explain-only", action="store_true", help="only the EXPLAIN plans (implies --explain)")
    parser.add_argument("--today-timeout", type=float, default=20.0,
                        help="seconds before one of today's queries is cancelled (reported as timed out)")  # fmt: skip
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from sijaga.accounts.actor import Actor
    from sijaga.accounts.scope import Scope
    from sijaga.regions.models import Region
    from sijaga.regions.services import load_regions
    from sijaga.registry.filters import WorkerFilters
    from sijaga.registry.models import Worker
    from sijaga.registry.selectors import WORKER_KEYSET, count_queryset

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.filter(level=4).exists():
        load_regions()
    if args.reuse and Worker.objects.count() == args.scale:
        with connection.cursor() as cur:
            for table in ("registry_worker", "enrollment_membership", "enrollment_payer"):
                cur.execute(f"VACUUM ANALYZE {table}")
        regencies, load_s = pick_regencies(args.regencies), 0.0
    else:
        print(f"loading {args.scale:,} workers over {args.regencies} regencies …", flush=True)
        regencies, load_s = load(args.scale, args.regencies)
    regency = regencies[len(regencies) // 2]
    national = Actor(user=None, scope=Scope(None, "coordinator", True, ()), channel="web")
    operator = Actor(user=None, scope=Scope(None, "regency_operator", False, (regency,)), channel="web")
    none = WorkerFilters()
    in_scope = count_queryset(operator, none).count()
    sample = Worker.objects.filter(domicile__code__startswith=regency + ".").order_by("id")[1234]
    nik_full, nik_prefix = WorkerFilters(q=sample.nik), WorkerFilters(q=sample.nik[:6])
    name_q = WorkerFilters(q=" ".join(reversed(sample.full_name.split())))
    w10k = new_search(national, none)[10_000 - 1]
    cursor = WORKER_KEYSET.encode(w10k, "n")

    def national_old():
        with without_name_index():
            old_page(old_search(national, none))

    cases = [
        ("national list, first page (+count)", national_old, lambda: new_page(national, none)),
        ("regency operator's list, first page (+count)", lambda: old_page(old_search(operator, none)),
         lambda: new_page(operator, none)),
        ("national, the page after 10,000: OFFSET vs cursor", lambda: old_page(old_search(national, none), 201),
         lambda: new_page(national, none, cursor=cursor)),
        ("operator, exact NIK (search box)", lambda: old_page(old_search(operator, nik_full)),
         lambda: new_page(operator, nik_full)),
        ("operator, 6-digit NIK prefix", lambda: old_page(old_search(operator, nik_prefix)),
         lambda: new_page(operator, nik_prefix)),
        ("operator, name search (full name, any order/spelling)", lambda: old_page(old_search(operator, name_q)),
         lambda: new_page(operator, name_q)),
        ("national, name search (full name)", lambda: old_page(old_search(national, name_q)),
         lambda: new_page(national, name_q)),
        ("national, exact NIK (`find_by_nik` query)", lambda: Worker.objects.filter(nik=sample.nik).first(),
         lambda: Worker.objects.filter(nik=sample.nik).first()),
    ]  # fmt: skip
    # same rows? (skipped when today's query does not finish within --today-timeout)
    checks = [
        (lambda: old_page(old_search(operator, none))[0], lambda: new_page(operator, none)[0],
         "the UNION scope returns other rows than the OR scope"),
        (lambda: old_page(old_search(national, none), 201)[0], lambda: new_page(national, none, cursor=cursor)[0],
         "the cursor page differs from the OFFSET page"),
    ]  # fmt: skip
    for old_rows, new_rows, message in checks:
        rows = today(old_rows, args.today_timeout)
        if rows is not TIMED_OUT:
            assert [w.pk for w in rows] == [w.pk for w in new_rows()], message

    with connection.cursor() as cur:
        cur.execute("SHOW shared_buffers")
        sb = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_worker'))")
        wsize = cur.fetchone()[0]
    print()
    print(f"### `bench/registry.py --scale {args.scale}` ({args.regencies} regencies, operator of {regency}: "
          f"{in_scope:,} workers in scope; {args.runs} runs, load average {os.getloadavg()[0]:.1f}, "
          f"shared_buffers {sb}, workers table {wsize}; data loaded in {load_s:.0f} s)")  # fmt: skip
    print()
    if args.explain_only:
        args.explain, cases = True, []
    print("| case | today p50 / p95 ms | new p50 / p95 ms | ratio (p50) |")
    print("| --- | ---: | ---: | ---: |")
    for name, old, new in cases:
        o, n = [], []
        old_ok = True
        for i in range(2 + args.runs):  # two warm-ups, then interleaved
            if old_ok:
                t = time.perf_counter()
                old_ok = today(old, args.today_timeout) is not TIMED_OUT
                if i >= 2 and old_ok:
                    o.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            new()
            if i >= 2:
                n.append((time.perf_counter() - t) * 1000)
        if o and old_ok:
            today_cell = f"{pct(o, 0.5):,.1f} / {pct(o, 0.95):,.1f}"
            ratio = f"{statistics.median(o) / statistics.median(n):,.1f}×"
        else:
            today_cell, ratio = f"> {args.today_timeout * 1000:,.0f} (timed out)", "—"
        print(f"| {name} | {today_cell} | {pct(n, 0.5):,.1f} / {pct(n, 0.95):,.1f} | {ratio} |", flush=True)
    if args.explain_only:
        print_plans(national, operator, none, w10k, sample)
        return
    exported = today(lambda: export(operator, none, old_search), args.today_timeout * 20)
    s_new, rows_new, mb_new = export(operator, none, new_search)
    if exported is TIMED_OUT:
        old_cell, ratio = f"> {args.today_timeout * 20:,.0f} s (timed out)", "—"
    else:
        s_old, rows_old, mb_old = exported
        assert rows_old == rows_new
        old_cell, ratio = f"{s_old:.1f} s · {mb_old:.1f} MB", f"{s_old / s_new:.1f}×"
    print(f"| XLSX export of {regency} ({rows_new:,} rows), seconds · peak RSS growth MB | {old_cell} | "
          f"{s_new:.1f} s · {mb_new:.1f} MB | {ratio} |")  # fmt: skip

    if args.explain:
        print_plans(national, operator, none, w10k, sample)


def print_plans(national, operator, none, w10k, sample) -> None:
    print("\n#### EXPLAIN (ANALYZE, BUFFERS)\n")
    from sijaga.registry.filters import WorkerFilters
    from sijaga.registry.selectors import WORKER_KEYSET, count_queryset, search_workers

    def bare_old(actor):  # without the list's membership columns (four per-row subqueries, the same in both)
        return none.apply(old_visible(actor), actor).order_by("full_name", "id")

    plans = [
        ("national first page, new (`(full_name, id)` index)", search_workers(national, none)[:51]),
        ("regency operator first page, new (row-wise EXISTS scope)", search_workers(operator, none)[:51]),
        ("regency operator first page, today (OR scope)", bare_old(operator)[:50]),
        ("regency operator capped count, new (disjoint UNION ALL)", count_queryset(operator, none).order_by()[:10_001]),
        ("regency operator count, today (exact, OR scope)", bare_old(operator).order_by().values("pk")),
        ("national page after 10,000, cursor",
         search_workers(national, none).filter(WORKER_KEYSET.after([w10k.full_name, w10k.id]))[:51]),
        ("national page after 10,000, today (OFFSET)", bare_old(national)[10_000:10_050]),
        ("regency operator, name search (search box, words in another order)",
         search_workers(operator, WorkerFilters(q=" ".join(reversed(sample.full_name.split()))))[:51]),
        ("national, name search", search_workers(national, WorkerFilters(q=sample.full_name))[:51]),
        ("regency operator, 6-digit NIK prefix", search_workers(operator, WorkerFilters(q=sample.nik[:6]))[:51]),
        ("regency operator, exact NIK", search_workers(operator, WorkerFilters(q=sample.nik))[:51]),
    ]  # fmt: skip
    for title, qs in plans:
        print(f"**{title}**\n\n```\n{explain(qs)}\n```\n")
    with without_name_index():
        plan = explain(bare_old(national)[:50])
        print(f"**national first page, today (no name index)**\n\n```\n{plan}\n```\n")


if __name__ == "__main__":
    main()
