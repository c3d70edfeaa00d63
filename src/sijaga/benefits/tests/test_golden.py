"""Golden cases of issue 17 (figures: regulations.md; rules: data/*.toml, cited)."""

import datetime as dt

import pytest

from sijaga.accounts.actor import Actor
from sijaga.benefits import selectors, services
from sijaga.benefits.tests.conftest import heir

pytestmark = pytest.mark.django_db


def _district(world, site="A"):
    from sijaga.regions.models import Region

    return Region.objects.get(code=world.sites[site].village).parent_id


def test_jkm_death_after_four_years_with_two_school_children(world, rules, enrol):
    m = enrol(start=dt.date(2021, 6, 1))
    d = _district(world)
    case = services.record_case(
        world.users["regency_operator"], worker_id=m.worker_id, event_type="death", event_date=dt.date(2025, 8, 10),
        cause="Sakit jantung", place="RSUD Balikpapan",
        heirs=[heir(d, "spouse", 71, born=dt.date(1988, 2, 2)), heir(d, "child", 72, level="tk_sd"),
               heir(d, "child", 73, level="smp", born=dt.date(2011, 3, 3))],
    )  # fmt: skip
    assert case.eligibility == "covered" and case.liable == "bpjs" and case.employer_owes == 0
    assert case.contribution_months == 50  # June 2021 → August 2025
    assert case.entitlement == 42_000_000  # Rp20M + Rp12M + Rp10M
    assert case.detail["parts"] == {"lump_sum": 20_000_000, "periodic": 12_000_000, "funeral": 10_000_000}
    assert case.detail["scholarship_year_one"] == 1_500_000 + 2_000_000  # SD + SMP, one year each
    # SD child: 8×1.5M + 3×2M + 3×3M + 5×12M = 87M; SMP child: 6M + 9M + 60M = 75M; under the Rp174M cap
    assert case.scholarship_max == 162_000_000
    assert "scholarship.tk_sd.per_year" in case.detail["unverified"]
    m.refresh_from_db()
    assert (m.status, m.end_reason, m.end_date) == ("ended", "death", dt.date(2025, 8, 10))
    assert case.events.count() == 1


def test_scholarship_needs_three_years(world, rules, enrol):
    m = enrol(start=dt.date(2024, 1, 1))
    case = services.record_case(
        world.users["regency_operator"], worker_id=m.worker_id, event_type="death", event_date=dt.date(2025, 8, 10),
        cause="Sakit", heirs=[heir(_district(world), "child", 74, level="sma")],
    )  # fmt: skip
    assert case.contribution_months == 19 and case.scholarship_max == 0 and case.entitlement == 42_000_000


def test_work_accident_death_is_48_times_the_wage(world, rules, enrol):
    m = enrol(start=dt.date(2024, 1, 1), wage=4_500_000)
    case = services.record_case(
        world.users["regency_operator"], worker_id=m.worker_id, event_type="work_accident", outcome="death",
        event_date=dt.date(2025, 3, 4), cause="Tertimpa pohon saat bertugas", place="Jalan poros",
    )  # fmt: skip
    assert case.entitlement == 216_000_000
    assert case.wage == 4_500_000 and case.liable == "bpjs"


def test_company_that_never_registered_owes_the_full_jkm(world, rules):
    """PP 44/2015 Pasal 59 ayat (1): an employer other than a state organiser pays the worker's rights itself."""
    from sijaga.enrollment.services import create_payer
    from sijaga.registry.services import create_worker
    from sijaga.testing import make_nik

    site = world.sites["A"]
    company = create_payer(world.users["coordinator"], {"code": "pt-bumi", "name": "PT Bumi Etam", "kind": "badan_usaha",
                                                        "region_id": site.regency, "funding_source": "mandiri"})  # fmt: skip
    worker = create_worker(world.users["regency_operator"], {
        "nik": make_nik(_district(world), dt.date(1990, 1, 1), "L", 81), "full_name": "Pekerja Tak Terdaftar",
        "birth_date": dt.date(1990, 1, 1), "gender": "L", "domicile_id": site.village, "category": "non_asn"})  # fmt: skip
    case = services.record_case(
        world.users["regency_operator"], worker_id=worker.pk, payer_id=company.pk, event_type="death",
        event_date=dt.date(2025, 5, 1), cause="Sakit",
    )  # fmt: skip
    assert case.eligibility == "not_registered" and case.liable == "employer"
    assert case.employer_owes == 42_000_000
    assert case.rule_key == "not_registered.non_state" and "Pasal 59 ayat (1)" in case.rule_citation
    assert case.rule_verified is False
    assert selectors.exposure_by_region(Actor.system()) == {"64.71": 42_000_000}
