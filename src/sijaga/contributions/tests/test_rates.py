"""The rate data: every figure of regulations.md is encoded exactly, cited, in whole units, and the table is sound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sijaga.contributions.rates import (
    DATA_DIR,
    RateDataError,
    RateRow,
    RateTable,
    bp_to_percent,
    parse_schedule,
    percent_to_bp,
    read_files,
    row_errors,
    table_from_files,
)
from sijaga.core.periods import Month

RATES = table_from_files()
BY_KEY = {(r.schedule, r.key): r for r in RATES}

#: Every figure of ../shared/reference/regulations.md ("Contributions"), as (schedule, key) → (figure, first month,
#: last month). A change to the data must change this table too: the figures are checked twice, on purpose.
EXPECTED = {
    ("pp-44-2015", "pu.jkk.1"): ("0.24%", "2015-07", None),
    ("pp-44-2015", "pu.jkk.2"): ("0.54%", "2015-07", None),
    ("pp-44-2015", "pu.jkk.3"): ("0.89%", "2015-07", None),
    ("pp-44-2015", "pu.jkk.4"): ("1.27%", "2015-07", None),
    ("pp-44-2015", "pu.jkk.5"): ("1.74%", "2015-07", None),
    ("pp-44-2015", "pu.jkm"): ("0.3%", "2015-07", None),
    ("pp-44-2015", "bpu.jkk"): ("1%", "2015-07", None),
    ("pp-44-2015", "bpu.jkk.floor"): ("Rp1.000.000", "2015-07", None),
    ("pp-44-2015", "bpu.jkk.cap"): ("Rp20.700.000", "2015-07", None),
    ("pp-44-2015", "bpu.jkm"): ("Rp6.800", "2015-07", None),
    ("pp-46-2015", "pu.jht.employer"): ("3.7%", "2015-07", None),
    ("pp-46-2015", "pu.jht.worker"): ("2%", "2015-07", None),
    ("pp-46-2015", "bpu.jht"): ("2%", "2015-07", None),
    ("pp-45-2015", "pu.jp.employer"): ("2%", "2015-07", None),
    ("pp-45-2015", "pu.jp.worker"): ("1%", "2015-07", None),
    ("jp-wage-caps", "pu.jp.cap.2021"): ("Rp8.754.600", "2021-03", "2022-02"),
    ("jp-wage-caps", "pu.jp.cap.2023"): ("Rp9.559.600", "2023-03", "2024-02"),
    ("jp-wage-caps", "pu.jp.cap.2024"): ("Rp10.042.300", "2024-03", "2025-02"),
    ("pp-37-2021", "pu.jkp.government"): ("0.22%", "2021-02", "2025-01"),
    ("pp-37-2021", "pu.jkp.from-jkk"): ("0.14%", "2021-02", "2025-01"),
    ("pp-37-2021", "pu.jkp.from-jkm"): ("0.1%", "2021-02", "2025-01"),
    ("pp-37-2021", "pu.jkp.cap"): ("Rp5.000.000", "2021-02", None),
    ("pp-6-2025", "pu.jkp.government"): ("0.22%", "2025-02", None),
    ("pp-6-2025", "pu.jkp.from-jkk"): ("0.14%", "2025-02", None),
    ("permenaker-44-2015", "jakon.jkk.1"): ("0.21% × (Rp0–Rp100.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkk.2"): ("0.17% × (Rp100.000.000–Rp500.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkk.3"): ("0.13% × (Rp500.000.000–Rp1.000.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkk.4"): ("0.11% × (Rp1.000.000.000–Rp5.000.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkk.5"): ("0.09% × (Rp5.000.000.000–…]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkm.1"): ("0.03% × (Rp0–Rp100.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkm.2"): ("0.02% × (Rp100.000.000–Rp500.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkm.3"): ("0.02% × (Rp500.000.000–Rp1.000.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkm.4"): ("0.01% × (Rp1.000.000.000–Rp5.000.000.000]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkm.5"): ("0.01% × (Rp5.000.000.000–…]", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkk.wage"): ("1.74%", "2016-01", None),
    ("permenaker-44-2015", "jakon.jkm.wage"): ("0.3%", "2016-01", None),
    **{
        ("pp-49-2020", k): ("99%", "2020-08", "2021-01")
        for k in ("pu.jkk", "pu.jkm", "bpu.jkk", "bpu.jkm", "jakon.jkk", "jakon.jkm")
    },
    ("pp-7-2025", "pu.jkk.labour-intensive"): ("50%", "2025-02", "2025-07"),
    ("pp-36-2025", "pu.jkk.labour-intensive"): ("50%", "2025-08", "2026-01"),
}

#: Figures or periods NOT given by regulations.md (inferred, or from public reporting): the coordinator must confirm
#: them (docs/contributions.md lists why for each). Flagging one more or one fewer must be a conscious change here.
UNVERIFIED = {
    ("pp-44-2015", "bpu.jkk.floor"),
    ("pp-44-2015", "bpu.jkk.cap"),
    ("jp-wage-caps", "pu.jp.cap.2021"),
    ("jp-wage-caps", "pu.jp.cap.2023"),
    ("jp-wage-caps", "pu.jp.cap.2024"),
    ("pp-37-2021", "pu.jkp.government"),
    ("pp-37-2021", "pu.jkp.from-jkk"),
    ("pp-37-2021", "pu.jkp.from-jkm"),
    ("pp-37-2021", "pu.jkp.cap"),
    ("pp-6-2025", "pu.jkp.government"),
    ("pp-6-2025", "pu.jkp.from-jkk"),
    ("permenaker-44-2015", "jakon.jkm.wage"),
}


def test_every_figure_is_encoded_exactly():
    got = {k: (r.figure, str(r.valid_from), str(r.valid_to) if r.valid_to else None) for k, r in BY_KEY.items()}
    assert got == EXPECTED


def test_unverified_figures_are_flagged():
    assert {k for k, r in BY_KEY.items() if not r.verified} == UNVERIFIED


def test_every_row_cites_its_regulation_and_source():
    for r in RATES:
        assert r.regulation.strip() and r.source.strip(), r.key
        assert r.regulation.split()[0] in ("PP", "Permenaker"), r.regulation


def test_every_data_file_is_a_versioned_schedule():
    files = sorted(p.stem for p in DATA_DIR.glob("*.toml"))
    schedules = read_files()
    assert [s.code for s in schedules] == files
    assert all(s.regulation and s.title and s.source for s in schedules)
    assert len({s.digest() for s in schedules}) == len(schedules)


def test_jkp_totals_per_regulation():
    """0.46 % under PP 37/2021, 0.36 % from PP 6/2025 (government 0.22 % in both)."""
    for month, total, government in ((Month(2024, 6), 46, 22), (Month(2025, 2), 36, 22)):
        pricing = RATES.at(month).pricing("pu", "jkp", "wage")
        assert sum(c.bp for c in pricing.components) == total
        assert sum(c.bp for c in pricing.components if c.party == "government") == government
        assert pricing.cap.amount == 5_000_000
    assert RATES.at(Month(2021, 1)).pricing("pu", "jkp", "wage") is None  # before PP 37/2021


def test_no_rate_before_the_regulations():
    assert RATES.at(Month(2015, 6)).pricings == {}
    assert RATES.at(Month(2015, 12)).pricing("jakon", "jkk", "contract") is None
    assert RATES.at(Month(2016, 1)).pricing("jakon", "jkk", "contract") is not None


@pytest.mark.parametrize(
    ("text", "bp"),
    [("0.24%", 24), ("1.74%", 174), ("0.3%", 30), ("0.30%", 30), ("3.7%", 370), ("99%", 9_900), ("100%", 10_000),
     ("0.01%", 1), (" 2% ", 200), ("0.500%", 50)],
)  # fmt: skip
def test_percent_to_bp(text, bp):
    assert percent_to_bp(text) == bp


@pytest.mark.parametrize("text", ["0.054%", "0.245%", "24", "0,24%", "-1%", "1e2%", "", "abc%", "1000%"])
def test_percent_to_bp_refuses_what_is_not_whole_basis_points(text):
    with pytest.raises(ValueError):
        percent_to_bp(text)


@given(st.integers(1, 99_999))
def test_percent_text_round_trips(bp):
    assert percent_to_bp(bp_to_percent(bp)) == bp


def _doc(**rows) -> dict:
    return {"schema": 1, "regulation": "PP 1/2020", **rows}


def test_reader_reports_every_problem_of_a_file():
    bad = _doc(
        rate=[
            {"key": "a", "segment": "pu", "programme": "jkk", "party": "boss", "rate": "0.24%",
             "valid_from": "2020-01"},
            {"key": "a", "segment": "xx", "programme": "jkk", "party": "employer", "rate": "0.24%",
             "valid_from": "2020-01"},
            {"key": "b", "segment": "pu", "programme": "jkk", "party": "employer", "rate": "0.245%",
             "valid_from": "2020-01"},
            {"key": "c", "segment": "pu", "programme": "jkk", "party": "employer", "amount": 5, "rate": "1%",
             "valid_from": "2020-01"},
            {"key": "d", "segment": "pu", "programme": "jkk", "party": "employer", "rate": "1%",
             "valid_from": "2020-05", "valid_to": "2020-04", "colour": "red"},
        ],
        cap=[{"key": "e", "segment": "pu", "programme": "jp", "amount": 0, "valid_from": "2020-13"}],
    )  # fmt: skip
    with pytest.raises(RateDataError) as caught:
        parse_schedule("bad", bad)
    text = str(caught.value)
    for expected in ("party 'boss'", "segment 'xx'", "basis points", "a rate row has no amount",
                     "unknown fields ['colour']", "is not a month", "key 'a' is used twice"):  # fmt: skip
        assert expected in text, expected
    with pytest.raises(RateDataError, match="schema = 1"):
        parse_schedule("x", {"regulation": "PP 1/2020"})


def _row(key: str, first: str, last: str | None = None, **kw) -> RateRow:
    defaults = {"kind": "rate", "segment": "pu", "programme": "jkk", "party": "employer", "bp": 24}
    defaults.update(kw)
    kind, segment, programme = defaults.pop("kind"), defaults.pop("segment"), defaults.pop("programme")
    return RateRow("s", key, kind, segment, programme, Month.parse(first), Month.parse(last) if last else None,
                   "PP 1/2020", **defaults)  # fmt: skip


def test_table_refuses_overlapping_periods():
    with pytest.raises(RateDataError, match="both in force in 2021-01"):
        RateTable([_row("a", "2020-01"), _row("b", "2021-01")])
    RateTable([_row("a", "2020-01", "2020-12"), _row("b", "2021-01")])  # adjacent is fine
    with pytest.raises(RateDataError, match="both in force"):  # one relief per party and month, never stacked
        RateTable([_row("r1", "2020-01", kind="relief", bp=9900),
                   _row("r2", "2020-06", "2020-07", kind="relief", bp=5000, condition="labour_intensive")])  # fmt: skip


def test_table_refuses_ambiguous_months():
    with pytest.raises(RateDataError, match="with and without a risk class"):
        RateTable([_row("a", "2020-01", risk_class=1), _row("b", "2020-01")])
    with pytest.raises(RateDataError, match="capped and uncapped"):
        RateTable([_row("a", "2020-01", capped=True), _row("b", "2020-01", party="worker"),
                   _row("cap", "2020-01", kind="cap", party="", bp=None, amount=5)])  # fmt: skip


def test_row_rules():
    assert row_errors(_row("a", "2020-01")) == []
    assert "a cap row has no party" in row_errors(_row("c", "2020-01", kind="cap", bp=None, amount=1))
    assert any("from_programme" in e for e in row_errors(_row("a", "2020-01", party="recomposed")))
    assert any("risk class 6" in e for e in row_errors(_row("a", "2020-01", risk_class=6)))
    assert any("upper" in e for e in row_errors(_row("t", "2020-01", kind="tier", lower=10, upper=10)))
    assert any("key" in e for e in row_errors(_row("Bad Key", "2020-01")))
