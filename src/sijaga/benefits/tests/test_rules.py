"""The pure rules: data files, calculators and the liability look-up (no database)."""

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sijaga.benefits import rules

TABLE = rules.Table.from_files(rules.read_data())
DAY = dt.date(2025, 6, 1)


def test_every_figure_cites_its_regulation_and_unverified_ones_say_so():
    for f in TABLE.figures:
        assert f.regulation and f.article, f.key
    assert all(not r.verified for r in TABLE.rules)  # none of the liability rules could be checked: see the file


def test_jkm_is_42_million():
    ent = rules.jkm(TABLE, DAY, contribution_months=10, school_levels=["tk_sd"])
    assert ent.total == 42_000_000 and ent.scholarship_max == 0


def test_scholarship_is_capped_at_174_million_for_two_children():
    ent = rules.jkm(TABLE, DAY, contribution_months=36, school_levels=["tk_sd", "tk_sd", "smp"])
    assert ent.scholarship_max == 174_000_000  # 2 × 87M: the third child is not counted
    assert ent.scholarship_year_one == 3_000_000


@pytest.mark.parametrize(
    ("outcome", "kwargs", "expected"),
    [
        ("death", {}, 216_000_000),  # 48 × Rp4.5M
        ("total_disability", {}, 252_000_000),  # 56 × Rp4.5M
        ("partial_disability", {"disability_percent": 10}, 36_000_000),  # 10% × 80 × Rp4.5M
        ("temporary", {"incapacity_months": 14}, 12 * 4_500_000 + 2 * 2_250_000),
        ("temporary", {"transport_mode": "sea", "transport_cost": 3_000_000, "home_care_cost": 25_000_000},
         2_000_000 + 20_000_000),
    ],
)  # fmt: skip
def test_jkk(outcome, kwargs, expected):
    assert rules.jkk(TABLE, DAY, outcome=outcome, wage=4_500_000, **kwargs).total == expected


def test_liability_by_employer_type_segment_and_version():
    kw = {"payer_kind": "pemkab", "segment": "pu", "day": DAY, "entitlement": 42_000_000}
    assert rules.liability(TABLE, eligibility="covered", **kw).employer_owes == 0
    not_reg = rules.liability(TABLE, eligibility="not_registered", **kw)
    assert (not_reg.liable, not_reg.employer_owes, not_reg.rule.key) == ("employer", 42_000_000, "not_registered.state")
    state = rules.liability(TABLE, eligibility="arrears", arrears_months=3, arrears_amount=300_000, **kw)
    assert (state.liable, state.employer_owes, state.rule.key) == ("bpjs", 300_000, "arrears.state")
    company = rules.liability(
        TABLE, eligibility="arrears", arrears_months=3, arrears_amount=300_000, **(kw | {"payer_kind": "badan_usaha"})
    )
    assert (company.liable, company.employer_owes) == ("bpjs", 300_000 + 300_000 * 3 * 2 // 100)
    before = rules.liability(
        TABLE, eligibility="arrears", arrears_months=3, arrears_amount=300_000,
        **(kw | {"payer_kind": "badan_usaha", "day": dt.date(2018, 1, 1)}),
    )  # fmt: skip
    assert (before.liable, before.employer_owes, before.rule.key) == ("employer", 42_000_000, "arrears.any.before_82")
    bpu = rules.liability(
        TABLE, eligibility="arrears", arrears_months=2, arrears_amount=33_600, **(kw | {"segment": "bpu"})
    )
    assert (bpu.liable, bpu.employer_owes, bpu.rule.outcome) == ("employer", 42_000_000, "no_cover")


@given(
    kind=st.sampled_from(["pemprov", "pemkab", "pemdes", "badan_usaha", "mandiri", "pihak_ketiga"]),
    segment=st.sampled_from(["pu", "bpu", "jakon"]),
    months=st.integers(0, 60),
    amount=st.integers(0, 10**9),
    day=st.dates(dt.date(2016, 1, 1), dt.date(2030, 12, 31)),
)
def test_every_situation_has_a_cited_rule(kind, segment, months, amount, day):
    """Not registered, or at least a month in arrears: some rule of the data answers, never the fallback."""
    for eligibility in ("not_registered", "arrears"):
        if eligibility == "arrears" and months == 0:
            continue
        li = rules.liability(TABLE, eligibility=eligibility, payer_kind=kind, segment=segment, day=day,
                             entitlement=42_000_000, arrears_months=months, arrears_amount=amount)  # fmt: skip
        assert li.rule is not None and li.rule.citation
        assert li.employer_owes >= (amount if li.liable == "bpjs" else 42_000_000)


def test_short_arrears_before_pp_82_2019_has_its_rule():
    li = rules.liability(TABLE, eligibility="arrears", payer_kind="badan_usaha", segment="pu", day=dt.date(2017, 5, 1),
                         entitlement=42_000_000, arrears_months=1, arrears_amount=100_000)  # fmt: skip
    assert li.rule.key == "arrears.before_82.short" and li.employer_owes == 102_000


def test_bad_data_file_is_refused(tmp_path: Path):
    (tmp_path / "x.toml").write_text('schema = 1\nregulation = "PP"\n[[figure]]\nkey = "a"\nunit = "kg"\nvalue = 1\n')
    with pytest.raises(rules.DataError, match="unit"):
        rules.read_data(tmp_path)
    (tmp_path / "x.toml").write_text('schema = 1\nregulation = "PP"\n[[rule]]\nkey = "a"\nsituation = "war"\n')
    with pytest.raises(rules.DataError, match="situation"):
        rules.read_data(tmp_path)


def test_missing_figure_is_an_error_not_a_zero():
    with pytest.raises(rules.MissingFigure):
        rules.jkm(TABLE, dt.date(2019, 1, 1), contribution_months=0, school_levels=[])
