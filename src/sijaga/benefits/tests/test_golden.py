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
        world.users["regency_operator"],
        worker_id=m.worker_id,
        event_type="death",
        event_date=dt.date(2025, 8, 10),
        cause="Sakit jantung",
        place="RSUD Balikpapan",
        heirs=[
            heir(d, "spouse", 71, born=dt.date(1988, 2, 2)),
            heir(d, "child", 72, level="tk_sd"),
            heir(d, "child", 73, level="smp", born=dt.date(2011, 3, 3)),
        ],
    )
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
        world.users["regency_operator"],
        worker_id=m.worker_id,
        event_type="death",
        event_date=dt.date(2025, 8, 10),
        cause="Sakit",
        heirs=[heir(_district(world), "child", 74, level="sma")],
    )
    assert case.contribution_months == 19 and case.scholarship_max == 0 and case.entitlement == 42_000_000


def test_work_accident_death_is_48_times_the_wage(world, rules, enrol):
    m = enrol(start=dt.date(2024, 1, 1), wage=4_500_000)
    case = services.record_case(
        world.users["regency_operator"],
        worker_id=m.worker_id,
        event_type="work_accident",
        outcome="death",
        event_date=dt.date(2025, 3, 4),
        cause="Tertimpa pohon saat bertugas",
        place="Jalan poros",
    )
    assert case.entitlement == 216_000_000
    assert case.wage == 4_500_000 and case.liable == "bpjs"


def test_company_that_never_registered_owes_the_full_jkm(world, rules):
    """PP 44/2015 Pasal 59 ayat (1): an employer other than a state organiser pays the worker's rights itself."""
    from sijaga.enrollment.services import create_payer
    from sijaga.registry.services import create_worker
    from sijaga.testing import make_nik

    site = world.sites["A"]
    company = create_payer(
        world.users["coordinator"],
        {
            "code": "pt-bumi",
            "name": "PT Bumi Etam",
            "kind": "badan_usaha",
            "region_id": site.regency,
            "funding_source": "mandiri",
        },
    )
    worker = create_worker(
        world.users["regency_operator"],
        {
            "nik": make_nik(_district(world), dt.date(1990, 1, 1), "L", 81),
            "full_name": "Pekerja Tak Terdaftar",
            "birth_date": dt.date(1990, 1, 1),
            "gender": "L",
            "domicile_id": site.village,
            "category": "non_asn",
        },
    )
    case = services.record_case(
        world.users["regency_operator"],
        worker_id=worker.pk,
        payer_id=company.pk,
        event_type="death",
        event_date=dt.date(2025, 5, 1),
        cause="Sakit",
    )
    assert case.eligibility == "not_registered" and case.liable == "employer"
    assert case.employer_owes == 42_000_000
    assert case.rule_key == "not_registered.non_state" and "Pasal 59 ayat (1)" in case.rule_citation
    assert case.rule_verified is False
    assert selectors.exposure_by_region(Actor.system()) == {"64.71": 42_000_000}


def _bill(world, payer, months=("2025-01", "2025-02", "2025-03")):
    from sijaga.contributions.billing import run_billing
    from sijaga.contributions.services import load_rates
    from sijaga.core.periods import Month

    load_rates(Actor.system("cli"))
    for month in months:
        run_billing(world.users["coordinator"], Month.parse(month), payer_id=payer.pk)


def _lines_total(membership):
    from django.db.models import Sum

    from sijaga.contributions.models import BillLine

    return BillLine.objects.filter(membership=membership).aggregate(s=Sum("total"))["s"]


def test_pemda_that_never_registered_is_exposed_to_the_full_jkm_unverified(world, rules):
    """liability.toml `not_registered.state`: PP 44/2015 Pasal 59 names only employers other than state organisers;
    no article putting the benefit on a Pemda was found, so the full benefit is shown as exposure, unverified."""
    from sijaga.registry.services import create_worker
    from sijaga.testing import make_nik

    site = world.sites["A"]
    worker = create_worker(
        world.users["regency_operator"],
        {"nik": make_nik(_district(world), dt.date(1991, 1, 1), "P", 82), "full_name": "Honorer Tak Terdaftar",
         "birth_date": dt.date(1991, 1, 1), "gender": "P", "domicile_id": site.village, "category": "non_asn"},
    )  # fmt: skip
    case = services.record_case(
        world.users["regency_operator"], worker_id=worker.pk, payer_id=site.payer.pk, event_type="death",
        event_date=dt.date(2025, 5, 1), cause="Sakit",
    )  # fmt: skip
    assert (case.eligibility, case.liable, case.employer_owes) == ("not_registered", "employer", 42_000_000)
    assert case.rule_key == "not_registered.state" and "Pasal 59" in case.rule_citation
    assert case.rule_verified is False


def test_pemda_death_three_months_in_arrears_then_back_dated_payment_rejudges(
    world, rules, django_capture_on_commit_callbacks
):
    """liability.toml `arrears.state` (PP 44/2015 jo. PP 82/2019 Pasal 59 ayat (3)): a state organiser in arrears —
    BPJS pays the JKM; the Pemda owes the three months of contributions, without the PP 86/2013 fine."""
    from sijaga.contributions.payments import record_payment

    site = world.sites["A"]
    _bill(world, site.payer)
    owed = _lines_total(site.membership)
    case = services.record_case(
        world.users["regency_operator"], worker_id=site.worker.pk, event_type="death",
        event_date=dt.date(2025, 4, 10), cause="Kecelakaan lalu lintas (bukan kerja)",
    )  # fmt: skip
    assert (case.eligibility, case.arrears_months, case.arrears_amount) == ("arrears", 3, owed)
    assert (case.liable, case.employer_owes, case.rule_key) == ("bpjs", owed, "arrears.state")
    assert "Pasal 59 ayat (3)" in case.rule_citation and case.entitlement == 42_000_000
    # the payment made on 5 April (before the death) is recorded only now: the case is judged again
    with django_capture_on_commit_callbacks(execute=True):
        record_payment(world.users["coordinator"], payer_id=site.payer.pk, amount=owed, paid_on=dt.date(2025, 4, 5),
                       reference="SP2D-0405")  # fmt: skip
    case.refresh_from_db()
    assert (case.eligibility, case.arrears_months, case.employer_owes, case.liable) == ("covered", 0, 0, "bpjs")
    assert case.events.filter(kind="judged").count() == 1


def test_company_death_three_months_in_arrears_owes_arrears_and_fine(world, rules, enrol):
    """liability.toml `arrears.non_state.pu` (PP 44/2015 jo. PP 82/2019 Pasal 59 ayat (3) jo. PP 86/2013 Pasal 5):
    BPJS pays; the company owes the arrears and 2% a month."""
    from sijaga.enrollment.services import create_payer

    site = world.sites["A"]
    company = create_payer(
        world.users["coordinator"],
        {"code": "bumd-air", "name": "Perumda Air Minum", "kind": "badan_usaha", "region_id": site.regency,
         "funding_source": "mandiri"},
    )  # fmt: skip
    m = enrol(start=dt.date(2025, 1, 1), payer=company, serial=90)
    _bill(world, company)
    owed = _lines_total(m)
    case = services.record_case(
        world.users["regency_operator"], worker_id=m.worker_id, event_type="death", event_date=dt.date(2025, 4, 10),
        cause="Sakit",
    )  # fmt: skip
    assert (case.arrears_months, case.rule_key, case.liable) == (3, "arrears.non_state.pu", "bpjs")
    assert case.employer_owes == owed + owed * 200 * 3 // 10_000


def test_a_back_dated_payment_in_a_bulk_file_rejudges_too(world, rules, tmp_path, django_capture_on_commit_callbacks):
    """The same back-dated payment, arriving in a BPJS/bank payment file (set-based, no model save per payment):
    the import sends `payments_allocated` like the page does, and the case is judged again once committed."""
    from sijaga.imports import services as imports

    site = world.sites["A"]
    _bill(world, site.payer)
    owed = _lines_total(site.membership)
    case = services.record_case(
        world.users["regency_operator"], worker_id=site.worker.pk, event_type="death",
        event_date=dt.date(2025, 4, 10), cause="Sakit",
    )  # fmt: skip
    assert (case.eligibility, case.liable, case.employer_owes) == ("arrears", "bpjs", owed)
    path = tmp_path / "bayar.csv"
    path.write_text("Nomor KPJ;NIK;Periode;Jumlah;Tanggal Bayar;Referensi\n"
                    f";{site.worker.nik};2025-01;{owed};05/04/2025;SP2D-0405\n", encoding="utf-8")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.import_file(path, payer_code=site.payer.code, user=world.users["regency_operator"],
                                    kind="pembayaran")  # fmt: skip
    assert batch.status == "imported" and batch.created == 1
    case.refresh_from_db()
    assert (case.eligibility, case.arrears_months, case.employer_owes) == ("covered", 0, 0)
    assert case.events.filter(kind="judged", reason__icontains="pembayaran").count() == 1
