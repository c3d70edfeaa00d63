"""Periods, defined once: the contribution month, the semester of the report to the President, the fiscal year.

* :class:`Month` — a calendar month. Stored in the database as the date of its first day (see
  :mod:`sijaga.core.fields`: ``MonthField`` and the ``first_of_month`` check), shown as ``2026-03``.
* :class:`Semester` — half a year: I = January–June, II = July–December, the six-monthly periods of the report to
  the President under Inpres 2/2021.
* :class:`FiscalYear` — the Indonesian fiscal year, which is the calendar year (UU 17/2003 art. 4: 1 January –
  31 December); APBD and APBDes budgets follow it.

Pure: no database, no Django; every value is frozen, hashable and ordered. Ranges of months are written the way
regulations write them: both ends included ("February–July 2025" is ``Month.range(Month(2025, 2), Month(2025, 7))``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

MIN_YEAR = 1
MAX_YEAR = 9999

_ISO = re.compile(r"(\d{4})-(\d{1,2})")  # 2026-03, as <input type="month"> sends it
_LOCAL = re.compile(r"(\d{1,2})/(\d{4})")  # 03/2026 or 3/2026, as Indonesian forms and spreadsheets write it
_SEMESTER = re.compile(r"(\d{4})-S([12])|S([12])/(\d{4})", re.IGNORECASE)


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month; ``str(m)`` is ``YYYY-MM`` and :meth:`parse` reads it back."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or isinstance(self.month, bool):
            raise TypeError("Month(year, month) takes integers")
        if not isinstance(self.year, int) or not isinstance(self.month, int):
            raise TypeError("Month(year, month) takes integers")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year} is outside {MIN_YEAR}–{MAX_YEAR}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1–12")

    # --- construction -------------------------------------------------------------------------------------------

    @classmethod
    def of(cls, day: dt.date) -> Month:
        """The month a date falls in (a datetime counts by its own date: convert to local time first)."""
        if not isinstance(day, dt.date):
            raise TypeError(f"Month.of takes a date, not {type(day).__name__}")
        return cls(day.year, day.month)

    @classmethod
    def from_first_day(cls, day: dt.date) -> Month:
        """The month whose first day is ``day``; anything else is refused (stored months are first days)."""
        if day.day != 1:
            raise ValueError(f"{day.isoformat()} is not the first day of a month")
        return cls.of(day)

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-03`` or ``03/2026`` (also ``3/2026``), surrounding spaces ignored; anything else is a ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"Month.parse takes a string, not {type(text).__name__}")
        value = text.strip()
        if m := _ISO.fullmatch(value):
            year, month = int(m[1]), int(m[2])
        elif m := _LOCAL.fullmatch(value):
            month, year = int(m[1]), int(m[2])
        else:
            raise ValueError(f"{text!r} is not a month: write 2026-03 or 03/2026")
        try:
            return cls(year, month)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a month: {exc}") from None

    @classmethod
    def from_index(cls, index: int) -> Month:
        """Inverse of :attr:`index`."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    # --- arithmetic ---------------------------------------------------------------------------------------------

    @property
    def index(self) -> int:
        """Months since year 0: consecutive months have consecutive indexes (``year * 12 + month - 1``)."""
        return self.year * 12 + self.month - 1

    def shift(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def next(self) -> Month:
        return self.shift(1)

    def prev(self) -> Month:
        return self.shift(-1)

    def __add__(self, months: int) -> Month:
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return self.shift(months)

    def __sub__(self, other: int | Month) -> Month | int:
        """``m - 3`` is three months earlier; ``m - n`` (two months) is the number of months between them."""
        if isinstance(other, Month):
            return self.index - other.index
        if isinstance(other, int) and not isinstance(other, bool):
            return self.shift(-other)
        return NotImplemented

    @staticmethod
    def range(first: Month, last: Month) -> list[Month]:
        """Every month from ``first`` to ``last``, **both included** (empty when ``last`` is before ``first``)."""
        return [Month.from_index(i) for i in range(first.index, last.index + 1)]

    # --- dates and larger periods -------------------------------------------------------------------------------

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and (day.year, day.month) == (self.year, self.month)

    @property
    def semester(self) -> Semester:
        return Semester(self.year, 1 if self.month <= 6 else 2)

    @property
    def fiscal_year(self) -> FiscalYear:
        return FiscalYear(self.year)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month({self.year}, {self.month})"


@dataclass(frozen=True, order=True, slots=True)
class Semester:
    """Half ``1`` (January–June) or ``2`` (July–December) of a year: the period of the six-monthly report."""

    year: int
    half: Literal[1, 2]

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError("Semester(year, half) takes integers")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year} is outside {MIN_YEAR}–{MAX_YEAR}")
        if self.half not in (1, 2) or isinstance(self.half, bool):
            raise ValueError(f"half {self.half!r} is not 1 or 2")

    @classmethod
    def of(cls, day: dt.date | Month) -> Semester:
        return (day if isinstance(day, Month) else Month.of(day)).semester

    @classmethod
    def parse(cls, text: str) -> Semester:
        """``2026-S1`` or ``S2/2026`` (case-insensitive)."""
        m = _SEMESTER.fullmatch(text.strip()) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"{text!r} is not a semester: write 2026-S1 or S1/2026")
        year, half = (m[1], m[2]) if m[1] else (m[4], m[3])
        return cls(int(year), int(half))  # type: ignore[arg-type]

    @property
    def first_month(self) -> Month:
        return Month(self.year, 1 if self.half == 1 else 7)

    @property
    def last_month(self) -> Month:
        return Month(self.year, 6 if self.half == 1 else 12)

    @property
    def months(self) -> list[Month]:
        return Month.range(self.first_month, self.last_month)

    @property
    def first_day(self) -> dt.date:
        return self.first_month.first_day

    @property
    def last_day(self) -> dt.date:
        return self.last_month.last_day

    def next(self) -> Semester:
        return Semester(self.year, 2) if self.half == 1 else Semester(self.year + 1, 1)

    def prev(self) -> Semester:
        return Semester(self.year - 1, 2) if self.half == 1 else Semester(self.year, 1)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Month):
            return item.semester == self
        return isinstance(item, dt.date) and Semester.of(item) == self

    @property
    def roman(self) -> str:
        """``I`` or ``II``, as the report writes it ("Semester I 2026")."""
        return "I" if self.half == 1 else "II"

    @property
    def fiscal_year(self) -> FiscalYear:
        return FiscalYear(self.year)

    def __str__(self) -> str:
        return f"{self.year:04d}-S{self.half}"


@dataclass(frozen=True, order=True, slots=True)
class FiscalYear:
    """The Indonesian fiscal year (tahun anggaran): the calendar year, 1 January – 31 December."""

    year: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError("FiscalYear(year) takes an integer")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year} is outside {MIN_YEAR}–{MAX_YEAR}")

    @classmethod
    def of(cls, day: dt.date | Month) -> FiscalYear:
        return cls(day.year)

    @property
    def months(self) -> list[Month]:
        return Month.range(Month(self.year, 1), Month(self.year, 12))

    @property
    def semesters(self) -> tuple[Semester, Semester]:
        return Semester(self.year, 1), Semester(self.year, 2)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, (Month, Semester)):
            return item.year == self.year
        return isinstance(item, dt.date) and item.year == self.year

    def __str__(self) -> str:
        return f"{self.year:04d}"


def months_of(first: dt.date, last: dt.date) -> Iterator[Month]:
    """The months touched by the dates ``first``…``last`` (both included): e.g. a membership's active months."""
    yield from Month.range(Month.of(first), Month.of(last))
