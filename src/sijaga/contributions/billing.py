"""The monthly bill run, set-based in the database (docs/contributions.md, "Billing").

One run prices, for one month, every membership of the chosen payers from the terms it had that month
(`enrollment.selectors.terms_in_force_sql`) × the month's price list (`calculate.price_list`, loaded into a temporary
table of a few hundred rows) with a handful of ``INSERT … SELECT`` statements — the same on PostgreSQL and SQLite, no
Python loop over memberships. The SQL only multiplies, adds and rounds (half up, once per programme and party, as
`calculate` does); it is held equal to `calculate_frame` by `tests/test_billing.py` on both databases.

* A membership not yet billed for the month gets its regular line (revision 0).
* A membership already billed whose recomputed amounts differ from the sum of its lines (a back-dated terms change, a
  rate correction) gets an adjustment line with the difference (revision 1, 2, …). A membership billed earlier that
  no longer has terms in the month (ended back-dated) gets the reversal of its lines. Nothing is rewritten.
* Re-running a month with nothing changed writes nothing.
* A term the rates cannot price (no rate in force for the month, no wage cap, income below the lowest bracket)
  refuses the whole run with a message naming the month and the programme: never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.services import audit
from sijaga.contributions.calculate import ContributionError, _key, price_list
from sijaga.contributions.models import BILLED_PARTIES, BILLED_PROGRAMMES, Bill
from sijaga.contributions.rates import BP, SEGMENTS, RateTable
from sijaga.core.bulk import Dialect
from sijaga.core.periods import Month

PRICE_COLUMNS = (
    "status",
    "floor",
    "cap",
    "has_pct",
    *(f"{kind}_{party}" for party in BILLED_PARTIES for kind in ("bp", "flat", "relief_bp")),
)
AMOUNTS = tuple(f"{p}_{party}" for p in BILLED_PROGRAMMES for party in BILLED_PARTIES)
TERMS_TABLE = "bill_terms"


class BillingError(ValidationError):
    """A month that cannot be billed: the first refusal, named by month and programme, and how many terms."""

    def __init__(self, error: ContributionError, count: int):
        self.error, self.count = error, count
        super().__init__(
            _("%(msg)s (%(n)s ketentuan kepesertaan); tidak ada tagihan yang dibuat.")
            % {"msg": error.message, "n": count},
            code=error.code,
        )


@dataclass(frozen=True)
class RunResult:
    month: Month
    bills: int
    lines: int
    adjustments: int


def _drop(cur, *tables: str) -> None:
    for table in tables:
        cur.execute(f"DROP TABLE IF EXISTS {table}")


def load_prices(cur, d: Dialect, rates: RateTable, month: Month) -> None:
    """The month's price list (wage basis: contract values are priced per project, not here) as ``bill_prices``."""
    prices = price_list(rates, [month]).filter(pl.col("basis") == "wage")
    _drop(cur, "bill_prices")
    b, i = d.type("bool"), d.type("int")
    columns = [f"key {i} PRIMARY KEY", "status text", f"floor {i}", f"cap {i}", f"has_pct {b}"]
    columns += [f"{c} {i}" for c in PRICE_COLUMNS[4:]] + ["rate_ids text"]
    cur.execute(d.temp_table("bill_prices", columns))
    for name in PRICE_COLUMNS:
        if name not in prices.columns:
            prices = prices.with_columns(pl.lit(None, dtype=pl.Int64).alias(name))
    rows = prices.select(
        "key",
        *PRICE_COLUMNS,
        pl.col("rate_ids").list.eval(pl.lit(",") + pl.element().cast(pl.Utf8)).list.join("").alias("rate_ids"),
    ).rows()
    if rows:
        cur.executemany(
            f"INSERT INTO bill_prices (key, {', '.join(PRICE_COLUMNS)}, rate_ids) "
            f"VALUES ({', '.join(['%s'] * (len(PRICE_COLUMNS) + 2))})",
            rows,
        )


def terms_table(cur, d: Dialect) -> None:
    """The table the pricing reads: one row per membership (its terms of the month)."""
    b, i = d.type("bool"), d.type("int")
    _drop(cur, TERMS_TABLE)
    cur.execute(
        d.temp_table(
            TERMS_TABLE,
            [
                f"terms_id {i}",
                f"membership_id {i}",
                f"payer_id {i}",
                "segment text",
                *[f"{p} {b}" for p in BILLED_PROGRAMMES],
                f"wage {i}",
                f"jkk_risk_class {i}",
                f"labour_intensive {b}",
            ],
        )
    )


def price_sql(month: Month) -> str:
    """``bill_terms`` × ``bill_prices`` → ``bill_long``: one row per (membership, programme) with its error or its
    amounts per party. The vectorised arithmetic of `calculate._amounts`, for the wage basis, in SQL."""
    head = {s: _key(month.index, SEGMENTS.index(s), 0, 0, 1, 0) for s in SEGMENTS}
    key = (
        "CASE t.segment " + " ".join(f"WHEN '{s}' THEN {k}" for s, k in head.items()) + " END "
        "+ {prog} * 10 + (t.jkk_risk_class - 1) * 2 + CASE WHEN t.labour_intensive THEN 1 ELSE 0 END"
    )
    long = " UNION ALL ".join(
        f"SELECT t.terms_id, t.membership_id, t.payer_id, t.segment, t.wage AS value, {i} AS prog, "
        f"{key.format(prog=i)} AS key FROM {TERMS_TABLE} t WHERE t.{p}"
        for i, p in enumerate(BILLED_PROGRAMMES)
    )
    base = "CASE WHEN p.cap IS NOT NULL AND l.value > p.cap THEN p.cap ELSE l.value END"
    amounts = []
    for party in BILLED_PARTIES:
        numerator = f"({base} * COALESCE(p.bp_{party}, 0) + COALESCE(p.flat_{party}, 0) * {BP})"
        relief = f"COALESCE(p.relief_bp_{party}, 0)"
        amounts.append(f"(2 * {numerator} * ({BP} - {relief}) + {BP * BP}) / {2 * BP * BP} AS {party}")
    error = (
        "CASE WHEN p.key IS NULL THEN 'no_rate' WHEN p.status IS NOT NULL THEN p.status "
        "WHEN p.floor IS NOT NULL AND l.value < p.floor THEN 'income_below_floor' END"
    )
    return (
        "INSERT INTO bill_long (terms_id, membership_id, payer_id, segment, prog, error, floor, "
        f"{', '.join(BILLED_PARTIES)}, rate_ids) "
        f"SELECT l.terms_id, l.membership_id, l.payer_id, l.segment, l.prog, {error}, p.floor, "
        f"{', '.join(amounts)}, p.rate_ids FROM ({long}) l LEFT JOIN bill_prices p ON p.key = l.key"
    )


def price(cur, d: Dialect, month: Month) -> None:
    """Price ``bill_terms`` into ``bill_long`` (per programme) and ``bill_calc`` (per membership, programmes as
    columns); raises :class:`BillingError` if any term cannot be priced."""
    i = d.type("int")
    _drop(cur, "bill_long", "bill_calc")
    cur.execute(
        d.temp_table(
            "bill_long",
            [
                f"terms_id {i}",
                f"membership_id {i}",
                f"payer_id {i}",
                "segment text",
                f"prog {i}",
                "error text",
                f"floor {i}",
                *[f"{p} {i}" for p in BILLED_PARTIES],
                "rate_ids text",
            ],
        )
    )
    cur.execute(price_sql(month))
    if d.pg:
        cur.execute("ANALYZE bill_long")
    cur.execute(
        "SELECT error, prog, segment, floor, COUNT(*) FROM bill_long WHERE error IS NOT NULL "
        "GROUP BY error, prog, segment, floor ORDER BY prog, error LIMIT 1"
    )
    refused = cur.fetchone()
    if refused is not None:
        code, prog, segment, floor, _count = refused
        cur.execute("SELECT COUNT(DISTINCT membership_id) FROM bill_long WHERE error IS NOT NULL")
        count = cur.fetchone()[0]
        error = ContributionError(
            code, month, segment=segment, programme=BILLED_PROGRAMMES[prog],
            detail=floor if code == "income_below_floor" else None,
        )  # fmt: skip
        raise BillingError(error, count)
    pivot = [
        f"SUM(CASE WHEN prog = {n} THEN {party} ELSE 0 END) AS {p}_{party}"
        for n, p in enumerate(BILLED_PROGRAMMES)
        for party in BILLED_PARTIES
    ]
    ids = " || ".join(
        f"COALESCE(MAX(CASE WHEN prog = {n} THEN rate_ids END), '')" for n in range(len(BILLED_PROGRAMMES))
    )
    cur.execute(
        f"CREATE TEMP TABLE bill_calc AS SELECT membership_id, MAX(terms_id) AS terms_id, MAX(payer_id) AS payer_id, "
        f"{', '.join(pivot)}, substr({ids}, 2) AS rate_ids FROM bill_long GROUP BY membership_id"
    )
    if d.pg:
        cur.execute("ANALYZE bill_calc")


def _sum(columns, prefix: str = "") -> str:
    return " + ".join(f"{prefix}{c}" for c in columns)


def write(cur, d: Dialect, month: Month, *, now) -> tuple[int, int]:
    """Bills, regular lines and adjustment lines of the month from ``bill_calc``; then the bills' totals."""
    first = month.first_day
    party_sums = {party: _sum([f"{p}_{party}" for p in BILLED_PROGRAMMES]) for party in BILLED_PARTIES}
    cur.execute(
        "INSERT INTO contributions_bill (payer_id, month, status, employer, worker, government, total, paid, lines, "
        "created_at, updated_at) SELECT DISTINCT c.payer_id, %s, 'issued', 0, 0, 0, 0, 0, 0, %s, %s FROM bill_calc c "
        "WHERE NOT EXISTS (SELECT 1 FROM contributions_bill b WHERE b.payer_id = c.payer_id AND b.month = %s)",
        [first, now, now, first],
    )
    line_columns = (
        f"bill_id, membership_id, terms_id, month, revision, kind, {', '.join(AMOUNTS)}, employer, worker, "
        "government, total, rate_ids, created_at"
    )
    totals = (
        f"{party_sums['employer']}, {party_sums['worker']}, {party_sums['government']}, "
        f"{party_sums['employer']} + {party_sums['worker']}"
    )
    cur.execute(
        f"INSERT INTO contributions_billline ({line_columns}) "
        f"SELECT b.id, c.membership_id, c.terms_id, %s, 0, 'regular', {', '.join(AMOUNTS)}, {totals}, c.rate_ids, %s "
        "FROM bill_calc c JOIN contributions_bill b ON b.payer_id = c.payer_id AND b.month = %s "
        "WHERE NOT EXISTS (SELECT 1 FROM contributions_billline x WHERE x.membership_id = c.membership_id "
        "AND x.month = %s)",
        [first, now, first, first],
    )
    regular = cur.rowcount
    # adjustments: what the lines already billed add up to, against what the month costs now
    _drop(cur, "bill_billed")
    cur.execute(
        "CREATE TEMP TABLE bill_billed AS SELECT x.membership_id, MAX(x.revision) AS revision, "
        "MAX(x.terms_id) AS terms_id, MAX(b.payer_id) AS payer_id, "
        + ", ".join(f"SUM(x.{a}) AS {a}" for a in AMOUNTS)
        + " FROM contributions_billline x JOIN contributions_bill b ON b.id = x.bill_id "
        "WHERE x.month = %s AND b.payer_id IN (SELECT id FROM bill_payers) GROUP BY x.membership_id",
        [first],
    )
    differs = " OR ".join(f"COALESCE(c.{a}, 0) <> s.{a}" for a in AMOUNTS)
    diff = [f"COALESCE(c.{a}, 0) - s.{a}" for a in AMOUNTS]
    diff_sums = {
        party: _sum([f"(COALESCE(c.{p}_{party}, 0) - s.{p}_{party})" for p in BILLED_PROGRAMMES])
        for party in BILLED_PARTIES
    }
    cur.execute(
        f"INSERT INTO contributions_billline ({line_columns}) "
        f"SELECT b.id, s.membership_id, COALESCE(c.terms_id, s.terms_id), %s, s.revision + 1, 'adjustment', "
        f"{', '.join(diff)}, {diff_sums['employer']}, {diff_sums['worker']}, {diff_sums['government']}, "
        f"{diff_sums['employer']} + {diff_sums['worker']}, COALESCE(c.rate_ids, ''), %s "
        "FROM bill_billed s JOIN contributions_bill b ON b.payer_id = s.payer_id AND b.month = %s "
        f"LEFT JOIN bill_calc c ON c.membership_id = s.membership_id WHERE c.membership_id IS NULL OR {differs}",
        [first, now, first],
    )
    adjustments = cur.rowcount
    _drop(cur, "bill_billed")
    if regular or adjustments:  # one aggregate over the month's lines, joined back to the bills
        cur.execute(
            "UPDATE contributions_bill AS b SET employer = s.employer, worker = s.worker, "
            "government = s.government, total = s.total, lines = s.n, updated_at = %s "
            "FROM (SELECT bill_id, SUM(employer) AS employer, SUM(worker) AS worker, SUM(government) AS government, "
            "SUM(total) AS total, COUNT(*) AS n FROM contributions_billline WHERE month = %s "
            "AND bill_id IN (SELECT id FROM contributions_bill WHERE month = %s "
            "AND payer_id IN (SELECT id FROM bill_payers)) GROUP BY bill_id) AS s WHERE b.id = s.bill_id",
            [now, first, first],
        )
    return regular, adjustments


def bill_projects(cur, month: Month, payer_ids: list[int], rates: RateTable, *, now) -> int:
    """Price the construction projects of the payers that start this month and are priced on their contract value
    (a few rows: the scalar calculator, the same rules as the vectorised one), once per project, into the payer's
    bill of the month. A project the rates cannot price refuses the run like a membership would."""
    from sijaga.contributions.calculate import Terms, contribution
    from sijaga.contributions.models import ProjectContribution
    from sijaga.enrollment.models import ConstructionProject

    projects = list(
        ConstructionProject.objects.filter(
            payer_id__in=payer_ids, priced_on="contract", start_date__gte=month.first_day,
            start_date__lte=month.last_day, contribution__isnull=True,
        ).order_by("id")
    )  # fmt: skip
    for project in projects:
        try:
            priced = contribution(Terms("jakon", frozenset({"jkk", "jkm"}), contract_value=project.contract_value),
                                  month, rates)  # fmt: skip
        except ContributionError as exc:
            raise BillingError(exc, 1) from exc
        bill, _created = Bill.objects.get_or_create(
            payer_id=project.payer_id, month=month.first_day, defaults={"created_at": now, "updated_at": now}
        )
        jkk, jkm = priced.line("jkk").employer, priced.line("jkm").employer
        ProjectContribution.objects.create(
            project=project, bill=bill, month=month.first_day, contract_value=project.contract_value,
            jkk_employer=jkk, jkm_employer=jkm, total=jkk + jkm,
            rate_ids=",".join(str(i) for i in priced.rate_ids), created_at=now,
        )  # fmt: skip
    return len(projects)


def project_totals(cur, month: Month, *, now) -> None:
    """Bills holding project contributions: totals = their lines + their projects (the lines' update alone would
    leave the projects out)."""
    line_sum = "COALESCE((SELECT SUM({c}) FROM contributions_billline x WHERE x.bill_id = b.id AND x.month = %s), 0)"
    project_sum = "COALESCE((SELECT SUM(p.total) FROM contributions_projectcontribution p WHERE p.bill_id = b.id), 0)"
    cur.execute(
        f"UPDATE contributions_bill AS b SET employer = {line_sum.format(c='employer')} + {project_sum}, "
        f"total = {line_sum.format(c='total')} + {project_sum}, updated_at = %s "
        "WHERE b.month = %s AND EXISTS (SELECT 1 FROM contributions_projectcontribution p WHERE p.bill_id = b.id)",
        [month.first_day, month.first_day, now, month.first_day],
    )


def run_billing(
    actor: Actor,
    month: Month,
    *,
    payer_id: int | None = None,
    region: str | None = None,
    rates: RateTable | None = None,
    settle: bool = True,
) -> RunResult:
    """Bill ``month`` for one payer, or every payer of a region (or, for a national actor, every payer), in one
    transaction. Idempotent; differences found on a re-run become adjustment lines (module docstring). With
    ``settle`` (the default) each payer's credit is applied to the new bills and its memberships' statuses are
    refreshed (`payments`)."""
    from sijaga.contributions import selectors
    from sijaga.enrollment.models import Payer
    from sijaga.enrollment.selectors import terms_in_force_sql

    actor = as_actor(actor)
    if not actor.can_manage_payers:
        raise PermissionDenied(_("Peran Anda tidak dapat membuat tagihan iuran."))
    payers = Payer.objects.visible_to(actor)
    if payer_id is not None:
        payers = payers.filter(pk=payer_id)
    if region:
        if not actor.covers(region):
            raise PermissionDenied(_("Wilayah berada di luar wilayah tugas Anda."))
        payers = payers.filter(region__code__startswith=region)
    payer_ids = list(payers.values_list("pk", flat=True))
    if payer_id is not None and not payer_ids:
        raise PermissionDenied(_("Pembayar iuran tidak ditemukan di wilayah tugas Anda."))
    rates = rates if rates is not None else selectors.current_table()
    d = Dialect(connection.vendor)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        i = d.type("int")
        _drop(cur, "bill_payers")
        cur.execute(d.temp_table("bill_payers", [f"id {i} PRIMARY KEY"]))
        if d.pg:  # one run per payer set at a time: concurrent runs of the same payers wait
            cur.execute("SELECT id FROM enrollment_payer WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [payer_ids])
        cur.executemany("INSERT INTO bill_payers (id) VALUES (%s)", [(p,) for p in payer_ids])
        load_prices(cur, d, rates, month)
        terms_table(cur, d)
        sql, params = terms_in_force_sql(month.first_day, month.last_day, "bill_payers")
        cur.execute(
            f"INSERT INTO {TERMS_TABLE} (terms_id, membership_id, payer_id, segment, "
            f"{', '.join(BILLED_PROGRAMMES)}, wage, jkk_risk_class, labour_intensive) {sql}",
            params,
        )
        if d.pg:
            cur.execute(f"ANALYZE {TERMS_TABLE}")
        price(cur, d, month)
        regular, adjustments = write(cur, d, month, now=now)
        projects = bill_projects(cur, month, payer_ids, rates, now=now)
        if projects or regular or adjustments:
            project_totals(cur, month, now=now)
        cur.execute(
            "SELECT COUNT(*) FROM contributions_bill WHERE month = %s AND payer_id IN (SELECT id FROM bill_payers)",
            [month.first_day],
        )
        bills = cur.fetchone()[0]
        _drop(cur, "bill_payers", "bill_prices", TERMS_TABLE, "bill_long", "bill_calc")
        if settle and (regular or adjustments or projects):
            from sijaga.contributions.payments import allocate, refresh_statuses

            for pid in payer_ids:
                allocate(pid)
                refresh_statuses(pid)
    audit(actor, "create", "bill", f"{month}:{payer_id or region or '*'}")
    return RunResult(month, bills, regular, adjustments)


def bills_for(actor: Actor, month: Month):
    return Bill.objects.visible_to(as_actor(actor)).filter(month=month.first_day)
