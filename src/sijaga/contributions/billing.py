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

How a run reads and writes (bench/billing.py measures it): the terms are priced in one pass (one row per membership,
the five programmes as columns) into ``bill_calc``; what the month's lines already add up to is read once, from the
month's partition (`contributions.partitions`), into ``bill_billed``; one ``INSERT`` writes the regular and the
adjustment lines together, and the bills' totals move by what it inserted (its ``RETURNING``, not a re-read of the
lines). On PostgreSQL the lines are written without their per-row foreign-key triggers when `core.fkcheck` allows it:
the terms are locked ``FOR KEY SHARE`` while they are read (which also holds their memberships, a key column of the
terms), the month's bills and the terms of reversals before the insert (`check_references`).
"""

from __future__ import annotations

import json
import logging
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
from sijaga.contributions.partitions import ensure_month
from sijaga.contributions.rates import BP, SEGMENTS, RateTable
from sijaga.core.bulk import Dialect, id_table
from sijaga.core.periods import Month
from sijaga.enrollment.partitions import ensure_this_month

#: the foreign keys of the bill lines, each checked set-based by the run when it writes without the RI triggers (a
#: test compares this with pg_constraint; the run falls back to the triggers when they differ)
LINES_TABLE = "contributions_billline"
LINE_FKS = {
    (LINES_TABLE, "bill_id", "contributions_bill", "id"),
    (LINES_TABLE, "membership_id", "enrollment_membership", "id"),
    (LINES_TABLE, "terms_id", "enrollment_membershipterms", "id"),
}
#: work_mem of the run's transaction on PostgreSQL (SET LOCAL): its joins of a million rows stay in memory
RUN_WORK_MEM = "256MB"

PRICE_COLUMNS = (
    "status",
    "floor",
    "cap",
    *(f"{kind}_{party}" for party in BILLED_PARTIES for kind in ("bp", "flat", "relief_bp")),
    "rate_ids",
)
AMOUNTS = tuple(f"{p}_{party}" for p in BILLED_PROGRAMMES for party in BILLED_PARTIES)
TERMS_TABLE = "bill_terms"
log = logging.getLogger(__name__)


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
    """The month's price list (wage basis: contract values are priced per project, not here) as ``bill_prices``,
    one row per key of (segment, risk class, labour-intensive) — 30 rows — with each programme's price as columns
    ``<column>_<n>`` (``key_<n>`` is null where the rates have no price): the pricing then joins it once per
    membership, not once per programme."""
    prices = price_list(rates, [month]).filter(pl.col("basis") == "wage")
    for name in PRICE_COLUMNS[:-1]:
        if name not in prices.columns:
            prices = prices.with_columns(pl.lit(None, dtype=pl.Int64).alias(name))
    prices = prices.with_columns(
        prog=pl.col("programme").replace_strict(list(BILLED_PROGRAMMES), list(range(len(BILLED_PROGRAMMES)))),
        rate_ids=pl.col("rate_ids").list.eval(pl.lit(",") + pl.element().cast(pl.Utf8)).list.join(""),
    ).with_columns(base=pl.col("key") - pl.col("prog") * 10)
    wide = prices.select("base").unique()
    for n in range(len(BILLED_PROGRAMMES)):
        one = prices.filter(pl.col("prog") == n).select(
            "base", pl.col("key").alias(f"key_{n}"), *[pl.col(c).alias(f"{c}_{n}") for c in PRICE_COLUMNS]
        )
        wide = wide.join(one, on="base", how="left")
    _drop(cur, "bill_prices")
    i = d.type("int")
    columns = [f"key {i} PRIMARY KEY"]
    for n in range(len(BILLED_PROGRAMMES)):
        columns += [
            f"key_{n} {i}",
            f"status_{n} text",
            *[f"{c}_{n} {i}" for c in PRICE_COLUMNS[1:-1]],
            f"rate_ids_{n} text",
        ]
    cur.execute(d.temp_table("bill_prices", columns))
    rows = wide.rows()
    if rows:
        cur.executemany(f"INSERT INTO bill_prices VALUES ({', '.join(['%s'] * len(columns))})", rows)


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


def price_sql(month: Month, source: str = TERMS_TABLE) -> str:
    """``source`` (the columns of ``bill_terms``) × ``bill_prices`` → ``bill_calc``: one row per membership with, per
    programme, its refusal (``e<n>``, and the floor ``f<n>`` of an income below it) or its amounts per party. The
    vectorised arithmetic of `calculate._amounts`, for the wage basis, in SQL, in one pass: one join with the price
    list, every programme's price on the row (a programme the terms do not have costs 0)."""
    head = {s: _key(month.index, SEGMENTS.index(s), 0, 0, 1, 0) for s in SEGMENTS}
    key = (  # the price key of (month, segment, wage basis, risk class, labour-intensive) for the first programme
        "CASE s.segment " + " ".join(f"WHEN '{s}' THEN {k}" for s, k in head.items()) + " END "
        "+ (s.jkk_risk_class - 1) * 2 + CASE WHEN s.labour_intensive THEN 1 ELSE 0 END"
    )
    columns, ids = [], []
    for n, p in enumerate(BILLED_PROGRAMMES):

        def q(column: str, n: int = n) -> str:
            return f"w.{column}_{n}"

        priced = f"t.{p} AND {q('key')} IS NOT NULL"
        below = f"{q('floor')} IS NOT NULL AND t.wage < {q('floor')}"
        columns.append(
            f"CASE WHEN NOT t.{p} THEN NULL WHEN {q('key')} IS NULL THEN 'no_rate' WHEN {q('status')} IS NOT NULL "
            f"THEN {q('status')} WHEN {below} THEN 'income_below_floor' END AS e{n}"
        )
        columns.append(f"CASE WHEN t.{p} AND {below} THEN {q('floor')} END AS f{n}")
        base = f"CASE WHEN {q('cap')} IS NOT NULL AND t.wage > {q('cap')} THEN {q('cap')} ELSE t.wage END"
        for party in BILLED_PARTIES:
            numerator = f"({base} * COALESCE({q('bp_' + party)}, 0) + COALESCE({q('flat_' + party)}, 0) * {BP})"
            relief = f"COALESCE({q('relief_bp_' + party)}, 0)"
            columns.append(
                f"CASE WHEN NOT ({priced}) THEN 0 ELSE (2 * {numerator} * ({BP} - {relief}) + {BP * BP}) "
                f"/ {2 * BP * BP} END AS {p}_{party}"
            )
        ids.append(f"CASE WHEN t.{p} THEN COALESCE({q('rate_ids')}, '') ELSE '' END")
    return (
        "CREATE TEMP TABLE bill_calc AS SELECT t.terms_id, t.membership_id, t.payer_id, t.segment, "
        f"{', '.join(columns)}, substr({' || '.join(ids)}, 2) AS rate_ids "
        f"FROM (SELECT s.*, {key} AS key FROM {source} s) t LEFT JOIN bill_prices w ON w.key = t.key"
    )


def price(cur, d: Dialect, month: Month, *, source: str = TERMS_TABLE, params=()) -> None:
    """Price ``source`` (by default ``bill_terms``; the run passes the terms-in-force query itself) into
    ``bill_calc``; raises :class:`BillingError` if any term cannot be priced."""
    _drop(cur, "bill_calc")
    cur.execute(price_sql(month, source), list(params))
    refused = " OR ".join(f"e{n} IS NOT NULL" for n in range(len(BILLED_PROGRAMMES)))
    cur.execute(f"SELECT 1 FROM bill_calc WHERE {refused} LIMIT 1")
    if cur.fetchone() is not None:  # the first programme refused, its first code (as the frame reports it)
        cur.execute(f"SELECT COUNT(*) FROM bill_calc WHERE {refused}")
        count = cur.fetchone()[0]
        for n, programme in enumerate(BILLED_PROGRAMMES):
            cur.execute(f"SELECT e{n}, segment, f{n} FROM bill_calc WHERE e{n} IS NOT NULL ORDER BY e{n} LIMIT 1")
            row = cur.fetchone()
            if row is not None:
                code, segment, floor = row
                error = ContributionError(
                    code, month, segment=segment, programme=programme,
                    detail=floor if code == "income_below_floor" else None,
                )  # fmt: skip
                raise BillingError(error, count)
    if d.pg:
        cur.execute("ANALYZE bill_calc (membership_id, payer_id)")


def _sum(columns, prefix: str = "") -> str:
    return " + ".join(f"{prefix}{c}" for c in columns)


def run_bills(cur, d: Dialect, month: Month) -> list[int]:
    """``bill_bills``: the ids of the month's bills of the run's payers; returned too."""
    _drop(cur, "bill_bills")
    cur.execute(d.temp_table("bill_bills", [f"id {d.type('int')} PRIMARY KEY"]))
    cur.execute(
        "INSERT INTO bill_bills (id) SELECT id FROM contributions_bill WHERE month = %s "
        "AND payer_id IN (SELECT id FROM bill_payers)",
        [month.first_day],
    )
    cur.execute("SELECT id FROM bill_bills ORDER BY id")
    return [row[0] for row in cur.fetchall()]


def billed(cur, d: Dialect, month: Month, bill_ids: list[int]) -> None:
    """``bill_billed``: per membership already billed this month (by the run's payers), what its lines add up to,
    its last revision, the terms it was last priced from and its bill: its regular line, then the sum of its
    adjustments (few) added in a second step — no aggregation over the month's million regular lines.

    Each step is one filtered scan of the month's partition with the bills as a constant list, not a join: a run
    right after another finds a partition without statistics yet (autovacuum has not seen it), and the planner,
    believing it nearly empty, nested-looped a join of it for minutes (bench/README.md)."""
    first = month.first_day
    if d.pg:
        of_bills, params = "r.bill_id = ANY(%s)", [first, bill_ids]
    else:
        of_bills, params = "r.bill_id IN (SELECT id FROM bill_bills)", [first]
    _drop(cur, "bill_billed", "bill_adjusted")
    cur.execute(
        "CREATE TEMP TABLE bill_billed AS SELECT r.membership_id, r.bill_id, r.revision, r.terms_id, "
        f"{', '.join(f'r.{a}' for a in AMOUNTS)} FROM {LINES_TABLE} r WHERE r.month = %s AND r.revision = 0 "
        f"AND {of_bills}",
        params,
    )
    cur.execute(
        "CREATE TEMP TABLE bill_adjusted AS SELECT r.membership_id, MAX(r.revision) AS revision, "
        f"MAX(r.terms_id) AS terms_id, {', '.join(f'SUM(r.{a}) AS {a}' for a in AMOUNTS)} FROM {LINES_TABLE} r "
        f"WHERE r.month = %s AND r.revision > 0 AND {of_bills} GROUP BY r.membership_id",
        params,
    )
    if d.pg:
        cur.execute("ANALYZE bill_billed (membership_id)")
        cur.execute("ANALYZE bill_adjusted")
    cur.execute(
        "UPDATE bill_billed SET revision = a.revision, "
        "terms_id = CASE WHEN a.terms_id > bill_billed.terms_id THEN a.terms_id ELSE bill_billed.terms_id END, "
        + ", ".join(f"{c} = bill_billed.{c} + a.{c}" for c in AMOUNTS)
        + " FROM bill_adjusted a WHERE a.membership_id = bill_billed.membership_id"
    )
    _drop(cur, "bill_adjusted")


def check_references(cur, month: Month) -> None:
    """Before the lines are written without their RI triggers (`core.fkcheck`): every bill, membership and terms
    row they will reference exists and is locked ``FOR KEY SHARE`` until commit, else `BrokenReference`.

    The priced terms were locked while they were read (`terms_in_force_sql(lock=True)`) and their memberships with
    them (``membership_id`` is a key column of the terms: the lock forbids deleting or re-pointing the terms row, and
    the terms' own foreign key forbids deleting a membership that has terms). Left: the month's bills of the run's
    payers (created in this transaction or locked here) and the terms of reversals, whose memberships have no terms
    in the month any more (the terms of their earlier lines, locked here with the same key rule)."""
    from sijaga.core.fkcheck import BrokenReference

    cur.execute("SELECT COUNT(*) FROM (SELECT b.id FROM contributions_bill b WHERE b.id IN (SELECT id FROM bill_bills) "
                "FOR KEY SHARE OF b) AS x")  # fmt: skip
    cur.execute(
        "WITH wanted AS (SELECT DISTINCT s.terms_id, s.membership_id FROM bill_billed s "
        "WHERE NOT EXISTS (SELECT 1 FROM bill_calc c WHERE c.membership_id = s.membership_id)), "
        "found AS (SELECT t.id FROM enrollment_membershipterms t JOIN wanted w ON w.terms_id = t.id "
        "AND w.membership_id = t.membership_id FOR KEY SHARE OF t) "
        "SELECT (SELECT COUNT(*) FROM wanted), (SELECT COUNT(*) FROM found)"
    )
    wanted, found = cur.fetchone()
    if found != wanted:
        raise BrokenReference(
            f"bill run refused: {wanted - found} of {wanted} terms of reversed lines do not exist (deleted "
            "meanwhile?); nothing was written"
        )


def lines_allowed_without_triggers(cur) -> bool:
    """May the run write its lines without the RI triggers? `core.fkcheck`'s conditions for the lines table (and its
    partitions), and the terms still have a unique key holding ``membership_id`` (`check_references`)."""
    from sijaga.core import fkcheck

    if not fkcheck.skip_triggers_allowed(cur, [LINES_TABLE], LINE_FKS):
        return False
    cur.execute(
        "SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = 'enrollment_membershipterms'::regclass AND i.indisunique AND i.indpred IS NULL "
        "AND i.indexprs IS NULL AND a.attname = 'membership_id' LIMIT 1"
    )
    if cur.fetchone() is None:
        log.warning("bill run: no unique key of the terms holds membership_id; checking FKs per row")
        return False
    return True


def write(cur, d: Dialect, month: Month, *, now, set_based_fk: bool = False) -> tuple[int, int]:
    """Bills, regular lines and adjustment lines of the month from ``bill_calc``; the bills' totals move by what was
    inserted. Returns (regular lines, adjustment lines)."""
    from sijaga.core import fkcheck

    first = month.first_day
    cur.execute(
        "INSERT INTO contributions_bill (payer_id, month, status, employer, worker, government, total, paid, lines, "
        "created_at, updated_at) SELECT DISTINCT c.payer_id, %s, 'issued', 0, 0, 0, 0, 0, 0, %s, %s FROM bill_calc c "
        "WHERE NOT EXISTS (SELECT 1 FROM contributions_bill b WHERE b.payer_id = c.payer_id AND b.month = %s)",
        [first, now, now, first],
    )
    bill_ids = run_bills(cur, d, month)
    billed(cur, d, month, bill_ids)
    line_columns = (
        f"bill_id, membership_id, terms_id, month, revision, kind, {', '.join(AMOUNTS)}, employer, worker, "
        "government, total, rate_ids, created_at"
    )
    party_sums = {party: _sum([f"c.{p}_{party}" for p in BILLED_PROGRAMMES]) for party in BILLED_PARTIES}
    regular = (
        f"SELECT b.id AS bill_id, c.membership_id, c.terms_id, %s AS month, 0 AS revision, 'regular' AS kind, "
        f"{', '.join(f'c.{a}' for a in AMOUNTS)}, {party_sums['employer']} AS employer, {party_sums['worker']} AS "
        f"worker, {party_sums['government']} AS government, {party_sums['employer']} + {party_sums['worker']} AS "
        "total, c.rate_ids, %s AS created_at "
        "FROM bill_calc c JOIN contributions_bill b ON b.payer_id = c.payer_id AND b.month = %s"
    )
    # a month's first run (nothing billed yet) writes regular lines only: no anti-join against the empty
    # bill_billed, which the planner, sure it holds a row, probed once per line (2.8 s of the first run at 5M)
    cur.execute("SELECT EXISTS (SELECT 1 FROM bill_billed)")
    any_billed = bool(cur.fetchone()[0])
    if any_billed:
        regular += " WHERE NOT EXISTS (SELECT 1 FROM bill_billed s WHERE s.membership_id = c.membership_id)"
    # adjustments: what the lines already billed add up to, against what the month costs now
    differs = " OR ".join(f"COALESCE(c.{a}, 0) <> s.{a}" for a in AMOUNTS)
    diff = [f"COALESCE(c.{a}, 0) - s.{a}" for a in AMOUNTS]
    diff_sums = {
        party: _sum([f"(COALESCE(c.{p}_{party}, 0) - s.{p}_{party})" for p in BILLED_PROGRAMMES])
        for party in BILLED_PARTIES
    }
    adjustment = (
        "SELECT s.bill_id, s.membership_id, COALESCE(c.terms_id, s.terms_id), %s, s.revision + 1, 'adjustment', "
        f"{', '.join(diff)}, {diff_sums['employer']}, {diff_sums['worker']}, {diff_sums['government']}, "
        f"{diff_sums['employer']} + {diff_sums['worker']}, COALESCE(c.rate_ids, ''), %s "
        # no terms this month (c is NULL) compares as zero: reversed once, then nothing (it was reversed again, by
        # a line of zeros, at every re-run)
        f"FROM bill_billed s LEFT JOIN bill_calc c ON c.membership_id = s.membership_id WHERE {differs}"
    )
    # in bill order: each payer's lines lie together in the month's partition (its statement, arrears and status
    # refresh read a few pages, not a tenth of every page), the (bill, membership) index grows at its right edge and
    # the (membership, month, revision) index at one place per bill, instead of a million random insertions
    if any_billed:
        lines = f"SELECT * FROM ({regular} UNION ALL {adjustment}) AS l ORDER BY bill_id, membership_id"
        params = [first, now, first, first, now]
    else:
        lines = f"SELECT * FROM ({regular}) AS l ORDER BY bill_id, membership_id"
        params = [first, now, first]
    _drop(cur, "bill_delta")
    i = d.type("int")
    cur.execute(d.temp_table("bill_delta", [f"bill_id {i}", f"employer {i}", f"worker {i}", f"government {i}",
                                            f"total {i}", f"n {i}", f"regular {i}"]))  # fmt: skip
    delta = (
        "INSERT INTO bill_delta (bill_id, employer, worker, government, total, n, regular) SELECT bill_id, "
        "SUM(employer), SUM(worker), SUM(government), SUM(total), COUNT(*), SUM(CASE WHEN revision = 0 THEN 1 "
        "ELSE 0 END) FROM {source} GROUP BY bill_id"
    )
    if set_based_fk:
        check_references(cur, month)
        fkcheck.triggers_off(cur)
    if d.pg:  # one statement: the lines, and from what they returned the bills' deltas
        cur.execute(
            f"WITH ins AS (INSERT INTO {LINES_TABLE} ({line_columns}) {lines} "
            "RETURNING bill_id, revision, employer, worker, government, total) " + delta.format(source="ins"),
            params,
        )
    else:
        _drop(cur, "bill_new")
        cur.execute(f"CREATE TEMP TABLE bill_new AS {lines}", params)
        cur.execute(f"INSERT INTO {LINES_TABLE} ({line_columns}) SELECT * FROM bill_new")
        cur.execute(delta.format(source="bill_new"))
        _drop(cur, "bill_new")
    if set_based_fk:
        fkcheck.triggers_on(cur)
    cur.execute(
        "UPDATE contributions_bill AS b SET employer = b.employer + s.employer, worker = b.worker + s.worker, "
        "government = b.government + s.government, total = b.total + s.total, lines = b.lines + s.n, "
        "updated_at = %s FROM bill_delta AS s WHERE b.id = s.bill_id",
        [now],
    )
    cur.execute("SELECT COALESCE(SUM(regular), 0), COALESCE(SUM(n - regular), 0) FROM bill_delta")
    regular_count, adjustment_count = (int(x) for x in cur.fetchone())
    _drop(cur, "bill_billed", "bill_bills", "bill_delta")
    return regular_count, adjustment_count


def bill_projects(cur, month: Month, payer_ids: list[int], rates: RateTable, *, now) -> int:
    """Price the construction projects of the payers that start this month and are priced on their contract value
    (a few rows: the scalar calculator, the same rules as the vectorised one), once per project, into the payer's
    bill of the month, whose totals grow by it. A project the rates cannot price refuses the run like a membership
    would."""
    from django.db.models import F

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
        Bill.objects.filter(pk=bill.pk).update(
            employer=F("employer") + jkk + jkm, total=F("total") + jkk + jkm, updated_at=now
        )
    return len(projects)


def reads_most_memberships(cur) -> bool:
    """PostgreSQL: will the run price a fifth or more of all memberships (the planner's estimate for the run's
    payers)? Then reading the terms and memberships whole beats looking each membership up: the planner, short of
    that by its own estimates, chose 1M primary-key look-ups (bench/README.md: 3.8–4.5 s against 3.1 s for 1M)."""
    cur.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM enrollment_membership WHERE payer_id IN (SELECT id FROM bill_payers)"
    )
    plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'enrollment_membership'::regclass")
    total = float(cur.fetchone()[0])
    return total > 0 and plan[0]["Plan"]["Plan Rows"] >= 0.2 * total


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
    ensure_month(month)  # before the run's transaction when there is none: a short one of its own
    if settle:  # the status refresh writes one history row per moved membership: into this month's partition
        ensure_this_month(now.date())
    with transaction.atomic(), connection.cursor() as cur:
        if d.pg:  # one run per payer set at a time: concurrent runs of the same payers wait
            cur.execute("SELECT id FROM enrollment_payer WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [payer_ids])
            cur.execute(f"SET LOCAL work_mem = '{RUN_WORK_MEM}'")
            cur.execute("SET LOCAL jit = off")  # compiling these wide statements costs more than it saves
        # analysed: one payer of five million memberships reads its terms through the indexes, not a scan of all
        id_table(cur, d, "bill_payers", payer_ids)
        load_prices(cur, d, rates, month)
        set_based_fk = d.pg and lines_allowed_without_triggers(cur)
        sql, params = terms_in_force_sql(month.first_day, month.last_day, "bill_payers", lock=set_based_fk)
        whole = d.pg and reads_most_memberships(cur)
        if whole:  # a merge of every terms row with every membership, not a million index look-ups
            cur.execute("SET LOCAL enable_nestloop = off")
        price(cur, d, month, source=f"({sql})", params=params)
        if whole:
            cur.execute("SET LOCAL enable_nestloop = on")
        regular, adjustments = write(cur, d, month, now=now, set_based_fk=set_based_fk)
        projects = bill_projects(cur, month, payer_ids, rates, now=now)
        cur.execute(
            "SELECT COUNT(*) FROM contributions_bill WHERE month = %s AND payer_id IN (SELECT id FROM bill_payers)",
            [month.first_day],
        )
        bills = cur.fetchone()[0]
        _drop(cur, "bill_payers", "bill_prices", "bill_calc")
        if settle and (regular or adjustments or projects):
            from sijaga.contributions.payments import allocate, refresh_statuses

            allocate(payer_ids)
            refresh_statuses(payer_ids)
    audit(actor, "create", "bill", f"{month}:{payer_id or region or '*'}")
    return RunResult(month, bills, regular, adjustments)


def bills_for(actor: Actor, month: Month):
    return Bill.objects.visible_to(as_actor(actor)).filter(month=month.first_day)
