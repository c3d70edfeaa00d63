"""Pricing a budget: what keeping groups of people protected costs for each month of a fiscal year.

A *cohort* is a number of people priced alike: a region, a category, a funding source and the terms a membership
would have (segment, programmes, monthly wage/declared income, JKK risk class). Every distinct set of terms is
priced **once per month** with the contributions calculator (:func:`contributions.calculate.calculate_frame`, the
vectorised form, with the rates in force in that month — a rate change in July is priced from July) and the
monthly amounts are multiplied by the people of each cohort: pricing 75,000 villages costs little more than pricing
the few hundred distinct terms they share. No rate is re-implemented here.

Pure (no database): the caller passes the :class:`~sijaga.contributions.rates.RateTable` (``selectors.current_table()``
in the application).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from sijaga.contributions.calculate import ContributionError, Terms, calculate_frame, contribution
from sijaga.contributions.rates import PROGRAMMES, RateTable
from sijaga.core.periods import FiscalYear, Month

TERM_KEYS = ("segment", *PROGRAMMES, "wage", "risk_class")

COHORT_SCHEMA = {
    "region": pl.Utf8,
    "category": pl.Utf8,
    "source": pl.Utf8,
    "enrolled": pl.Boolean,
    "segment": pl.Utf8,
    **{p: pl.Boolean for p in PROGRAMMES},
    "wage": pl.Int64,
    "risk_class": pl.Int64,
    "people": pl.Int64,
}


class PricingError(ValueError):
    """The year cannot be priced (no rate in force for a month and programme, an income below the lowest bracket,
    …): the message names the month and the programme; never a silent zero."""

    def __init__(self, error: ContributionError):
        self.error = error
        super().__init__(error.message)

    @property
    def message(self) -> str:
        return self.error.message


@dataclass(frozen=True)
class Cohort:
    category: str
    source: str
    segment: str
    programmes: frozenset[str]
    wage: int
    people: int
    risk_class: int = 1
    enrolled: bool = False
    region: str = ""

    def row(self) -> dict:
        return {
            "region": self.region, "category": self.category, "source": self.source, "enrolled": self.enrolled,
            "segment": self.segment, **{p: p in self.programmes for p in PROGRAMMES}, "wage": self.wage,
            "risk_class": self.risk_class, "people": self.people,
        }  # fmt: skip


def cohort_frame(cohorts: Iterable[Cohort]) -> pl.DataFrame:
    return pl.DataFrame([c.row() for c in cohorts], schema=COHORT_SCHEMA)


def _first_error(errors: pl.DataFrame) -> ContributionError:
    row = errors.sort("month", "row").row(0, named=True)
    return ContributionError(
        row["code"], Month.from_first_day(row["month"]), segment=row["segment"] or "", programme=row["programme"],
        detail=row["detail"],
    )  # fmt: skip


def monthly_prices(terms: pl.DataFrame, year: int, rates: RateTable) -> pl.DataFrame:
    """One row per (distinct terms, month of ``year``): ``payable`` (employer + worker: what the budget pays) per
    person. Raises :class:`PricingError` for the first month/programme that cannot be priced."""
    distinct = terms.select(TERM_KEYS).unique().with_row_index("term")
    months = pl.DataFrame({"month": [m.first_day for m in FiscalYear(year).months]})
    grid = distinct.join(months, how="cross")
    result = calculate_frame(grid, rates, carry=["term"])
    if result.errors.height:
        raise PricingError(_first_error(result.errors))
    per_month = (
        result.lines.group_by("term", "month")
        .agg(payable=(pl.col("employer") + pl.col("worker")).sum())
        .join(distinct, on="term")
        .drop("term")
    )
    return per_month


def price(cohorts: pl.DataFrame, year: int, rates: RateTable) -> pl.DataFrame:
    """Every cohort priced for each month of ``year``: the cohort's columns plus ``month`` and ``amount``
    (``payable`` per person × ``people``, integer Rupiah)."""
    if cohorts.height == 0:
        return cohorts.with_columns(
            month=pl.lit(None, dtype=pl.Date), payable=pl.lit(0, dtype=pl.Int64), amount=pl.lit(0, dtype=pl.Int64)
        ).clear()
    prices = monthly_prices(cohorts, year, rates)
    return cohorts.join(prices, on=list(TERM_KEYS), how="inner").with_columns(
        amount=pl.col("payable") * pl.col("people")
    )


def totals_by_region(priced: pl.DataFrame, *, level: Sequence[str] = ("region",)) -> pl.DataFrame:
    """Annual amount per region (or any grouping): what the national lists call the priced need."""
    return priced.group_by(*level).agg(amount=pl.col("amount").sum())


# --- one region: the simulator's answer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    category: str
    source: str
    enrolled: bool
    people: int
    segment: str
    wage: int
    programmes: tuple[str, ...]
    per_person_year: int
    year_total: int


@dataclass(frozen=True)
class Estimate:
    """The simulator's answer for one region and year."""

    year: int
    lines: tuple[Line, ...]
    months: tuple[tuple[dt.date, int], ...]  # (first day, Rupiah)
    by_category: tuple[tuple[str, int, int], ...]  # (category, people, Rupiah a year)
    by_source: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.months)

    @property
    def people(self) -> int:
        return sum(line.people for line in self.lines)

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "total": self.total,
            "people": self.people,
            "months": [{"month": d.isoformat()[:7], "amount": a} for d, a in self.months],
            "by_category": [{"category": c, "people": p, "amount": a} for c, p, a in self.by_category],
            "by_source": [{"source": s, "amount": a} for s, a in self.by_source],
            "lines": [
                {"category": ln.category, "source": ln.source, "enrolled": ln.enrolled, "people": ln.people,
                 "segment": ln.segment, "wage": ln.wage, "programmes": list(ln.programmes),
                 "per_person_year": ln.per_person_year, "year_total": ln.year_total}
                for ln in self.lines
            ],
        }  # fmt: skip


def estimate(cohorts: Sequence[Cohort], year: int, rates: RateTable) -> Estimate:
    """Price the cohorts of one region for ``year`` (vectorised) and summarise by month, category and source."""
    frame = cohort_frame(cohorts).with_row_index("line")
    priced = price(frame, year, rates)
    sums = priced.group_by("line").agg(per_person=pl.col("payable").sum(), total=pl.col("amount").sum())
    per_line = {r["line"]: (r["per_person"], r["total"]) for r in sums.iter_rows(named=True)}
    lines = tuple(
        Line(c.category, c.source, c.enrolled, c.people, c.segment, c.wage,
             tuple(p for p in PROGRAMMES if p in c.programmes), *per_line.get(i, (0, 0)))
        for i, c in enumerate(cohorts)
    )  # fmt: skip
    lines = _collapse_enrolled(lines)
    months_total = dict.fromkeys((m.first_day for m in FiscalYear(year).months), 0)
    for d, amount in priced.group_by("month").agg(pl.col("amount").sum()).iter_rows():
        months_total[d] += amount
    by_category: dict[str, list[int]] = {}
    by_source: dict[str, int] = {}
    for line in lines:
        entry = by_category.setdefault(line.category, [0, 0])
        entry[0] += line.people
        entry[1] += line.year_total
        by_source[line.source] = by_source.get(line.source, 0) + line.year_total
    return Estimate(
        year=year,
        lines=lines,
        months=tuple(months_total.items()),
        by_category=tuple((c, p, a) for c, (p, a) in by_category.items()),
        by_source=tuple(by_source.items()),
    )


def _collapse_enrolled(lines: tuple[Line, ...]) -> tuple[Line, ...]:
    """Enrolled people are priced on their own wages; they are shown per category, source, segment and programmes
    (wage 0: not shown), so no one's wage can be read off a line of one person."""
    out: list[Line] = []
    merged: dict[tuple, Line] = {}
    for line in lines:
        if not line.enrolled:
            out.append(line)
            continue
        key = (line.category, line.source, line.segment, line.programmes)
        seen = merged.get(key)
        if seen is None:
            merged[key] = Line(line.category, line.source, True, line.people, line.segment, 0, line.programmes,
                               line.per_person_year, line.year_total)  # fmt: skip
        else:
            people = seen.people + line.people
            total = seen.year_total + line.year_total
            merged[key] = Line(seen.category, seen.source, True, people, seen.segment, 0, seen.programmes,
                               total // people if people else 0, total)  # fmt: skip
    return (*merged.values(), *out)


def estimate_scalar(cohorts: Sequence[Cohort], year: int, rates: RateTable) -> int:
    """The same year total with the scalar calculator, one cohort and month at a time: the bench's baseline and the
    tests' cross-check (never used by the pages)."""
    total = 0
    for c in cohorts:
        terms = Terms(c.segment, c.programmes, wage=c.wage, risk_class=c.risk_class)
        for month in FiscalYear(year).months:
            try:
                total += contribution(terms, month, rates).payable * c.people
            except ContributionError as exc:
                raise PricingError(exc) from exc
    return total


def per_person_year(segment: str, programmes: Iterable[str], wage: int, year: int, rates: RateTable) -> int:
    """What protecting one person costs for the whole year (rates of each month)."""
    cohort = Cohort("x", "apbd", segment, frozenset(programmes), wage, 1)
    return estimate([cohort], year, rates).total
