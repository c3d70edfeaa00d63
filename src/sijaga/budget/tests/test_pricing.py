"""The simulator's arithmetic: a hand calculation to the Rupiah, a rate change in July priced from July, a year
without rates refused with the month and programme named, and the vectorised pricing held equal to the scalar
calculator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sijaga.budget import pricing, rules
from sijaga.contributions.rates import RateRow, RateTable, rupiah, table_from_files
from sijaga.core.periods import Month

FILES = table_from_files()


def _row(key, kind, segment, programme, start, end=None, **kw):
    return RateRow("uji", key, kind, segment, programme, start, end, "Uji 1/2030", **kw)


#: BPU JKK 1 % until June 2031, 2 % from July 2031; JKM flat Rp6,800 then Rp10,000; nothing from 2033.
JULY_CHANGE = RateTable(
    [
        _row("bpu.jkk.a", "rate", "bpu", "jkk", Month(2030, 1), Month(2031, 6), party="worker", bp=100, id=1),
        _row("bpu.jkk.b", "rate", "bpu", "jkk", Month(2031, 7), Month(2032, 12), party="worker", bp=200, id=2),
        _row("bpu.jkm.a", "flat", "bpu", "jkm", Month(2030, 1), Month(2031, 6), party="worker", amount=6_800, id=3),
        _row("bpu.jkm.b", "flat", "bpu", "jkm", Month(2031, 7), Month(2032, 12), party="worker", amount=10_000, id=4),
    ]
)


def test_hand_calculation_rt_rw_heads():
    """1.200 ketua RT/RW, penghasilan Rp1.000.000, JKK + JKM: Rp16.800 × 12 × 1.200 = Rp241.920.000 setahun."""
    cohort = pricing.Cohort("rt_rw", "apbd", "bpu", frozenset({"jkk", "jkm"}), 1_000_000, 1_200)
    result = pricing.estimate([cohort], 2027, FILES)
    assert [amount for _, amount in result.months] == [16_800 * 1_200] * 12
    assert result.total == 241_920_000
    assert rupiah(result.total) == "Rp241.920.000"
    assert result.by_category == (("rt_rw", 1_200, 241_920_000),)
    assert result.by_source == (("apbd", 241_920_000),)
    assert result.lines[0].per_person_year == 16_800 * 12 == 201_600
    assert pricing.estimate_scalar([cohort], 2027, FILES) == 241_920_000


def test_rate_change_in_july_is_priced_from_july():
    cohort = pricing.Cohort("rt_rw", "apbdes", "bpu", frozenset({"jkk", "jkm"}), 1_000_000, 10)
    result = pricing.estimate([cohort], 2031, JULY_CHANGE)
    months = dict((d.month, amount) for d, amount in result.months)
    assert [months[m] for m in range(1, 7)] == [(10_000 + 6_800) * 10] * 6
    assert [months[m] for m in range(7, 13)] == [(20_000 + 10_000) * 10] * 6
    assert result.total == 6 * 168_000 + 6 * 300_000 == 2_808_000
    assert pricing.estimate_scalar([cohort], 2031, JULY_CHANGE) == result.total


def test_a_year_without_rates_names_the_month_and_programme():
    cohort = pricing.Cohort("rt_rw", "apbd", "bpu", frozenset({"jkk", "jkm"}), 1_000_000, 5)
    with pytest.raises(pricing.PricingError) as caught:
        pricing.estimate([cohort], 2033, JULY_CHANGE)
    message = caught.value.message
    assert "2033-01" in message and "JKK" in message and "BPU" in message
    with pytest.raises(pricing.PricingError):
        pricing.estimate_scalar([cohort], 2033, JULY_CHANGE)


def test_income_below_the_bpu_floor_is_refused_not_zero():
    cohort = pricing.Cohort("pekerja_rentan", "apbd", "bpu", frozenset({"jkk", "jkm"}), 500_000, 5)
    with pytest.raises(pricing.PricingError, match="Penghasilan di bawah batas terendah"):
        pricing.estimate([cohort], 2027, FILES)


def test_enrolled_lines_do_not_show_one_persons_wage():
    cohorts = [
        pricing.Cohort("non_asn", "apbd", "pu", frozenset({"jkk", "jkm"}), 3_000_000, 1, enrolled=True),
        pricing.Cohort("non_asn", "apbd", "pu", frozenset({"jkk", "jkm"}), 5_000_000, 1, enrolled=True),
    ]
    result = pricing.estimate(cohorts, 2027, FILES)
    (line,) = result.lines
    assert line.wage == 0 and line.people == 2
    assert line.year_total == 12 * (3_000_000 + 5_000_000) * 54 // 10_000 == result.total


cohort_strategy = st.builds(
    pricing.Cohort,
    category=st.sampled_from(rules.CATEGORIES),
    source=st.sampled_from(rules.SOURCES),
    segment=st.sampled_from(["pu", "bpu"]),
    programmes=st.sampled_from([frozenset({"jkk", "jkm"}), frozenset({"jkk", "jkm", "jht"})]),
    wage=st.integers(1_000_000, 30_000_000),
    people=st.integers(0, 5_000),
    risk_class=st.integers(1, 5),
)


@settings(max_examples=30, deadline=None)
@given(cohorts=st.lists(cohort_strategy, min_size=1, max_size=6), year=st.sampled_from([2021, 2024, 2025, 2027]))
def test_vectorised_equals_scalar(cohorts, year):
    assert pricing.estimate(cohorts, year, FILES).total == pricing.estimate_scalar(cohorts, year, FILES)


def test_what_a_budget_buys_fills_the_priority_order():
    costs = {"perangkat_desa": 1_425_600, "rt_rw": 201_600, "pekerja_rentan": 201_600}
    shares, left = rules.allocate(10_000_000, costs, {"perangkat_desa": 3, "rt_rw": 20, "pekerja_rentan": None})
    assert [(s.category, s.people) for s in shares] == [("perangkat_desa", 3), ("rt_rw", 20), ("pekerja_rentan", 8)]
    assert left == 10_000_000 - 3 * 1_425_600 - 28 * 201_600 == 78_400
    assert 0 <= left < 201_600  # nobody else fits
    assert rules.affordable(241_920_000, 201_600) == 1_200
    assert rules.affordable(-5, 201_600) == 0


def test_evidence_is_recognised_by_its_bytes_and_names_are_neutralised():
    assert rules.evidence_kind(b"%PDF-1.7\n") == ("application/pdf", ".pdf")
    assert rules.evidence_kind(b"\x89PNG\r\n\x1a\n...") == ("image/png", ".png")
    assert rules.evidence_kind(b"MZ\x90\x00") is None
    assert rules.evidence_kind(b"<html>%PDF-") is None
    assert rules.safe_file_name("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert rules.safe_file_name("<script>alert(1)</script>.exe", ".pdf") == "script.pdf"
    assert rules.safe_file_name("a\x00b;rm -rf.pdf", ".pdf") == "a_b_rm -rf.pdf"
    assert rules.safe_file_name("C:\\Users\\x\\Perda 5 2027.PDF", ".pdf") == "Perda 5 2027.pdf"
    assert rules.safe_file_name("", ".png") == "bukti.png"
