"""The shared periods: months, semesters and fiscal years (pure), and the month field and check (database)."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sijaga.core.periods import FiscalYear, Month, Semester, months_of

months = st.builds(Month, st.integers(1900, 2200), st.integers(1, 12))
dates = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))


# --- Month ------------------------------------------------------------------------------------------------------


@given(months)
def test_text_round_trips_in_both_spellings(m):
    assert Month.parse(str(m)) == m
    assert Month.parse(f"{m.month:02d}/{m.year}") == m
    assert Month.parse(f"{m.month}/{m.year}") == m
    assert Month.parse(f"  {m}\t") == m


@given(months, st.integers(-3000, 3000))
def test_shifting_is_index_arithmetic(m, n):
    assert m.next().prev() == m == m.prev().next()
    assert (m + n) - m == n
    assert (m + n) - n == m
    assert Month.from_index(m.index) == m
    assert m.next().first_day == m.last_day + dt.timedelta(days=1)


@given(months, months)
def test_order_is_the_order_of_first_days(a, b):
    assert (a < b) == (a.first_day < b.first_day)
    assert (a - b) == -(b - a)


@given(months, st.integers(0, 40))
def test_range_includes_both_ends(first, n):
    last = first + n
    span = Month.range(first, last)
    assert len(span) == n + 1 and span[0] == first and span[-1] == last
    assert all(b == a.next() for a, b in itertools.pairwise(span))
    assert Month.range(last.next(), last) == []


@given(dates)
def test_a_date_lies_in_its_month_semester_and_fiscal_year(day):
    m = Month.of(day)
    assert m.first_day <= day <= m.last_day
    assert day in m and day in m.semester and day in m.fiscal_year
    assert m.days == (m.last_day - m.first_day).days + 1
    assert Month.from_first_day(m.first_day) == m


def test_examples():
    assert str(Month(2026, 3)) == "2026-03" and repr(Month(2026, 3)) == "Month(2026, 3)"
    assert Month(2025, 12).next() == Month(2026, 1) and Month(2026, 1).prev() == Month(2025, 12)
    assert Month(2024, 2).last_day == dt.date(2024, 2, 29) and Month(2100, 2).days == 28
    assert Month.range(Month(2025, 2), Month(2025, 7))[-1] == Month(2025, 7)
    assert list(months_of(dt.date(2025, 11, 30), dt.date(2026, 2, 1))) == [
        Month(2025, 11), Month(2025, 12), Month(2026, 1), Month(2026, 2),
    ]  # fmt: skip
    assert Month(2026, 3) - Month(2025, 3) == 12


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-13", "2026-00", "13/2026", "0/2026", "2026/03", "03-2026", "2026-03-01", "Maret 2026"]
)
def test_parse_refuses_what_is_not_a_month(text):
    with pytest.raises(ValueError):
        Month.parse(text)


def test_construction_refuses_nonsense():
    with pytest.raises(ValueError):
        Month(2026, 13)
    with pytest.raises(ValueError):
        Month(0, 1)
    with pytest.raises(TypeError):
        Month(2026, True)
    with pytest.raises(TypeError):
        Month.parse(202603)
    with pytest.raises(TypeError):
        Month.of("2026-03-01")
    with pytest.raises(ValueError):
        Month.from_first_day(dt.date(2026, 3, 2))


# --- Semester and FiscalYear ----------------------------------------------------------------------------------------


@given(months)
def test_semester_of_a_month(m):
    s = m.semester
    assert m in s and s.first_month <= m <= s.last_month
    assert len(s.months) == 6 and s.months[0] == s.first_month
    assert s.next().prev() == s and s.next().first_month == s.last_month.next()
    assert Semester.parse(str(s)) == s and Semester.parse(f"s{s.half}/{s.year}") == s


@given(st.integers(1900, 2200))
def test_fiscal_year_is_the_calendar_year(year):
    fy = FiscalYear(year)
    assert fy.months == [Month(year, i) for i in range(1, 13)]
    assert fy.first_day == dt.date(year, 1, 1) and fy.last_day == dt.date(year, 12, 31)
    one, two = fy.semesters
    assert one.months + two.months == fy.months
    assert Month(year, 6) in one and Month(year, 7) in two and Month(year + 1, 1) not in fy


def test_semester_examples():
    assert Semester(2026, 1).roman == "I" and Semester(2026, 2).roman == "II"
    assert str(Semester(2026, 2)) == "2026-S2"
    assert Semester.of(dt.date(2026, 6, 30)) == Semester(2026, 1)
    assert Semester.of(Month(2026, 7)) == Semester(2026, 2)
    assert Semester(2026, 2).last_day == dt.date(2026, 12, 31)
    for bad in ("2026-S3", "2026", "S1-2026"):
        with pytest.raises(ValueError):
            Semester.parse(bad)
    with pytest.raises(ValueError):
        Semester(2026, 3)
