"""Monthly bill run and the status refresh after a payment file, set-based, each against a plain per-membership ORM
loop on a sample measured in the same run on PostgreSQL.

    python bench/billing.py [--n 1000000] [--sample 20000] [--payers 100] [--payment-rows 100000]
                            [--payment-sample 2000] [--profile]
                            [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_h8_bench]

The database is created when missing and migrated; the synthetic memberships (SQL `generate_series`: 70 % wage
earners with JHT and a third with JP, 22 % non-wage earners, 8 % construction workers on wages; wages Rp1–30 million,
risk class mostly I; started January–June 2024; every tenth membership belongs to one big payer) and their terms are
written straight into the tables once per N (not through the import: that pipeline has its own benchmark).

Timed: the bill run for June 2024 over every payer (first run; the same run again, which must write nothing; a run
after 1 % of the terms got a back-dated raise, which writes adjustment lines) against a loop (terms read,
`contribution()`, one `BillLine` saved per membership) on `--sample` memberships for July 2024. Then the big payer
and a second one are billed January–May and their memberships set half *Terdaftar*, a quarter *Aktif*, a quarter
*Nonaktif* (not timed); a `--payment-rows` payment file for the big payer paying its bills of January–April exactly
goes through the `pembayaran` import kind, whose status refresh is timed against a per-membership loop (arrears read,
first payment checked, `change_status`) on `--payment-sample` memberships of the second payer, paid the same way.
Each run's statements over one second (every statement with `--profile`), its COMMIT and the server's WAL meanwhile
are printed, and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
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


#: 1 % of the memberships get a back-dated raise from their start (the terms' wage; the membership keeps the first)
RAISE_WAGES = (
    "UPDATE enrollment_membershipterms AS t SET wage = m.wage + 100000 FROM enrollment_membership AS m "
    "WHERE m.id = t.membership_id AND t.membership_id % 100 = 7"
)
RESET_WAGES = (
    "UPDATE enrollment_membershipterms AS t SET wage = m.wage FROM enrollment_membership AS m "
    "WHERE m.id = t.membership_id AND t.wage <> m.wage"
)


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
    if Membership.objects.filter(payer_id__in=ids).count() == n and big_payer_size(ids[0]) == (n + 9) // 10:
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
            # every tenth membership is the big payer's (the payment file's); the rest spread over the others
            f"CASE WHEN i %% 10 = 0 THEN ({ids_array})[1] ELSE ({ids_array})[2 + i %% {len(ids) - 1}] END, "
            "seg, true, true, seg <> 'jakon' AND (seg = 'pu' OR i %% 3 = 0), seg = 'pu' AND i %% 3 = 1, false, "
            "CASE WHEN seg = 'bpu' THEN 1000000 + (i * 7919) %% 9000000 ELSE 1000000 + (i * 104729) %% 29000000 END, "
            # started January to June 2024; the big payer's: half registered (never paid), a quarter in arrears
            "date '2024-01-01' + make_interval(months => ((i / 10) %% 6)::int), "
            "CASE WHEN i %% 10 <> 0 THEN 'active' WHEN (i / 10) %% 4 < 2 THEN 'registered' "
            "WHEN (i / 10) %% 4 = 2 THEN 'active' ELSE 'inactive' END, '', %s, md5(i::text), %s "
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


class Profile:
    """One timed step: its statements (Django's execute wrapper), its COMMIT (the connection's ``_commit``, where
    PostgreSQL runs the deferred foreign-key checks and flushes the WAL) and the WAL the server wrote meanwhile
    (server-wide: another session's writes count too)."""

    def __init__(self, label: str):
        self.label = label
        self.statements: list[tuple[float, str]] = []
        self.commit = 0.0

    def _timed(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - start, " ".join(sql.split())[:100]))

    def __enter__(self):
        from django.db import connection

        self.lsn = _lsn()
        self._wrap = connection.execute_wrapper(self._timed)
        self._wrap.__enter__()
        self._orig = connection._commit

        def commit():
            start = time.perf_counter()
            try:
                return self._orig()
            finally:
                self.commit += time.perf_counter() - start

        connection._commit = commit
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        from django.db import connection

        self.seconds = time.perf_counter() - self.start
        self._wrap.__exit__(*exc)
        del connection._commit
        self.wal = _lsn(self.lsn)

    def report(self, *, everything: bool) -> None:
        in_statements = sum(s for s, _sql in self.statements)
        print(
            f"\n{self.label}: {self.seconds:.2f} s = statements {in_statements:.2f} s + COMMIT {self.commit:.2f} s "
            f"+ Python {self.seconds - in_statements - self.commit:.2f} s; WAL {self.wal / 2**20:,.0f} MB"
        )
        for seconds, sql in self.statements:
            if everything or seconds > 1:
                print(f"    {seconds:7.2f} s  {sql}")


def _lsn(since: int | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        now = int(cur.fetchone()[0])
    return now if since is None else now - since


def big_payer_size(payer_id: int) -> int:
    from sijaga.enrollment.models import Membership

    return Membership.objects.filter(payer_id=payer_id).count()


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


# --- the status refresh after a payment file -------------------------------------------------------------------

#: the statuses of the two payers of the payment part, reset before it: half registered (never paid), a quarter in
#: arrears, a quarter active
STATUS_MIX = "CASE WHEN (id / 10) %% 4 < 2 THEN 'registered' WHEN (id / 10) %% 4 = 2 THEN 'active' ELSE 'inactive' END"


def _bill_months(system, payer_id: int, rates) -> None:
    from sijaga.contributions import billing
    from sijaga.core.periods import Month

    for month in range(1, 6):  # June is billed by the runs above
        billing.run_billing(system, Month(2024, month), payer_id=payer_id, rates=rates, settle=False)


def _owed_until_may(payer_id: int) -> int:
    """What the payer's bills of January to April add up to (the payment pays exactly those)."""
    from django.db.models import Sum

    from sijaga.contributions.models import Bill

    return Bill.objects.filter(payer_id=payer_id, month__lt="2024-05-01").aggregate(s=Sum("total"))["s"] or 0


class Phases:
    """Seconds spent in named functions (wrapped in place while the block runs)."""

    def __init__(self, targets: dict[str, tuple[object, str]]):
        self.targets, self.seconds, self.results = targets, dict.fromkeys(targets, 0.0), {}

    def __enter__(self):
        self.saved = {}
        for label, (owner, name) in self.targets.items():
            original = getattr(owner, name)
            self.saved[label] = (owner, name, original)

            def timed(*args, _original=original, _label=label, **kwargs):
                start = time.perf_counter()
                try:
                    result = _original(*args, **kwargs)
                    self.results[_label] = result
                    return result
                finally:
                    self.seconds[_label] += time.perf_counter() - start

            setattr(owner, name, timed)
        return self

    def __exit__(self, *exc):
        for owner, name, original in self.saved.values():
            setattr(owner, name, original)


def payment_file(
    ids: list[int], rows_wanted: int, sample: int, rates, workdir: Path
) -> tuple[list, list[str], Profile]:
    """A payment file of ``rows_wanted`` rows for the big payer (one row per membership, paying its bills of January
    to April exactly) through the `pembayaran` import kind, its status refresh timed inside it; against a plain
    per-membership loop (arrears read, first payment checked, `change_status`) over ``sample`` memberships of
    another payer in the same situation."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count, F, Sum
    from django.utils.translation import gettext as _

    from sijaga.accounts.actor import Actor
    from sijaga.contributions import importing, payments
    from sijaga.contributions.models import BillLine, Payment
    from sijaga.coverage import refresh
    from sijaga.enrollment.models import Membership, Payer
    from sijaga.enrollment.services import change_status
    from sijaga.imports.services import import_file

    system = Actor.system("cli")
    big, other = ids[0], ids[1]
    with connection.cursor() as cur:
        cur.execute(f"UPDATE enrollment_membership SET status = {STATUS_MIX} WHERE payer_id IN (%s, %s)", [big, other])
        # the reset leaves 2 × 100,000 dead rows in every membership index (and each earlier bench run its own):
        # vacuumed, as autovacuum keeps a production table, before anything is timed
        cur.execute("VACUUM (ANALYZE) enrollment_membership")
    t0 = time.perf_counter()
    for payer_id in (big, other):
        _bill_months(system, payer_id, rates)
    size = Membership.objects.filter(payer_id=big).count()
    notes = [f"payment part set up in {time.perf_counter() - t0:.1f} s (January–May billed for two payers; not timed)"]

    rows = min(rows_wanted, size)
    owed = _owed_until_may(big)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT w.nik FROM enrollment_membership m JOIN registry_worker w ON w.id = m.worker_id "
            "WHERE m.payer_id = %s ORDER BY m.id LIMIT %s",
            [big, rows],
        )
        niks = [r[0] for r in cur.fetchall()]
    base, extra = divmod(owed, rows)
    path = workdir / "pembayaran.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("Nomor KPJ;NIK;Periode;Jumlah;Tanggal Bayar;Referensi\n")
        for i, nik in enumerate(niks):
            out.write(f";{nik};2024-01;{base + (1 if i < extra else 0)};05/07/2024;BENCH-PAY-{i:07d}\n")
    targets = {
        "validate": (importing.PaymentKind, "validate"),
        "merge": (importing.PaymentKind, "merge"),
        "allocation": (payments, "allocate"),
        "status refresh": (payments, "refresh_statuses"),
        "coverage refresh at commit": (refresh, "refresh"),  # the commit hook calls refresh.refresh
    }
    code = Payer.objects.get(pk=big).code
    with Phases(targets) as phases, Profile("payment file import") as profile:
        t0 = time.perf_counter()
        batch = import_file(path, payer_code=code, kind="pembayaran")
        whole = time.perf_counter() - t0
    assert batch.status == "imported" and batch.created == rows, (batch.status, batch.created)
    moved = phases.results["status refresh"]
    refresh_s = phases.seconds["status refresh"]
    merge_rest = phases.seconds["merge"] - phases.seconds["allocation"] - refresh_s
    at_commit = phases.seconds["coverage refresh at commit"]
    notes.append(
        f"{rows:,}-row payment file imported in {whole:.2f} s: validation {phases.seconds['validate']:.2f} s, "
        f"matching and inserting the payments {merge_rest:.2f} s, allocation {phases.seconds['allocation']:.2f} s, "
        f"status refresh {refresh_s:.2f} s, coverage refresh at commit {at_commit:.2f} s, the rest (reading, "
        f"report, bookkeeping) {whole - phases.seconds['validate'] - phases.seconds['merge'] - at_commit:.2f} s"
    )
    notes.append(f"the refresh moved {moved['active']:,} memberships to Aktif and {moved['inactive']:,} to Nonaktif")

    # the other payer, the same situation: January to April paid, then a plain loop over a sample
    paid = _owed_until_may(other)
    now = Payer.objects.get(pk=other).created_at
    with transaction.atomic():
        Payment.objects.create(payer_id=other, amount=paid, unallocated=paid, paid_on="2024-07-05",
                               reference="BENCH-LOOP", source="web", created_at=now)  # fmt: skip
        payments.allocate([other])
    limit = settings.ARREARS_MONTHS
    chosen = list(Membership.objects.filter(payer_id=other).order_by("id")[:sample])
    looped = {"active": 0, "inactive": 0}
    t0 = time.perf_counter()
    with transaction.atomic():
        for m in chosen:
            owed_m = BillLine.objects.filter(membership=m, bill__paid__lt=F("bill__total")).aggregate(
                months=Count("month", distinct=True), amount=Sum("total")
            )
            months = owed_m["months"] if (owed_m["amount"] or 0) > 0 else 0
            if m.status == "registered" and months < limit:
                if BillLine.objects.filter(membership=m, bill__paid__gt=0).exists():
                    change_status(system, m, "active", reason=_("Pembayaran iuran pertama diterima"))
                    looped["active"] += 1
            elif m.status == "active" and months >= limit:
                change_status(system, m, "inactive", reason=_("Menunggak iuran %(n)s bulan") % {"n": months})
                looped["inactive"] += 1
            elif m.status == "inactive" and months < limit:
                change_status(system, m, "active", reason=_("Tunggakan iuran dibayar"))
                looped["active"] += 1
    loop_s = time.perf_counter() - t0
    notes.append(f"the loop moved {looped['active']:,} of its {len(chosen):,} to Aktif and {looped['inactive']:,} "
                 "to Nonaktif")  # fmt: skip
    table = [
        (f"status refresh after the {rows:,}-row payment file, set-based (the payer's {size:,} memberships)", size,
         refresh_s),
        (f"per-membership loop, sample of {len(chosen):,} (another payer, the same payments)", len(chosen), loop_s),
    ]  # fmt: skip
    return table, notes, profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--payers", type=int, default=100)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SIJAGA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/sijaga_h8_bench"),
    )
    parser.add_argument("--payment-rows", type=int, default=100_000, help="rows of the payment file")
    parser.add_argument("--payment-sample", type=int, default=2_000, help="memberships of the status loop")
    parser.add_argument("--profile", action="store_true", help="print every run's statements and its COMMIT")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sijaga-billing-bench-"))
    os.environ["SIJAGA_DATA_DIR"] = str(workdir / "var")  # the payment file's stored copy and report
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
                    "contributions_billline, contributions_bill CASCADE")  # fmt: skip
        cur.execute(RESET_WAGES)  # an earlier run's back-dated raise undone
    system = Actor.system("cli")
    june = Month(2024, 6)
    rows = []
    profiles: list[Profile] = []

    def run(label: str):
        with Profile(label) as prof:
            result = billing.run_billing(system, june, region="64.71", rates=rates, settle=False)
        profiles.append(prof)
        return result, prof.seconds

    first, seconds = run("first run")
    rows.append(("set-based run, June 2024 (first)", first.lines, seconds))
    again, seconds = run("re-run")
    assert again.lines == 0 and again.adjustments == 0, again
    rows.append(("set-based run again (idempotent, writes nothing)", first.lines, seconds))
    with connection.cursor() as cur:  # 1 %: a back-dated raise from June
        cur.execute(RAISE_WAGES)
    adjusted, seconds = run("after 1 % back-dated changes")
    rows.append((f"set-based run after 1 % back-dated changes ({adjusted.adjustments:,} adjustments)", first.lines,
                 seconds))  # fmt: skip

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
    for prof in profiles:
        prof.report(everything=args.profile)

    table, notes, profile = payment_file(populate(args.n, args.payers), args.payment_rows, args.payment_sample, rates,
                                workdir)  # fmt: skip
    loop_rate = table[-1][1] / table[-1][2]
    print(f"\nstatus refresh after a payment file; load average {os.getloadavg()[0]:.2f}\n")
    print("| step | memberships | seconds | memberships/s | × the loop |")
    print("|---|---:|---:|---:|---:|")
    for label, n, s in table:
        rate = n / s if s else float("inf")
        print(f"| {label} | {n:,} | {s:.2f} | {rate:,.0f} | {rate / loop_rate:,.1f} |")
    print()
    for note in notes:
        print(f"* {note}")
    profile.report(everything=args.profile)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:,.0f} MB")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
