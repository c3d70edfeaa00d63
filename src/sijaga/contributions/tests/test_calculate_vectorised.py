"""The vectorised ``calculate_frame`` must agree row for row with the scalar ``contribution``.

Hypothesis draws batches of terms × months across every rate change and relief of the data (each boundary month
and the month before it), over segments, programme sets, wages (absurd, capped, at the floor and cap edges),
contract values (at the tier edges and beyond), risk classes (also invalid) and the labour-intensive flag; every
row is compared: the same lines, or the same first error.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sijaga.contributions.calculate import (
    ERROR_COLUMNS,
    LINE_COLUMNS,
    MAX_CONTRACT_VALUE,
    MAX_WAGE,
    ContributionError,
    Terms,
    calculate_frame,
    contribution,
    error_from_row,
    price_list,
    terms_frame,
)
from sijaga.contributions.rates import PROGRAMMES, RateRow, RateTable, table_from_files
from sijaga.core.periods import Month

RATES = table_from_files()
EDGES = sorted({m for b in RATES.boundaries() for m in (b.prev(), b)})
AMOUNTS = sorted({a for r in RATES for a in (r.amount, r.lower, r.upper) if a} | {MAX_WAGE, MAX_CONTRACT_VALUE})

months = st.one_of(
    st.sampled_from(EDGES),
    st.builds(Month, st.integers(2014, 2027), st.integers(1, 12)),
)
near = st.sampled_from(AMOUNTS).flatmap(lambda a: st.integers(a - 2, a + 2))
wages = st.one_of(
    st.none(),
    st.integers(1, 30_000_000),
    st.integers(-5, 0),
    near,
    st.integers(MAX_WAGE + 1, 10**16),
    st.sampled_from([1, 625, 999_999, 1_000_000, 5_000_000, 1_000_025]),
)
contracts = st.one_of(st.none(), st.none(), near, st.integers(1, 10**13), st.integers(-3, 0),
                      st.integers(MAX_CONTRACT_VALUE - 2, MAX_CONTRACT_VALUE + 2))  # fmt: skip
segments = st.sampled_from(["pu", "pu", "bpu", "jakon", "jakon", "", "PU", "bukan"])
programme_sets = st.frozensets(st.sampled_from(PROGRAMMES), max_size=5)
risk_classes = st.one_of(st.integers(1, 5), st.sampled_from([0, 6, -1]))


@st.composite
def terms_and_month(draw) -> tuple[Terms, Month]:
    segment = draw(segments)
    terms = Terms(
        segment=segment,
        programmes=draw(programme_sets),
        wage=draw(wages),
        risk_class=draw(risk_classes),
        labour_intensive=draw(st.booleans()),
        contract_value=draw(contracts),
    )
    return terms, draw(months)


def scalar(terms: Terms, month: Month, rates: RateTable) -> list[dict] | tuple:
    try:
        result = contribution(terms, month, rates)
    except ContributionError as exc:
        return exc.key()
    return [
        {
            "month": month.first_day,
            "programme": line.programme,
            "base": line.base,
            "employer": line.employer,
            "worker": line.worker,
            "government": line.government,
            "recomposed": line.recomposed,
            "relief": line.relief,
            "rate_ids": list(line.rate_ids),
        }
        for line in result.lines
    ]


def assert_agrees(rows: list[tuple[Terms, Month]], rates: RateTable = RATES) -> None:
    result = calculate_frame(terms_frame(rows), rates)
    assert dict(result.lines.schema) == LINE_COLUMNS
    assert dict(result.errors.schema) == ERROR_COLUMNS
    lines: dict[int, list[dict]] = {}
    for row in result.lines_with_rate_ids().iter_rows(named=True):
        row.pop("price")
        lines.setdefault(row.pop("row"), []).append(row)
    errors = {row["row"]: error_from_row(row).key() for row in result.errors.iter_rows(named=True)}
    assert not set(lines) & set(errors)
    for i, (terms, month) in enumerate(rows):
        got = errors[i] if i in errors else lines.get(i, [])
        assert got == scalar(terms, month, rates), (i, terms, month)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(terms_and_month(), min_size=1, max_size=40))
def test_vectorised_agrees_with_scalar(rows):
    assert_agrees(rows)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.builds(
                Terms,
                segment=st.sampled_from(["pu", "bpu", "jakon"]),
                programmes=st.frozensets(st.sampled_from(PROGRAMMES), min_size=1),
                wage=st.integers(1, 40_000_000),
                risk_class=st.integers(1, 5),
                labour_intensive=st.booleans(),
            ),
            st.sampled_from(EDGES),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_plausible_terms_agree(rows):
    """Mostly priced rows (the first test is mostly errors): the arithmetic is compared, not only the refusals."""
    assert_agrees(rows)


# A synthetic table with what the real one lacks: a flat amount beside a rate for one party, tiers for two parties,
# an unconditional relief of a worker's share, a conditional one, a cap without a floor and a floor without a cap.
def _row(key, kind, segment, programme, **kw) -> RateRow:
    return RateRow("synthetic", key, kind, segment, programme, Month(2020, 1), kw.pop("valid_to", None), "Test 1/2020",
                   **kw)  # fmt: skip


SYNTHETIC = RateTable(
    [
        _row("pu.jkk.e", "rate", "pu", "jkk", party="employer", bp=77, id=1),
        _row("pu.jkk.w", "flat", "pu", "jkk", party="worker", amount=1_234, id=2),
        _row("pu.jkk.w2", "rate", "pu", "jkk", party="worker", bp=3, id=3),
        _row("pu.jkk.r", "relief", "pu", "jkk", party="worker", bp=3_333, id=4, valid_to=Month(2020, 6)),
        _row("pu.jkk.li", "relief", "pu", "jkk", party="employer", bp=7_777, condition="labour_intensive", id=5),
        _row("pu.jp.e", "rate", "pu", "jp", party="employer", bp=250, capped=True, id=6),
        _row("pu.jp.cap", "cap", "pu", "jp", amount=7_777_777, id=7),
        _row("pu.jht.e", "rate", "pu", "jht", party="employer", bp=1, id=8),
        _row("pu.jht.floor", "floor", "pu", "jht", amount=2_000_000, id=9),
        _row("jakon.jkk.e1", "tier", "jakon", "jkk", party="employer", bp=19, lower=0, upper=333, id=10),
        _row("jakon.jkk.e2", "tier", "jakon", "jkk", party="employer", bp=7, lower=333, id=11),
        _row("jakon.jkk.w1", "tier", "jakon", "jkk", party="worker", bp=1, lower=1_000, upper=10**12, id=12),
        _row("jakon.jkk.r", "relief", "jakon", "jkk", party="worker", bp=5_001, id=13),
        _row("bpu.jkm.g", "rate", "bpu", "jkm", party="government", bp=9_999, id=14),
    ]
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(terms_and_month(), min_size=1, max_size=30))
def test_synthetic_table_agrees(rows):
    rows = [(t, Month(2020, m.month)) for t, m in rows]
    assert_agrees(rows, SYNTHETIC)


def test_empty_frame():
    result = calculate_frame(terms_frame([]), RATES)
    assert result.lines.height == 0 and result.errors.height == 0
    assert dict(result.lines.schema) == LINE_COLUMNS


def test_absurd_values_do_not_overflow():
    """Contract values up to the maximum, with the 99 % relief: the intermediate products need 128 bits."""
    rows = [
        (Terms("jakon", {"jkk", "jkm"}, contract_value=MAX_CONTRACT_VALUE), Month(2020, 10)),
        (Terms("jakon", {"jkk", "jkm"}, contract_value=MAX_CONTRACT_VALUE), Month(2026, 3)),
        (Terms("pu", set(PROGRAMMES), wage=MAX_WAGE, risk_class=5), Month(2024, 6)),
        (Terms("bpu", {"jkk", "jkm", "jht"}, wage=MAX_WAGE), Month(2020, 10)),
    ]
    assert_agrees(rows)
    top = contribution(*rows[1][:1], rows[1][1], RATES).line("jkk")
    # 0.21 % of 100M + 0.17 % of 400M + 0.13 % of 500M + 0.11 % of 4B + 0.09 % of the rest
    assert top.employer == 210_000 + 680_000 + 650_000 + 4_400_000 + (MAX_CONTRACT_VALUE - 5_000_000_000) * 9 // 10_000


def test_carry_columns_and_refusals():
    frame = terms_frame(
        [
            (Terms("pu", {"jkk", "jkm"}, wage=5_000_000), Month(2026, 3)),
            (Terms("pu", {"jkk", "jp"}, wage=5_000_000), Month(2026, 3)),
            (Terms("pu", {"jkk"}, wage=-1), Month(2026, 3)),
        ]
    ).with_columns(membership_id=pl.Series([11, 12, 13]))
    result = calculate_frame(frame, RATES, carry=["membership_id"])
    assert result.lines["membership_id"].to_list() == [11, 11]
    assert result.errors.select("membership_id", "code", "programme").rows() == [(12, "no_cap", "jp"),
                                                                                (13, "wage_invalid", None)]  # fmt: skip


def test_frame_input_is_checked():
    frame = terms_frame([(Terms("pu", {"jkk"}, wage=5_000_000), Month(2026, 3))])
    with pytest.raises(ValueError, match="first days"):
        calculate_frame(frame.with_columns(month=pl.lit(dt.date(2026, 3, 2))), RATES)
    with pytest.raises(ValueError, match="lacks"):
        calculate_frame(frame.drop("segment"), RATES)
    minimal = pl.DataFrame({"month": [dt.date(2026, 3, 1)], "segment": ["pu"], "jkk": [True], "wage": [5_000_000]})
    assert calculate_frame(minimal, RATES).lines["employer"].to_list() == [12_000]  # class I, no relief by default


def test_price_list_is_small():
    prices = price_list(RATES, EDGES)
    assert prices.height < 5_000
    assert set(prices["status"].drop_nulls().unique()) <= {"no_rate", "no_cap"}


def test_edge_grid_agrees():
    """Every rate-change month (and the one before) × segment × every cap, floor and tier edge ±1 × programme."""
    values = sorted({v for a in AMOUNTS for v in (a - 1, a, a + 1)} | {1, 625, 5_000_000})
    sets = [frozenset({p}) for p in PROGRAMMES] + [frozenset(PROGRAMMES)]
    rows = []
    for month in EDGES:
        for segment in ("pu", "bpu", "jakon"):
            for i, value in enumerate(values):
                for j, programmes in enumerate(sets):
                    contract = segment == "jakon" and (i + j) % 2 == 0
                    rows.append(
                        (
                            Terms(segment, programmes, wage=None if contract else value,
                                  contract_value=value if contract else None, risk_class=1 + (i + j) % 5,
                                  labour_intensive=(i + j) % 3 == 0),
                            month,
                        )
                    )  # fmt: skip
    assert len(rows) > 10_000
    assert_agrees(rows)
