"""The monthly bill run: set-based SQL held equal to `calculate_frame` on both databases, the golden examples
through real memberships, idempotence, adjustments instead of rewrites, and a clear refusal for unpriced months."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sijaga.accounts.actor import Actor
from sijaga.contributions import billing
from sijaga.contributions.calculate import calculate_frame
from sijaga.contributions.models import Bill, BillLine
from sijaga.contributions.rates import table_from_files
from sijaga.contributions.services import load_rates
from sijaga.core.bulk import Dialect
from sijaga.core.periods import Month
from sijaga.enrollment import services as enrollment

pytestmark = pytest.mark.django_db
RATES = table_from_files()
PROGRAMMES = ("jkk", "jkm", "jht", "jp", "jkp")
MONTHS = [Month(2020, 10), Month(2021, 6), Month(2023, 6), Month(2024, 6), Month(2025, 3), Month(2025, 6),
          Month(2026, 3)]  # fmt: skip


@st.composite
def terms(draw):
    segment = draw(st.sampled_from(["pu", "bpu", "jakon"]))
    chosen = {"jkk": True, "jkm": True, "jht": False, "jp": False, "jkp": False}
    if segment != "jakon":
        chosen["jht"] = draw(st.booleans())
    if segment == "pu":
        chosen["jp"] = draw(st.booleans())
        chosen["jkp"] = chosen["jht"] and draw(st.booleans())
    wage = draw(st.one_of(st.integers(1, 1_000_000_000), st.integers(900_000, 25_000_000),
                          st.sampled_from([1_000_000, 5_000_000, 9_559_600, 20_700_000])))  # fmt: skip
    return {"segment": segment, **chosen, "wage": wage, "jkk_risk_class": draw(st.integers(1, 5)),
            "labour_intensive": draw(st.booleans())}  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.sampled_from(MONTHS), rows=st.lists(terms(), min_size=1, max_size=25))
def test_the_sql_bill_run_equals_calculate_frame(month, rows):
    frame = (
        pl.DataFrame(rows)
        .with_row_index("membership_id", offset=1)
        .with_columns(pl.col("membership_id").cast(pl.Int64))
    )
    expected = calculate_frame(
        frame.rename({"jkk_risk_class": "risk_class"}).with_columns(month=pl.lit(month.first_day)),
        RATES,
        carry=["membership_id"],
    )
    d = Dialect(connection.vendor)
    with connection.cursor() as cur:
        billing.load_prices(cur, d, RATES, month)
        billing.terms_table(cur, d)
        cur.executemany(
            f"INSERT INTO bill_terms (terms_id, membership_id, payer_id, segment, {', '.join(PROGRAMMES)}, wage, "
            "jkk_risk_class, labour_intensive) VALUES (%s, %s, 1, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(r["membership_id"], r["membership_id"], r["segment"], *[r[p] for p in PROGRAMMES], r["wage"],
              r["jkk_risk_class"], r["labour_intensive"]) for r in frame.iter_rows(named=True)],
        )  # fmt: skip
        if expected.errors.height:
            with pytest.raises(billing.BillingError) as refused:
                billing.price(cur, d, month)
            assert refused.value.error.code in set(expected.errors["code"])
            assert str(month) in refused.value.messages[0]
            return
        billing.price(cur, d, month)
        cur.execute(f"SELECT membership_id, {', '.join(billing.AMOUNTS)} FROM bill_calc ORDER BY membership_id")
        pivot = {r[0]: [int(x) for x in r[1:]] for r in cur.fetchall()}
    chosen = {r["membership_id"]: r for r in frame.iter_rows(named=True)}
    # one row per membership; per programme it has, the three parties' amounts (0 for the programmes it has not)
    got = sorted(
        (m, n, *amounts[n * 3 : n * 3 + 3])
        for m, amounts in pivot.items()
        for n, p in enumerate(PROGRAMMES)
        if chosen[m][p]
    )
    want = sorted(
        (m, PROGRAMMES.index(p), e, w, g)
        for m, p, e, w, g in expected.lines.select(
            "membership_id", pl.col("programme").cast(pl.Utf8), "employer", "worker", "government"
        ).iter_rows()
    )
    assert sorted(pivot) == sorted(chosen)
    assert got == want
    for m, amounts in pivot.items():
        assert all(amounts[n * 3 : n * 3 + 3] == [0, 0, 0] for n, p in enumerate(PROGRAMMES) if not chosen[m][p])


# --- through real memberships ------------------------------------------------------------------------------------


@pytest.fixture
def rates(db):
    load_rates(Actor.system("cli"))


def _enrol(world, site="A", *, wage, programmes, start, serial, segment="pu"):
    from sijaga.testing import make_nik

    s = world.sites[site]
    birth = dt.date(1985, 5, serial)
    return enrollment.enrol(
        world.users["coordinator"], payer_id=s.payer.pk, segment=segment, programmes=programmes, wage=wage,
        start_date=start,
        worker_data={"nik": make_nik(s.village.rsplit(".", 1)[0], birth, "P", 40 + serial),
                     "full_name": f"Peserta Tagihan {serial}", "birth_date": birth, "gender": "P",
                     "domicile_id": s.village, "category": "non_asn"},
    ).membership  # fmt: skip


def _line(membership, month):
    return BillLine.objects.get(membership=membership, month=month.first_day, revision=0)


def test_golden_pu_wage_5m_class_1(world, rates):
    m = _enrol(world, wage=5_000_000, programmes=["jkk", "jkm", "jht", "jp"], start=dt.date(2024, 1, 1), serial=1)
    result = billing.run_billing(world.users["coordinator"], Month(2024, 6), payer_id=m.payer_id)
    assert (result.bills, result.lines, result.adjustments) == (1, 1, 0)
    line = _line(m, Month(2024, 6))
    assert (line.jkk_employer, line.jkm_employer, line.jht_employer, line.jht_worker) == (12_000, 15_000, 185_000,
                                                                                          100_000)  # fmt: skip
    assert (line.jp_employer, line.jp_worker, line.employer, line.worker, line.total) == (100_000, 50_000, 312_000,
                                                                                          150_000, 462_000)  # fmt: skip
    assert line.rate_ids and all(part.isdigit() for part in line.rate_ids.split(","))
    bill = Bill.objects.get(payer=m.payer, month=dt.date(2024, 6, 1))
    assert (bill.total, bill.lines) == (462_000, 1)


def test_golden_a_wage_change_in_may_leaves_marchs_bill_unchanged(world, rates):
    coordinator = world.users["coordinator"]
    m = world.sites["A"].membership  # PU, Rp4,000,000, JKK + JKM + JHT, from January 2025
    march, may = Month(2025, 3), Month(2025, 5)
    billing.run_billing(coordinator, march, payer_id=m.payer_id)
    before = _line(m, march)
    assert before.total == 4_000_000 * (24 + 30 + 370 + 200) // 10_000  # 0.24 % + 0.30 % + 3.7 % + 2 %
    enrollment.change_terms(coordinator, m, {"wage": 6_000_000}, reason="Kenaikan upah Mei",
                            effective=may.first_day)  # fmt: skip
    again = billing.run_billing(coordinator, march, payer_id=m.payer_id)
    assert (again.lines, again.adjustments) == (0, 0)
    assert list(BillLine.objects.filter(membership=m, month=march.first_day)) == [before]
    assert Bill.objects.get(payer=m.payer, month=march.first_day).total == before.total
    billing.run_billing(coordinator, may, payer_id=m.payer_id)
    assert _line(m, may).total == 6_000_000 * 624 // 10_000


def test_a_back_dated_change_becomes_an_adjustment_line_and_reruns_change_nothing(world, rates):
    coordinator = world.users["coordinator"]
    m = _enrol(world, wage=3_000_000, programmes=["jkk", "jkm"], start=dt.date(2025, 1, 1), serial=2)
    march = Month(2025, 3)
    first = billing.run_billing(coordinator, march, payer_id=m.payer_id)
    assert first.lines == 2  # the world's membership and this one
    original = _line(m, march)
    enrollment.change_terms(coordinator, m, {"wage": 3_500_000, "jkk_risk_class": 2}, reason="Koreksi upah",
                            effective=dt.date(2025, 2, 1))  # fmt: skip
    result = billing.run_billing(coordinator, march, payer_id=m.payer_id)
    assert (result.lines, result.adjustments) == (0, 1)
    adjustment = BillLine.objects.get(membership=m, month=march.first_day, revision=1)
    assert adjustment.kind == "adjustment"
    assert adjustment.jkk_employer == 3_500_000 * 54 // 10_000 - original.jkk_employer  # class II: 0.54 %
    assert adjustment.jkm_employer == 3_500_000 * 30 // 10_000 - original.jkm_employer
    assert _line(m, march).total == original.total  # the original line is untouched
    bill = Bill.objects.get(payer=m.payer, month=march.first_day)
    assert bill.total == sum(BillLine.objects.filter(bill=bill).values_list("total", flat=True))
    count = BillLine.objects.count()
    assert billing.run_billing(coordinator, march, payer_id=m.payer_id).adjustments == 0
    assert BillLine.objects.count() == count


def test_a_month_without_a_rate_is_refused_naming_month_and_programme(world, rates):
    m = _enrol(world, wage=3_000_000, programmes=["jkk", "jkm"], start=dt.date(2014, 1, 1), serial=3)
    with pytest.raises(billing.BillingError) as refused:
        billing.run_billing(world.users["coordinator"], Month(2014, 6), payer_id=m.payer_id)
    message = refused.value.messages[0]
    assert "2014-06" in message and "JKK" in message
    assert not Bill.objects.exists() and not BillLine.objects.exists()


def test_billing_is_scoped(world, rates):
    with pytest.raises(PermissionDenied):
        billing.run_billing(world.users["regency_operator"], Month(2025, 3), payer_id=world.sites["B"].payer.pk)
    with pytest.raises(PermissionDenied):
        billing.run_billing(world.users["auditor"], Month(2025, 3), payer_id=world.sites["A"].payer.pk)
    result = billing.run_billing(world.users["regency_operator"], Month(2025, 3), region="64.71")
    assert result.bills == 1 and Bill.objects.get().payer == world.sites["A"].payer
