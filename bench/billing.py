"""Monthly bill run: the set-based `contributions.billing.run_billing` on N memberships against a plain
per-membership ORM loop (terms read, `contribution()` priced, one `BillLine` saved per membership) on a sample,
measured in the same run on PostgreSQL.

    python bench/billing.py [--n 1000000] [--sample 20000] [--payers 100]
                            [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_h8_bench]

The database is created when missing and migrated; the synthetic memberships (SQL `generate_series`: 70 % wage
earners with JHT and a third with JP, 22 % non-wage earners, 8 % construction workers on wages; wages Rp1–30 million,
risk class mostly I) and their terms are written straight into the tables once per N (not through the import: that
pipeline has its own benchmark). Timed: the bill run for June 2024 (first run), the same run again (idempotent:
nothing written), and a run after 1 % of the memberships got a back-dated wage change (adjustment lines). Peak RSS of
this process is printed. The loop bills July 2024 for its sample, so the two never share lines.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from generate import ensure_database  # noqa: E402


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")
    os.environ.setdefault("SIJAGA_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def populate(n: int, payers: int) -> list[int]:
    """N memberships over ``payers`` payers in Kota Balikpapan, with their first terms; reused when already there."""
    from django.db import connection
    from django.utils import timezone

    from sijaga.enrollment.models import Membership, Payer
    from sijaga.regions.models import Region

    if not Region.objects.filter(code="64.71").exists():
        from sijaga.regions.services import load_regions

        load_regions()
    ids = []
    for i in range(payers):
        payer, _ = Payer.objects.get_or_create(
            code=f"bench-bu-{i:04d}",
            defaults={"name": f"Badan Usaha Bench {i}", "kind": "badan_usaha", "region_id": "64.71",
                      "funding_source": "mandiri"},
        )  # fmt: skip
        ids.append(payer.pk)
    if Membership.objects.filter(payer_id__in=ids).count() == n:
        return ids
    village = Region.objects.filter(code__startswith="64.71.", kind__in=("desa", "kelurahan")).order_by("code")[0].code
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE contributions_allocation, contributions_payment, contributions_projectcontribution, "
                    "contributions_billline, "
                    "contributions_bill, enrollment_membershipterms, enrollment_membershipevent, "
                    "enrollment_membership, registry_workerchange, registry_worker CASCADE")  # fmt: skip
        cur.execute(
            "INSERT INTO registry_worker (id, nik, full_name, search_key, birth_date, gender, phone, occupation, "
            "category, created_at, updated_at, domicile_id) SELECT i, lpad(i::text, 16, '0'), 'Pekerja ' || i, "
            "'pekerja ' || i, "
            "date '1980-01-01' + (i %% 9000)::int, CASE WHEN i %% 2 = 0 THEN 'L' ELSE 'P' END, '', '', 'non_asn', "
            "%s, %s, %s "
            "FROM generate_series(1::bigint, %s::bigint) AS i",
            [now, now, village, n],
        )
        ids_array = "ARRAY[" + ",".join(str(i) for i in ids) + "]::bigint[]"
        cur.execute(
            "INSERT INTO enrollment_membership (id, number, worker_id, payer_id, segment, jkk, jkm, jht, jp, jkp, "
            "wage, start_date, status, end_reason, status_changed_at, verify_token, created_at) "
            "SELECT i, lpad(i::text, 11, '0'), i, "
            f"({ids_array})[1 + i %% {len(ids)}], seg, true, true, seg <> 'jakon' AND (seg = 'pu' OR i %% 3 = 0), "
            "seg = 'pu' AND i %% 3 = 1, false, "
            "CASE WHEN seg = 'bpu' THEN 1000000 + (i * 7919) %% 9000000 ELSE 1000000 + (i * 104729) %% 29000000 END, "
            "date '2024-01-01', 'active', '', %s, md5(i::text), %s "
            "FROM (SELECT i, CASE WHEN i %% 100 < 70 THEN 'pu' WHEN i %% 100 < 92 THEN 'bpu' ELSE 'jakon' END AS seg "
            "FROM generate_series(1::bigint, %s::bigint) AS i) AS g",
            [now, now, n],
        )
        cur.execute(
            "INSERT INTO enrollment_membershipterms (membership_id, valid_from, segment, jkk, jkm, jht, jp, jkp, wage, "
            "jkk_risk_class, labour_intensive, worker_share_paid_by, created_at) SELECT id, start_date, segment, jkk, "
            "jkm, jht, jp, jkp, wage, CASE WHEN id %% 10 = 0 THEN 2 ELSE 1 END, false, 'payer', %s "
            "FROM enrollment_membership",
            [now],
        )
        for table in ("registry_worker", "enrollment_membership", "enrollment_membershipterms"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute(f"ANALYZE {table}")
    return ids


def orm_loop(sample: int, rates) -> tuple[float, int]:
    """The plain way: per membership, read its terms, price them, save a line (a bill per payer on the way)."""
    from django.db import transaction
    from django.utils import timezone

    from sijaga.contributions.calculate import Terms, contribution
    from sijaga.contributions.models import Bill, BillLine
    from sijaga.core.periods import Month
    from sijaga.enrollment.models import Membership, MembershipTerms

    month = Month(2024, 7)
    start = time.perf_counter()
    done = 0
    with transaction.atomic():
        bills: dict[int, Bill] = {}
        for m in Membership.objects.order_by("id")[:sample]:
            t = (
                MembershipTerms.objects.filter(membership=m, valid_from__lte=month.last_day)
                .order_by("-valid_from")
                .first()
            )
            c = contribution(
                Terms(segment=t.segment, programmes=frozenset(t.programmes), wage=t.wage, risk_class=t.jkk_risk_class,
                      labour_intensive=t.labour_intensive),
                month,
                rates,
            )  # fmt: skip
            now = timezone.now()
            bill = bills.get(m.payer_id)
            if bill is None:
                bill, _ = Bill.objects.get_or_create(payer_id=m.payer_id, month=month.first_day,
                                                     defaults={"created_at": now, "updated_at": now})  # fmt: skip
                bills[m.payer_id] = bill
            amounts = {}
            for line in c.lines:
                amounts |= {f"{line.programme}_employer": line.employer, f"{line.programme}_worker": line.worker,
                            f"{line.programme}_government": line.government}  # fmt: skip
            BillLine.objects.create(
                bill=bill, membership=m, terms=t, month=month.first_day, created_at=now, employer=c.employer,
                worker=c.worker, government=c.government, total=c.payable,
                rate_ids=",".join(map(str, c.rate_ids)), **amounts,
            )  # fmt: skip
            done += 1
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--payers", type=int, default=100)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SIJAGA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/sijaga_h8_bench"),
    )
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup(args.database_url)

    from django.db import connection

    from sijaga.accounts.actor import Actor
    from sijaga.contributions import billing, selectors
    from sijaga.contributions.services import load_rates
    from sijaga.core.periods import Month

    load_rates(Actor.system("cli"))
    rates = selectors.current_table()
    t0 = time.perf_counter()
    populate(args.n, args.payers)
    print(f"setup: {args.n:,} memberships ready in {time.perf_counter() - t0:.1f} s (not timed below)")
    with connection.cursor() as cur:
        cur.execute("TRUNCATE contributions_allocation, contributions_payment, contributions_projectcontribution, "
                    "contributions_billline, "
                    "contributions_bill CASCADE")  # fmt: skip
    system = Actor.system("cli")
    june = Month(2024, 6)
    rows = []

    slow: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            slow.append((time.perf_counter() - start, " ".join(sql.split())[:90]))

    t0 = time.perf_counter()
    with connection.execute_wrapper(timed):
        first = billing.run_billing(system, june, region="64.71", rates=rates, settle=False)
    rows.append(("set-based run, June 2024 (first)", first.lines, time.perf_counter() - t0))
    t0 = time.perf_counter()
    again = billing.run_billing(system, june, region="64.71", rates=rates, settle=False)
    assert again.lines == 0 and again.adjustments == 0, again
    rows.append(("set-based run again (idempotent, writes nothing)", first.lines, time.perf_counter() - t0))
    with connection.cursor() as cur:  # 1 %: a back-dated raise from June
        cur.execute("UPDATE enrollment_membershipterms SET wage = wage + 100000 WHERE membership_id % 100 = 7")
    t0 = time.perf_counter()
    adjusted = billing.run_billing(system, june, region="64.71", rates=rates, settle=False)
    rows.append((f"set-based run after 1 % back-dated changes ({adjusted.adjustments:,} adjustments)", first.lines,
                 time.perf_counter() - t0))  # fmt: skip

    seconds, done = orm_loop(min(args.sample, args.n), rates)
    loop_rate = done / seconds
    rows.append((f"per-membership ORM loop, sample of {done:,} (July 2024)", done, seconds))

    load = os.getloadavg()[0]
    print(f"\n{args.n:,} memberships, {args.payers} payers; PostgreSQL; load average {load:.2f}\n")
    print("| step | memberships | seconds | memberships/s | × the loop |")
    print("|---|---:|---:|---:|---:|")
    for label, n, s in rows:
        rate = n / s if s else float("inf")
        print(f"| {label} | {n:,} | {s:.2f} | {rate:,.0f} | {rate / loop_rate:,.1f} |")
    print("\nthe first run's statements over 1 s:\n")
    for seconds, sql in slow:
        if seconds > 1:
            print(f"    {seconds:6.1f} s  {sql}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
