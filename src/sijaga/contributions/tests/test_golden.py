"""Golden tests: the worked examples of issue 13 and regulations.md, to the Rupiah, on both calculators.

The issue's figures are asserted literally here; `data/examples.toml` holds them (and more) as data, and every
example there must come out exactly, scalar and vectorised.
"""

import tomllib
from pathlib import Path

import pytest

from sijaga.contributions.calculate import (
    ContributionError,
    Terms,
    calculate_frame,
    contribution,
    half_up,
    terms_frame,
)
from sijaga.contributions.rates import table_from_files
from sijaga.core.periods import Month

RATES = table_from_files()
EXAMPLES = tomllib.loads((Path(__file__).parents[1] / "data" / "examples.toml").read_text())["example"]
ALL = ("jkk", "jkm", "jht", "jp", "jkp")


def amounts(terms: Terms, month: Month) -> dict[str, dict[str, int]]:
    result = contribution(terms, month, RATES)
    return {
        line.programme: {
            k: v
            for k, v in (("employer", line.employer), ("worker", line.worker), ("government", line.government),
                         ("recomposed", line.recomposed), ("relief", line.relief))
            if v
        }
        for line in result.lines
    }  # fmt: skip


def test_bpu_declared_income_one_million():
    """BPU, Rp1,000,000 → JKK Rp10,000 + JKM Rp6,800 = Rp16,800/month; with JHT Rp36,800."""
    month = Month(2026, 3)
    basic = contribution(Terms("bpu", {"jkk", "jkm"}, wage=1_000_000), month, RATES)
    assert basic.line("jkk").worker == 10_000
    assert basic.line("jkm").worker == 6_800
    assert basic.payable == 16_800
    with_jht = contribution(Terms("bpu", {"jkk", "jkm", "jht"}, wage=1_000_000), month, RATES)
    assert with_jht.line("jht").worker == 20_000
    assert with_jht.payable == 36_800
    assert with_jht.employer == 0 and with_jht.government == 0


def test_pu_five_million_risk_class_one():
    """PU, Rp5,000,000, class I → JKK 12,000, JKM 15,000, JHT 185,000 + 100,000, JP 100,000 + 50,000."""
    result = contribution(Terms("pu", {"jkk", "jkm", "jht", "jp"}, wage=5_000_000, risk_class=1), Month(2024, 6), RATES)
    assert (result.line("jkk").employer, result.line("jkk").worker) == (12_000, 0)
    assert (result.line("jkm").employer, result.line("jkm").worker) == (15_000, 0)
    assert (result.line("jht").employer, result.line("jht").worker) == (185_000, 100_000)
    assert (result.line("jp").employer, result.line("jp").worker) == (100_000, 50_000)
    assert result.employer == 312_000 and result.worker == 150_000 and result.payable == 462_000
    assert Terms("pu", {"jkk"}, wage=5_000_000).risk_class == 1  # a government office is class I by default


@pytest.mark.parametrize(
    ("month", "cap", "employer", "worker"),
    [
        (Month(2021, 6), 8_754_600, 175_092, 87_546),
        (Month(2023, 6), 9_559_600, 191_192, 95_596),
        (Month(2024, 2), 9_559_600, 191_192, 95_596),  # the 2023 cap until March 2024
        (Month(2024, 3), 10_042_300, 200_846, 100_423),
        (Month(2025, 2), 10_042_300, 200_846, 100_423),
    ],
)
def test_jp_above_the_cap_uses_the_cap_of_that_period(month, cap, employer, worker):
    line = contribution(Terms("pu", {"jp"}, wage=25_000_000), month, RATES).line("jp")
    assert line.base == cap
    assert (line.employer, line.worker) == (employer, worker)
    assert (line.employer, line.worker) == (half_up(cap * 200, 10_000), half_up(cap * 100, 10_000))
    below = contribution(Terms("pu", {"jp"}, wage=cap - 1), month, RATES).line("jp")
    assert below.base == cap - 1


@pytest.mark.parametrize("month", [Month(2021, 2), Month(2022, 3), Month(2023, 2), Month(2025, 3), Month(2026, 3)])
def test_jp_in_a_month_without_a_cap_is_refused_not_zero(month):
    with pytest.raises(ContributionError) as caught:
        contribution(Terms("pu", {"jkk", "jp"}, wage=5_000_000), month, RATES)
    assert caught.value.code == "no_cap" and caught.value.programme == "jp" and caught.value.month == month
    assert str(month) in caught.value.message and "JP" in caught.value.message


def test_relief_month_applied_exactly():
    """PP 49/2020: 99 % of JKK and JKM waived (0.24 % and 0.30 % of Rp5,000,000 → Rp120 and Rp150)."""
    result = contribution(Terms("pu", {"jkk", "jkm", "jht"}, wage=5_000_000), Month(2020, 10), RATES)
    assert (result.line("jkk").employer, result.line("jkk").relief) == (120, 11_880)
    assert (result.line("jkm").employer, result.line("jkm").relief) == (150, 14_850)
    assert (result.line("jht").employer, result.line("jht").relief) == (185_000, 0)  # JHT is not relieved
    for month, jkk in (
        (Month(2020, 7), 12_000),
        (Month(2020, 8), 120),
        (Month(2021, 1), 120),
        (Month(2021, 2), 12_000),
    ):
        assert contribution(Terms("pu", {"jkk"}, wage=5_000_000), month, RATES).line("jkk").employer == jkk, month


def test_labour_intensive_relief_and_its_extension():
    terms = Terms("pu", {"jkk"}, wage=5_000_000, labour_intensive=True)
    other = Terms("pu", {"jkk"}, wage=5_000_000)
    for month, expected in ((Month(2025, 1), 12_000), (Month(2025, 2), 6_000), (Month(2025, 7), 6_000),
                            (Month(2025, 8), 6_000), (Month(2026, 1), 6_000), (Month(2026, 2), 12_000)):  # fmt: skip
        assert contribution(terms, month, RATES).line("jkk").employer == expected, month
        assert contribution(other, month, RATES).line("jkk").employer == 12_000, month


def test_jakon_contract_priced_on_marginal_tiers():
    """Rp750,000,000: JKK 100M × 0.21 % + 400M × 0.17 % + 250M × 0.13 % = Rp1,215,000; JKM 30,000 + 80,000 + 50,000."""
    result = contribution(Terms("jakon", {"jkk", "jkm"}, contract_value=750_000_000), Month(2026, 3), RATES)
    assert result.line("jkk").employer == 210_000 + 680_000 + 325_000 == 1_215_000
    assert result.line("jkm").employer == 30_000 + 80_000 + 50_000 == 160_000
    assert result.payable == 1_375_000
    assert result.line("jkk").base == 750_000_000
    # tier edges: "up to Rp100 million" includes 100 million itself
    edge = contribution(Terms("jakon", {"jkk"}, contract_value=100_000_000), Month(2026, 3), RATES)
    assert edge.line("jkk").employer == 210_000
    big = contribution(Terms("jakon", {"jkk"}, contract_value=7_000_000_000), Month(2026, 3), RATES)
    assert big.line("jkk").employer == 210_000 + 680_000 + 650_000 + 4_400_000 + 1_800_000


def test_jkp_is_paid_by_the_government_and_recomposed_not_billed():
    with_jkp = contribution(Terms("pu", set(ALL) - {"jp"}, wage=8_000_000), Month(2025, 6), RATES)
    without = contribution(Terms("pu", {"jkk", "jkm", "jht"}, wage=8_000_000), Month(2025, 6), RATES)
    jkp = with_jkp.line("jkp")
    assert (jkp.employer, jkp.worker, jkp.government, jkp.recomposed, jkp.base) == (0, 0, 11_000, 7_000, 5_000_000)
    assert with_jkp.payable == without.payable  # nobody pays more for JKP
    old = contribution(Terms("pu", {"jkk", "jkm", "jht", "jkp"}, wage=8_000_000), Month(2024, 6), RATES).line("jkp")
    assert (old.government, old.recomposed) == (11_000, 12_000)  # PP 37/2021: 0.22 % + 0.14 % + 0.10 %


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_every_worked_example_in_the_data(example):
    terms = Terms(
        example["segment"],
        frozenset(example["programmes"]),
        wage=example.get("wage"),
        risk_class=example.get("risk_class", 1),
        labour_intensive=example.get("labour_intensive", False),
        contract_value=example.get("contract_value"),
    )
    month = Month.parse(example["month"])
    assert amounts(terms, month) == example["expect"]
    assert contribution(terms, month, RATES).payable == example["payable"]
    frame = calculate_frame(terms_frame([(terms, month)]), RATES)
    assert frame.errors.height == 0
    assert int(frame.lines["employer"].sum() + frame.lines["worker"].sum()) == example["payable"]


def test_rounding_is_half_up_per_programme_and_party():
    month = Month(2026, 3)
    # 0.24 % of Rp625 = Rp1.5 → Rp2; 2 % of Rp1,000,025 = Rp20,000.5 → Rp20,001; 0.89 % of Rp1,234,567 = 10,987.65
    assert contribution(Terms("pu", {"jkk"}, wage=625), month, RATES).line("jkk").employer == 2
    jht = contribution(Terms("pu", {"jht"}, wage=1_000_025), month, RATES).line("jht")
    assert (jht.employer, jht.worker) == (37_001, 20_001)  # 37,000.925 → 37,001 and 20,000.5 → 20,001
    assert contribution(Terms("pu", {"jkk"}, wage=1_234_567, risk_class=3), month, RATES).line("jkk").employer == 10_988
    assert half_up(5, 10) == 1 and half_up(4, 10) == 0 and half_up(15, 10) == 2 and half_up(0, 7) == 0
