"""The vectorised ``parse_nik_column`` must agree row for row with the scalar ``parse_nik``.

Hypothesis builds batches of realistic NIKs (real region codes, random dates and serials) and mutates them
the way spreadsheets and typists do; every row is compared field by field.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sijaga.registry.nik import (
    RegionIndex,
    default_region_index,
    nik_message,
    parse_nik,
    parse_nik_column,
    results_from_frame,
)

TODAY = dt.date(2026, 11, 25)
TODAY_LIST = [TODAY, dt.date(2000, 2, 28), dt.date(2000, 2, 29), dt.date(2099, 12, 31)]
TODAYS = st.sampled_from(TODAY_LIST)
COLUMNS = {
    "nik": pl.Utf8,
    "valid": pl.Boolean,
    "error_codes": pl.List(pl.Utf8),
    "warning_codes": pl.List(pl.Utf8),
    "province_code": pl.Utf8,
    "regency_code": pl.Utf8,
    "district_code": pl.Utf8,
    "birth_date": pl.Date,
    "gender": pl.Utf8,
}

_index = default_region_index()
DISTRICTS = sorted(c.replace(".", "") for c in _index.districts)
REGENCIES = sorted(c.replace(".", "") for c in _index.regencies)

two = st.integers(0, 99).map(lambda n: f"{n:02d}")
digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
# Leap days of 1900/2000, day 0/31/32/40/41/71/72, month 0/13, the day around each TODAYS.
EDGE_DATES = [
    *("290200", "690200", "290201", "290204", "300200", "280200", "010300", "290299", "290296"),
    *("000195", "310195", "320195", "400195", "410195", "710195", "720195", "990195", "310495", "710495"),
    *("010095", "011395", "251126", "261126", "651126", "011226", "311299", "010100", "311230", "311231"),
]
noise = st.sampled_from(
    [
        " ",
        "\u00a0",
        "\t",
        "\u200b",
        "\ufeff",
        "\u3000",
        "\x1c",
        "O",
        "l",
        "E",
        "e",
        "+",
        "-",
        ".",
        ",",
        "'",
        "٣",
        "５",
    ]
)


@st.composite
def structured(draw) -> str:
    """A 16-digit NIK from real (or nearly real) codes, a real or near-real date, any serial."""
    region = draw(
        st.one_of(
            st.sampled_from(DISTRICTS),
            st.sampled_from(REGENCIES).map(lambda r: r + "00"),
            st.tuples(st.sampled_from(REGENCIES), two).map("".join),
            st.tuples(two, two, two).map("".join),
        )
    )
    kind = draw(st.sampled_from(["date", "edge", "digits"]))
    if kind == "edge":
        ddmmyy = draw(st.sampled_from(EDGE_DATES))
    elif kind == "date":
        born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)))
        female = draw(st.booleans())
        ddmmyy = f"{born.day + 40 * female:02d}{born.month:02d}{born.year % 100:02d}"
    else:
        ddmmyy = draw(st.tuples(two, st.integers(0, 14).map(lambda n: f"{n:02d}"), two).map("".join))
    serial = draw(st.one_of(st.just("0000"), st.integers(0, 9999).map(lambda n: f"{n:04d}")))
    return region + ddmmyy + serial


@st.composite
def mutated(draw) -> str:
    nik = draw(structured())
    i = draw(st.integers(0, len(nik)))
    match draw(st.sampled_from(["substitute", "delete", "insert", "pad", "digit"])):
        case "substitute":
            return nik[:i] + draw(noise) + nik[i + 1 :]
        case "delete":
            return nik[:i] + nik[i + 1 :]
        case "insert":
            return nik[:i] + draw(noise) + nik[i:]
        case "pad":
            return draw(noise) + nik + draw(noise)
        case _:
            return nik[:i] + draw(st.sampled_from("0123456789")) + nik[i + 1 :]


nik_values = st.one_of(
    structured(),
    structured(),
    mutated(),
    st.text(alphabet="0123456789", min_size=16, max_size=16),
    digits,
    st.text(max_size=24),
    st.just("6.47105E+15"),
    st.none(),
)


def scalar_row(raw, today: dt.date, regions: RegionIndex | None = None) -> dict:
    r = parse_nik(raw, today=today, regions=regions)
    return {
        "nik": r.nik,
        "valid": r.valid,
        "error_codes": [e.code for e in r.errors],
        "warning_codes": [w.code for w in r.warnings],
        "province_code": r.province_code,
        "regency_code": r.regency_code,
        "district_code": r.district_code,
        "birth_date": r.birth_date,
        "gender": r.gender,
    }


def assert_agrees(values: list, series: pl.Series, today: dt.date, regions: RegionIndex | None = None) -> None:
    frame = parse_nik_column(series, today=today, regions=regions)
    assert dict(frame.schema) == COLUMNS
    assert frame.height == len(values)
    for raw, row in zip(values, frame.iter_rows(named=True), strict=True):
        assert row == scalar_row(raw, today, regions), repr(raw)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(nik_values, min_size=1, max_size=50), today=TODAYS)
def test_vectorised_agrees_with_scalar(values, today):
    assert_agrees(values, pl.Series(values, dtype=pl.Utf8), today)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.one_of(st.integers(-(10**16), 10**17), st.none()), min_size=1, max_size=30))
def test_integer_column_agrees_with_scalar(values):
    assert_agrees(values, pl.Series(values, dtype=pl.Int64), TODAY)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(structured(), min_size=1, max_size=30))
def test_custom_region_index_agrees(values):
    regions = RegionIndex(
        frozenset({"64", "32"}),
        frozenset({"64.71", "32.76"}),
        frozenset({"64.71.01", "64.71.05", "32.76.01"}),
    )
    assert_agrees(values, pl.Series(values, dtype=pl.Utf8), TODAY, regions)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(nik_values, min_size=1, max_size=30))
def test_results_from_frame_equals_scalar_results(values):
    frame = parse_nik_column(pl.Series(values, dtype=pl.Utf8), today=TODAY)
    assert list(results_from_frame(frame)) == [parse_nik(v, today=TODAY) for v in values]


def test_empty_series():
    frame = parse_nik_column(pl.Series([], dtype=pl.Utf8), today=TODAY)
    assert frame.height == 0
    assert dict(frame.schema) == COLUMNS


def test_nulls_are_empty():
    for series in (pl.Series([None, None]), pl.Series(["6471051412950001", None], dtype=pl.Utf8)):
        frame = parse_nik_column(series, today=TODAY)
        last = frame.row(-1, named=True)
        assert last["nik"] == "" and last["valid"] is False and last["error_codes"] == ["empty"]
        assert last["province_code"] is None and last["birth_date"] is None


def test_known_rows():
    values = ["6471055412950001", "6471071412950001", "9900000000000000", " 6471 0514 1295 0001 "]
    frame = parse_nik_column(pl.Series(values), today=TODAY)
    assert frame["valid"].to_list() == [True, True, False, False]
    assert frame["gender"].to_list() == ["P", "L", None, None]
    assert frame["warning_codes"].to_list() == [[], ["district_unknown"], [], []]
    assert frame["error_codes"].to_list()[2] == [
        "province_unknown",
        "regency_zero",
        "district_zero",
        "birth_date_invalid",
        "serial_zero",
    ]
    assert frame["nik"].to_list()[3] == "6471 0514 1295 0001"
    assert nik_message(frame["error_codes"][3][0], frame["nik"][3]) == parse_nik(values[3]).errors[0].message


def test_rejects_float_columns():
    with pytest.raises(TypeError):
        parse_nik_column(pl.Series([6.471051412950001e15]), today=TODAY)


def test_categorical_column():
    values = ["6471051412950001", "x", None]
    assert_agrees(values, pl.Series(values, dtype=pl.Categorical), TODAY)


@pytest.mark.parametrize("today", TODAY_LIST)
def test_date_grid_agrees(today):
    """Every day 00–99 × month 00–13 for the years where centuries and leap rules meet."""
    values = [
        f"647105{dd:02d}{mm:02d}{yy:02d}0001"
        for dd in range(100)
        for mm in range(14)
        for yy in (0, 1, 4, 25, 26, 27, 28, 30, 96, 99)
    ]
    assert_agrees(values, pl.Series(values), today)
