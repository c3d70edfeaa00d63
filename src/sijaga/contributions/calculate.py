"""The contribution calculator: what one membership's terms cost in one month, per programme and party.

Two implementations share one rule set and must agree exactly (a hypothesis test holds them equal, as the NIK
engines are held):

* :func:`contribution` prices one :class:`Terms` for one month and raises :class:`ContributionError` (forms, the
  API, the calculator page);
* :func:`calculate_frame` prices a Polars frame of terms × months with expressions only (billing: millions of
  rows), returning the lines and, separately, one error per refused row.

Both read the rates from a :class:`~sijaga.contributions.rates.RateTable` (from the data files or the database); the
month's rows are resolved once per month by :meth:`RateTable.at`, shared by both paths, and flattened for the
vectorised path by :func:`price_list` — one *price* per (month, segment, basis, programme, JKK risk class,
labour-intensive flag) with the basis points of each party and the rate rows used — which is also the table a
set-based SQL bill run can join (docs/contributions.md).

**Rounding rule.** For each programme and each party the exact amount — the sum of basis × rate (basis points)
over the rows that apply, plus flat amounts, times (1 − relief) — is rounded once, half up, to the Rupiah. Nothing
is rounded before that, so a relief of 99 % on 0.24 % of Rp5,000,000 is Rp120, exactly. ``relief`` reports what was
waived: the same amount rounded without the relief, minus the amount due.

**Errors, in the order they are checked** (the first one is reported): the terms themselves (segment, programmes,
risk class, wage or contract value), then each programme in the order JKK, JKM, JHT, JP, JKP: no rate in force for
the month (``no_rate``), no wage cap in force for a capped programme (``no_cap``), declared income below the
lowest bracket (``income_below_floor``). A month without a rate is an error naming the month and programme, never a
silent zero.

Pure: no database; Django only for translated messages (Indonesian msgids, as everywhere in the project).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sijaga.contributions.rates import BP, PARTIES, PROGRAMMES, RISK_CLASSES, SEGMENTS, Pricing, RateTable, rupiah
from sijaga.core.periods import Month

#: A monthly wage or declared income above this is a typing error (the same bound as `enrollment.models.MAX_WAGE`).
MAX_WAGE = 1_000_000_000
#: A construction contract above Rp100 trillion is a typing error.
MAX_CONTRACT_VALUE = 100_000_000_000_000

ERROR_CODES: tuple[str, ...] = (
    "segment_unknown",
    "programme_unknown",
    "no_programmes",
    "risk_class_invalid",
    "basis_conflict",
    "basis_missing",
    "wage_invalid",
    "contract_invalid",
    "no_rate",
    "no_cap",
    "income_below_floor",
)

_MESSAGES = {
    "segment_unknown": _("Segmen %(segment)s tidak dikenal; pilih PU, BPU atau Jakon."),
    "programme_unknown": _("Program %(programme)s tidak dikenal; pilih dari JKK, JKM, JHT, JP dan JKP."),
    "no_programmes": _("Pilih paling sedikit satu program."),
    "risk_class_invalid": _("Kelas risiko JKK harus 1 sampai 5."),
    "basis_conflict": _("Isi upah atau nilai kontrak, tidak keduanya; nilai kontrak hanya untuk Jakon."),
    "basis_missing": _("Upah/penghasilan sebulan (atau nilai kontrak untuk Jakon) wajib diisi."),
    "wage_invalid": _("Upah/penghasilan sebulan harus lebih dari Rp0 dan paling banyak %(max)s."),
    "contract_invalid": _("Nilai kontrak harus lebih dari Rp0 dan paling banyak %(max)s."),
    "no_rate": _("Tidak ada tarif %(programme)s untuk segmen %(segment)s yang berlaku pada bulan %(month)s."),
    "no_cap": _(
        "Tidak ada batas upah %(programme)s yang berlaku pada bulan %(month)s; "
        "koordinator nasional perlu menambahkannya ke tabel tarif."
    ),
    "income_below_floor": _(
        "Penghasilan di bawah batas terendah %(floor)s untuk %(programme)s segmen %(segment)s (bulan %(month)s)."
    ),
}


class ContributionError(ValueError):
    """A term that cannot be priced, with a code the vectorised path reports too."""

    def __init__(
        self, code: str, month: Month, *, segment: str = "", programme: str | None = None, detail: int | None = None
    ):
        self.code, self.month, self.segment, self.programme, self.detail = code, month, segment, programme, detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        params = {
            "segment": (self.segment or "?").upper(),
            "programme": (self.programme or "?").upper(),
            "month": str(self.month),
            "floor": rupiah(self.detail or 0),
            "max": rupiah(MAX_CONTRACT_VALUE if self.code == "contract_invalid" else MAX_WAGE),
        }
        return _render(_MESSAGES[self.code], params)

    def key(self) -> tuple:
        """What the vectorised path reports for the same row (month, code, programme, segment, detail)."""
        return (self.month, self.code, self.programme, self.segment, self.detail)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "month": str(self.month),
            "programme": self.programme,
            "segment": self.segment,
            "message": self.message,
        }


def _render(message, params: dict) -> str:
    try:
        text = str(message)
    except ImproperlyConfigured:  # outside a Django process: the Indonesian msgid
        text = getattr(message, "_args", (message,))[0]
    return text % params if "%(" in text else text


@dataclass(frozen=True)
class Terms:
    """What a membership pays on in a month. ``wage`` is the monthly wage (PU, Jakon on wages) or declared income
    (BPU); ``contract_value`` prices a Jakon project instead. The JKK risk class defaults to 1 (a government office);
    ``labour_intensive`` marks an employer that qualifies for PP 7/2025's relief."""

    segment: str
    programmes: frozenset[str]
    wage: int | None = None
    risk_class: int = 1
    labour_intensive: bool = False
    contract_value: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.programmes, str):
            raise TypeError("programmes is a set of programme codes, not a string")
        object.__setattr__(self, "programmes", frozenset(self.programmes))
        for name in ("wage", "contract_value", "risk_class"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"{name} must be an integer (Rupiah or class), not {type(value).__name__}")
        if not isinstance(self.labour_intensive, bool):
            raise TypeError("labour_intensive must be True or False")


@dataclass(frozen=True)
class Line:
    """One programme's amounts for one month. ``base`` is what the rates applied to (after any cap; the contract
    value for Jakon tiers; None for a flat amount). ``recomposed`` is inside another programme's amount (JKP's share
    of JKK/JKM): shown, never billed. ``rate_ids`` are the rate rows used (rates, cap, floor, relief)."""

    programme: str
    base: int | None
    employer: int
    worker: int
    government: int
    recomposed: int
    relief: int
    rate_ids: tuple[int, ...] = field(default=())

    @property
    def payable(self) -> int:
        """What the payer is billed: the employer's and the worker's shares."""
        return self.employer + self.worker


@dataclass(frozen=True)
class Contribution:
    month: Month
    lines: tuple[Line, ...]

    def line(self, programme: str) -> Line:
        for line in self.lines:
            if line.programme == programme:
                return line
        raise KeyError(programme)

    @property
    def employer(self) -> int:
        return sum(line.employer for line in self.lines)

    @property
    def worker(self) -> int:
        return sum(line.worker for line in self.lines)

    @property
    def government(self) -> int:
        return sum(line.government for line in self.lines)

    @property
    def payable(self) -> int:
        return self.employer + self.worker

    @property
    def rate_ids(self) -> tuple[int, ...]:
        return tuple(sorted({i for line in self.lines for i in line.rate_ids}))


# --- scalar ---------------------------------------------------------------------------------------------------------


def half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (both non-negative integers)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _input_error(terms: Terms) -> str | None:
    if terms.segment not in SEGMENTS:
        return "segment_unknown"
    if terms.programmes - set(PROGRAMMES):
        return "programme_unknown"
    if not terms.programmes:
        return "no_programmes"
    if terms.risk_class not in RISK_CLASSES:
        return "risk_class_invalid"
    if terms.contract_value is not None and (terms.segment != "jakon" or terms.wage is not None):
        return "basis_conflict"
    if terms.wage is None and terms.contract_value is None:
        return "basis_missing"
    if terms.wage is not None and not 0 < terms.wage <= MAX_WAGE:
        return "wage_invalid"
    if terms.contract_value is not None and not 0 < terms.contract_value <= MAX_CONTRACT_VALUE:
        return "contract_invalid"
    return None


def contribution(terms: Terms, month: Month, rates: RateTable) -> Contribution:
    """Price ``terms`` for ``month``; raises :class:`ContributionError` (see the module's error order)."""
    code = _input_error(terms)
    if code is not None:
        unknown = sorted(terms.programmes - set(PROGRAMMES))
        raise ContributionError(
            code, month, segment=terms.segment, programme=unknown[0] if code == "programme_unknown" else None
        )
    month_rates = rates.at(month)
    basis = "contract" if terms.contract_value is not None else "wage"
    value: int = terms.contract_value if terms.contract_value is not None else terms.wage  # type: ignore[assignment]
    lines = []
    for programme in PROGRAMMES:
        if programme not in terms.programmes:
            continue
        pricing = month_rates.pricing(terms.segment, programme, basis)
        components = pricing.for_class(terms.risk_class) if pricing is not None else ()
        if pricing is None or not components:
            raise ContributionError("no_rate", month, segment=terms.segment, programme=programme)
        if pricing.capped and pricing.cap is None:
            raise ContributionError("no_cap", month, segment=terms.segment, programme=programme)
        if pricing.floor is not None and value < (pricing.floor.amount or 0):
            raise ContributionError(
                "income_below_floor", month, segment=terms.segment, programme=programme, detail=pricing.floor.amount
            )
        lines.append(_line(programme, pricing, components, value, terms.labour_intensive))
    return Contribution(month, tuple(lines))


def _line(programme: str, pricing: Pricing, components, value: int, labour_intensive: bool) -> Line:
    base = min(value, pricing.cap.amount) if pricing.capped and pricing.cap else value  # type: ignore[type-var]
    numerators = dict.fromkeys(PARTIES, 0)
    used = {c.id for c in components}
    if pricing.capped and pricing.cap is not None:
        used.add(pricing.cap.id)
    if pricing.floor is not None:
        used.add(pricing.floor.id)
    for c in components:
        if c.kind == "rate":
            numerators[c.party] += base * (c.bp or 0)
        elif c.kind == "flat":
            numerators[c.party] += (c.amount or 0) * BP
        else:  # tier: the slice of the contract value inside (lower, upper]
            width = value - (c.lower or 0) if c.upper is None else (c.upper - (c.lower or 0))
            numerators[c.party] += max(0, min(value - (c.lower or 0), width)) * (c.bp or 0)
    parties_paying = {c.party for c in components}
    amounts, waived = {}, 0
    for party in PARTIES:
        n = numerators[party]
        relief = pricing.relief_for(party, labour_intensive=labour_intensive) if party in parties_paying else None
        relief_bp = 0
        if relief is not None:
            used.add(relief.id)
            relief_bp = relief.bp or 0
        amounts[party] = half_up(n * (BP - relief_bp), BP * BP)
        waived += half_up(n, BP) - amounts[party]
    has_percentage = any(c.kind != "flat" for c in components)
    return Line(
        programme=programme,
        base=base if has_percentage else None,
        employer=amounts["employer"],
        worker=amounts["worker"],
        government=amounts["government"],
        recomposed=amounts["recomposed"],
        relief=waived,
        rate_ids=tuple(sorted(used)),
    )


# --- vectorised -----------------------------------------------------------------------------------------------------

PROGRAMME = pl.Enum(PROGRAMMES)
LINE_COLUMNS = {
    "row": pl.UInt32,
    "month": pl.Date,
    "programme": PROGRAMME,
    "base": pl.Int64,
    "employer": pl.Int64,
    "worker": pl.Int64,
    "government": pl.Int64,
    "recomposed": pl.Int64,
    "relief": pl.Int64,
    "price": pl.UInt32,
}
ERROR_COLUMNS = {
    "row": pl.UInt32,
    "month": pl.Date,
    "code": pl.Utf8,
    "programme": pl.Utf8,
    "segment": pl.Utf8,
    "detail": pl.Int64,
}
TERM_COLUMNS = {
    "month": pl.Date,
    "segment": pl.Utf8,
    **{p: pl.Boolean for p in PROGRAMMES},
    "wage": pl.Int64,
    "contract_value": pl.Int64,
    "risk_class": pl.Int64,
    "labour_intensive": pl.Boolean,
}
_OPTIONAL = {"contract_value": None, "risk_class": 1, "labour_intensive": False, "wage": None}
_BASES = ("wage", "contract")


@dataclass(frozen=True)
class FrameResult:
    """``lines``: one row per priced (input row, programme), in input order; ``errors``: one row per refused input
    row (its first error, as the scalar raises it). An input row is in exactly one of the two.

    A line's ``price`` is a row of ``prices`` (:func:`price_list`), whose ``rate_ids`` are the rate rows used —
    the same ids the scalar returns per line. Billing stores the price (or its ids) once, not a list per line."""

    lines: pl.DataFrame
    errors: pl.DataFrame
    prices: pl.DataFrame

    def lines_with_rate_ids(self) -> pl.DataFrame:
        """``lines`` plus their ``rate_ids`` (a list each): for small frames, tests and the API."""
        return self.lines.join(self.prices.select("price", "rate_ids"), on="price", how="left", maintain_order="left")


def _key(month_index: pl.Expr | int, segment: pl.Expr | int, basis: pl.Expr | int, programme: pl.Expr | int,
         risk_class: pl.Expr | int, labour_intensive: pl.Expr | int) -> pl.Expr | int:  # fmt: skip
    """One integer for (month, segment, basis, programme, risk class, labour-intensive): a fast join key."""
    return ((((month_index * 3 + segment) * 2 + basis) * 5 + programme) * 5 + (risk_class - 1)) * 2 + labour_intensive


def price_list(rates: RateTable, months: Iterable[Month]) -> pl.DataFrame:
    """The rates of ``months`` flattened: one row (a *price*) per month, segment, basis, programme, JKK risk class
    and labour-intensive flag — a few hundred rows a month, whatever the number of memberships.

    Columns: ``price`` (the row number) and ``key`` (see :func:`_key`); the key columns; ``status`` (null,
    ``no_rate`` or ``no_cap``); ``floor`` and ``cap`` (Rupiah, null when none applies); ``has_pct``; for each party
    ``bp_<party>`` (rates summed), ``flat_<party>`` (Rupiah) and ``relief_bp_<party>`` (the relief that applies);
    for contract tiers ``t<i>_<party>_lower/_upper/_bp``; ``rate_ids``, the rate rows used. This is the join table
    of the vectorised bill run, and one an SQL bill run can load and join the same way (docs/contributions.md).
    """
    records: list[dict] = []
    max_tiers = 0
    for month in sorted(set(months)):
        for (segment, programme, basis), pricing in rates.at(month).pricings.items():
            for risk_class in RISK_CLASSES:
                components = pricing.for_class(risk_class)
                for labour_intensive in (False, True):
                    record = {
                        "key": _key(month.index, SEGMENTS.index(segment), _BASES.index(basis),
                                    PROGRAMMES.index(programme), risk_class, int(labour_intensive)),
                        "month": month.first_day, "segment": segment, "programme": programme, "basis": basis,
                        "risk_class": risk_class, "labour_intensive": labour_intensive,
                    }  # fmt: skip
                    if not components:
                        records.append({**record, "status": "no_rate"})
                        continue
                    if pricing.capped and pricing.cap is None:
                        records.append({**record, "status": "no_cap"})
                        continue
                    max_tiers = max(max_tiers, _price_record(record, pricing, components, labour_intensive))
                    records.append(record)
    schema: dict[str, pl.DataType] = {
        "key": pl.Int64, "month": pl.Date, "segment": pl.Utf8, "programme": pl.Utf8, "basis": pl.Utf8,
        "risk_class": pl.Int64, "labour_intensive": pl.Boolean, "status": pl.Utf8, "floor": pl.Int64,
        "cap": pl.Int64, "has_pct": pl.Boolean,
    }  # fmt: skip
    for party in PARTIES:
        schema |= {f"bp_{party}": pl.Int64, f"flat_{party}": pl.Int64, f"relief_bp_{party}": pl.Int64}
        for i in range(max_tiers):
            schema |= {f"t{i}_{party}_lower": pl.Int64, f"t{i}_{party}_upper": pl.Int64, f"t{i}_{party}_bp": pl.Int64}
    schema |= {"rate_ids": pl.List(pl.Int64)}
    frame = pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)
    return frame.with_row_index("price")


def _price_record(record: dict, pricing: Pricing, components, labour_intensive: bool) -> int:
    """Fill one priced record the way :func:`_line` prices (the same rows, the same relief rule)."""
    record["status"] = None
    record["floor"] = pricing.floor.amount if pricing.floor else None
    record["cap"] = pricing.cap.amount if pricing.capped and pricing.cap else None
    record["has_pct"] = any(c.kind != "flat" for c in components)
    used = {c.id for c in components}
    if pricing.capped and pricing.cap is not None:
        used.add(pricing.cap.id)
    if pricing.floor is not None:
        used.add(pricing.floor.id)
    paying = {c.party for c in components}
    tiers_seen = 0
    for party in PARTIES:
        mine = [c for c in components if c.party == party]
        record[f"bp_{party}"] = sum(c.bp or 0 for c in mine if c.kind == "rate")
        record[f"flat_{party}"] = sum(c.amount or 0 for c in mine if c.kind == "flat")
        tiers = [c for c in mine if c.kind == "tier"]
        tiers_seen = max(tiers_seen, len(tiers))
        for i, t in enumerate(tiers):
            record[f"t{i}_{party}_lower"] = t.lower
            record[f"t{i}_{party}_upper"] = t.upper
            record[f"t{i}_{party}_bp"] = t.bp
        relief = pricing.relief_for(party, labour_intensive=labour_intensive) if party in paying else None
        record[f"relief_bp_{party}"] = relief.bp if relief is not None else 0
        if relief is not None:
            used.add(relief.id)
    record["rate_ids"] = sorted(used)
    return tiers_seen


def _prepare(terms: pl.DataFrame, carry: Sequence[str]) -> pl.DataFrame:
    missing = [name for name in ("month", "segment") if name not in terms.columns]
    if "wage" not in terms.columns and "contract_value" not in terms.columns:
        missing.append("wage or contract_value")
    if missing:
        raise ValueError(f"the terms frame lacks {', '.join(missing)}")
    columns = []
    for name, dtype in TERM_COLUMNS.items():
        if name in terms.columns:
            expr = pl.col(name).cast(dtype, strict=True)
        elif name in PROGRAMMES:
            expr = pl.lit(False)
        else:
            expr = pl.lit(_OPTIONAL[name], dtype=dtype)
        if name in PROGRAMMES or name == "labour_intensive":
            expr = expr.fill_null(False)
        elif name == "risk_class":
            expr = expr.fill_null(1)
        columns.append(expr.alias(name))
    frame = terms.select(*columns, *[pl.col(c) for c in carry])
    months = frame["month"]
    if months.null_count():
        raise ValueError("the month column has empty values")
    if (months.dt.day() != 1).any():
        raise ValueError("months are first days of a month (2026-03-01 for March 2026)")
    return frame.with_row_index("row")


def _input_error_expr() -> pl.Expr:
    c = pl.col
    wage, contract = c("wage"), c("contract_value")
    any_programme = pl.any_horizontal(*[c(p) for p in PROGRAMMES])
    return (
        pl.when(~c("segment").is_in(SEGMENTS).fill_null(False))
        .then(pl.lit("segment_unknown"))
        .when(~any_programme)
        .then(pl.lit("no_programmes"))
        .when(~c("risk_class").is_between(1, 5))
        .then(pl.lit("risk_class_invalid"))
        .when(contract.is_not_null() & ((c("segment") != "jakon") | wage.is_not_null()))
        .then(pl.lit("basis_conflict"))
        .when(wage.is_null() & contract.is_null())
        .then(pl.lit("basis_missing"))
        .when(wage.is_not_null() & ~wage.is_between(1, MAX_WAGE))
        .then(pl.lit("wage_invalid"))
        .when(contract.is_not_null() & ~contract.is_between(1, MAX_CONTRACT_VALUE))
        .then(pl.lit("contract_invalid"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )


def _slim(prices: pl.DataFrame, basis: str) -> pl.DataFrame:
    """The prices of one basis with the columns its arithmetic needs (none that is zero or empty everywhere)."""
    prices = prices.filter(pl.col("basis") == basis)
    keep = ["key", "price", "cap", "has_pct"]
    for name in prices.columns:
        if re.match(r"(bp|flat|relief_bp)_|t\d+_", name):
            column = prices[name]
            if column.null_count() < len(column) and (column.fill_null(0) != 0).any():
                keep.append(name)
    return prices.select(keep)


def calculate_frame(terms: pl.DataFrame, rates: RateTable, *, carry: Sequence[str] = ()) -> FrameResult:
    """Price every row of ``terms`` (columns of :data:`TERM_COLUMNS`; ``month`` a first-of-month date) with Polars
    expressions; row ``i`` of the input agrees exactly with ``contribution(terms_i, month_i, rates)``.

    ``carry`` names input columns (say ``membership_id``) copied to both outputs; ``row`` is the input's position.
    Lines come ordered by basis (wage, then contract value), programme (JKK … JKP) and input row.

    Two passes over the terms: a cheap one joins each (row, programme) to its price's status and floor to find
    the refused rows; the second prices the others, wage and contract value separately (only contract values need
    128-bit products), so no step holds more than the priced lines and the few columns of their prices.
    """
    c = pl.col
    frame = _prepare(terms, carry).with_columns(input_error=_input_error_expr())
    months = [Month.from_first_day(d) for d in frame["month"].unique().to_list()]
    prices = price_list(rates, months)

    segment_index = c("segment").replace_strict(SEGMENTS, list(range(len(SEGMENTS))), default=0, return_dtype=pl.Int64)
    month_index = c("month").dt.year().cast(pl.Int64) * 12 + c("month").dt.month().cast(pl.Int64) - 1
    ok = (
        frame.lazy()
        .filter(c("input_error").is_null())
        .select(
            "row", "month", "segment", *PROGRAMMES, *carry,
            value=pl.coalesce("contract_value", "wage"),
            basis=c("contract_value").is_not_null().cast(pl.Int64),
            head=_key(month_index, segment_index, c("contract_value").is_not_null().cast(pl.Int64), 0,
                      c("risk_class"), c("labour_intensive").cast(pl.Int64)),
        )
    )  # fmt: skip

    def long(basis: int | None, *columns: str) -> pl.LazyFrame:
        """(row, programme) pairs of the priced segment rows, programme-major: one cheap filter per programme."""
        rows = ok if basis is None else ok.filter(c("basis") == basis)
        return pl.concat(
            [
                rows.filter(c(p)).select(
                    *columns, order=pl.lit(i, dtype=pl.Int8), key=c("head") + _key(0, 0, 0, i, 1, 0)
                )
                for i, p in enumerate(PROGRAMMES)
            ]
        )

    checks = prices.select("key", "price", "status", "floor")
    safe = prices.filter(c("status").is_null() & c("floor").is_null())["key"].implode()  # nothing to check there
    refusals = (
        long(None, "row", "month", "segment", "value", *carry)
        .filter(~c("key").is_in(safe))
        .join(checks.lazy(), on="key", how="left")
        .with_columns(
            error=pl.when(c("price").is_null())
            .then(pl.lit("no_rate"))
            .when(c("status").is_not_null())
            .then(c("status"))
            .when(c("floor").is_not_null() & (c("value") < c("floor")))
            .then(pl.lit("income_below_floor"))
            .otherwise(pl.lit(None, dtype=pl.Utf8))
        )
        .filter(c("error").is_not_null())
        .sort("row", "order")
        .unique(subset="row", keep="first", maintain_order=True)
        .select(
            "row",
            "month",
            c("error").alias("code"),
            c("order")
            .replace_strict(list(range(len(PROGRAMMES))), PROGRAMMES, return_dtype=pl.Utf8)
            .alias("programme"),
            "segment",
            pl.when(c("error") == "income_below_floor").then(c("floor")).alias("detail"),
            *carry,
        )
    ).collect()
    input_errors = frame.filter(c("input_error").is_not_null()).select(
        "row",
        "month",
        c("input_error").alias("code"),
        pl.lit(None, dtype=pl.Utf8).alias("programme"),
        c("segment").fill_null("").alias("segment"),
        pl.lit(None, dtype=pl.Int64).alias("detail"),
        *carry,
    )
    errors = pl.concat([input_errors, refusals]).sort("row")

    refused = refusals["row"].implode()
    priced = []
    for i, basis in enumerate(_BASES):
        slim = _slim(prices, basis)
        priced.append(
            long(i, "row", "month", "value", *carry)
            .filter(~c("row").is_in(refused))
            .join(slim.lazy(), on="key", how="inner", maintain_order="left")
            .select(*_amounts(slim.columns), *carry)
        )
    lines = pl.concat(priced).collect()
    return FrameResult(lines=lines, errors=errors, prices=prices)


def _amounts(columns: Sequence[str]) -> list[pl.Expr]:
    c = pl.col
    zero = pl.lit(0, dtype=pl.Int64)
    base = pl.when(c("cap").is_not_null()).then(pl.min_horizontal("value", "cap")).otherwise(c("value"))
    wide = any(re.fullmatch(r"t\d+_\w+_bp", name) for name in columns)
    gross: dict[str, pl.Expr] = {}
    net: dict[str, pl.Expr] = {}
    for party in PARTIES:
        numerator = zero
        if f"bp_{party}" in columns:
            numerator = numerator + base * c(f"bp_{party}").fill_null(0)
        if f"flat_{party}" in columns:
            numerator = numerator + c(f"flat_{party}").fill_null(0) * BP
        for tier in sorted(int(m[1]) for name in columns if (m := re.fullmatch(rf"t(\d+)_{party}_bp", name))):
            t = f"t{tier}_{party}"
            lower = c(f"{t}_lower").fill_null(0) if f"{t}_lower" in columns else pl.lit(0, dtype=pl.Int64)
            upper = c(f"{t}_upper") if f"{t}_upper" in columns else pl.lit(None, dtype=pl.Int64)
            width = pl.when(upper.is_null()).then(c("value") - lower).otherwise(upper - lower)
            slice_ = pl.min_horizontal(c("value") - lower, width).clip(lower_bound=0)
            numerator = numerator + (slice_ * c(f"{t}_bp")).fill_null(0)
        relief = c(f"relief_bp_{party}").fill_null(0) if f"relief_bp_{party}" in columns else zero
        if wide:  # contract values up to Rp100 trillion: the relieved product needs 128 bits
            numerator, relief = numerator.cast(pl.Int128), relief.cast(pl.Int128)
        gross[party] = ((2 * numerator + BP) // (2 * BP)).cast(pl.Int64)
        net[party] = ((2 * numerator * (BP - relief) + BP * BP) // (2 * BP * BP)).cast(pl.Int64)
    return [
        c("row"),
        c("month"),
        c("order").replace_strict(list(range(len(PROGRAMMES))), PROGRAMMES, return_dtype=PROGRAMME).alias("programme"),
        pl.when(c("has_pct")).then(base).otherwise(None).cast(pl.Int64).alias("base"),
        *[net[p].alias(p) for p in PARTIES],
        pl.sum_horizontal(*[gross[p] - net[p] for p in PARTIES]).alias("relief"),
        c("price").cast(pl.UInt32),
    ]


def terms_frame(rows: Iterable[tuple[Terms, Month]]) -> pl.DataFrame:
    """A frame for :func:`calculate_frame` from scalar terms (tests, small batches). Unknown programmes, which a
    frame cannot hold, are dropped: the scalar reports them, so do not compare such rows."""
    records = []
    for terms, month in rows:
        records.append(
            {
                "month": month.first_day,
                "segment": terms.segment,
                **{p: p in terms.programmes for p in PROGRAMMES},
                "wage": terms.wage,
                "contract_value": terms.contract_value,
                "risk_class": terms.risk_class,
                "labour_intensive": terms.labour_intensive,
            }
        )
    return pl.DataFrame(records, schema=TERM_COLUMNS, orient="row") if records else pl.DataFrame(schema=TERM_COLUMNS)


def error_from_row(row: dict) -> ContributionError:
    """The :class:`ContributionError` of one row of :attr:`FrameResult.errors` (to render its message)."""
    month = row["month"]
    return ContributionError(
        row["code"],
        Month.of(month) if isinstance(month, dt.date) else month,
        segment=row["segment"] or "",
        programme=row["programme"],
        detail=row["detail"],
    )
