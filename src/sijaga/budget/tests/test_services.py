"""Plans, allocations and the figures the compliance app reads, through the services with the world's users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sijaga.accounts.actor import Actor
from sijaga.budget import pricing, selectors, services
from sijaga.budget.models import BudgetEvent, PlanVersion
from sijaga.budget.services import Target
from sijaga.contributions.services import load_rates
from sijaga.testing import PASSWORD

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def rates(world):
    load_rates(Actor.system("cli"))
    return world


def _pdf(name="perda.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _record(user, region="64.71", **kw):
    data = dict(
        region_code=region,
        year=2027,
        document_type="perda_apbd",
        document_number="5 Tahun 2026",
        document_date=dt.date(2026, 12, 20),
        account_code="5.1.02.01",
        amount=300_000_000,
        evidence=_pdf(),
    )
    data.update(kw)
    return services.record_allocation(user, **data)  # fmt: skip


def test_simulate_prices_enrolled_plus_targets(rates):
    op = rates.users["regency_operator"]
    estimate = services.simulate(op, region_code="64.71", year=2027,
                                 targets=[Target("rt_rw", 1_200, 1_000_000, "apbd")])  # fmt: skip
    enrolled = [line for line in estimate.lines if line.enrolled]
    assert [(ln.category, ln.people) for ln in enrolled] == [("non_asn", 1)]
    # the world's member: PU Rp4,000,000, JKK + JKM + JHT (0.24 + 0.30 + 5.7 %) = Rp249,600 a month
    assert enrolled[0].year_total == 249_600 * 12
    assert estimate.total == 249_600 * 12 + 241_920_000


def test_plan_versions_and_adoption_keep_the_adopted_version(rates):
    op = rates.users["regency_operator"]
    v1 = services.save_plan(op, region_code="64.71", year=2027, targets=[Target("rt_rw", 100, 1_000_000, "apbd")],
                            include_enrolled=False)  # fmt: skip
    assert v1.total == 100 * 201_600 and v1.number == 1
    allocation = _record(op, amount=v1.total, plan_version_id=v1.pk)
    v1.refresh_from_db()
    assert v1.adopted and allocation.plan_version_id == v1.pk
    v2 = services.save_plan(op, region_code="64.71", year=2027, targets=[Target("rt_rw", 500, 1_000_000, "apbd")],
                            include_enrolled=False, plan_id=v1.plan_id)  # fmt: skip
    assert v2.number == 2 and not v2.adopted
    again = PlanVersion.objects.get(pk=v1.pk)
    assert again.total == 20_160_000 and again.inputs["targets"][0]["people"] == 100 and again.adopted
    kinds = list(BudgetEvent.objects.filter(plan=v1.plan).values_list("kind", flat=True))
    assert kinds == ["plan_saved", "plan_adopted", "plan_saved"]
    # the adopted version is the need; a later draft does not replace it
    assert selectors.need_by_region(op, 2027) == {"64.71": 20_160_000}


def test_allocations_by_region_and_not_budgeted(rates):
    op, coordinator = rates.users["regency_operator"], rates.users["coordinator"]
    admin = rates.users["province_admin"]
    assert "64.71" in {r.code for r in selectors.not_budgeted(coordinator, 2027)}
    _record(op)
    assert selectors.allocations_by_region(op, 2027) == {"64.71": 300_000_000}
    # a revised budget (later document) replaces the first
    _record(op, document_type="perkada_penjabaran", document_number="12/2027", document_date=dt.date(2027, 1, 5),
            amount=350_000_000)  # fmt: skip
    assert selectors.allocations_by_region(coordinator, 2027) == {"64.71": 350_000_000}
    assert selectors.allocations_by_region(rates.users["auditor"], 2027) == {"64.71": 350_000_000}
    assert "64.71" not in {r.code for r in selectors.not_budgeted(coordinator, 2027)}
    listed = {r.code for r in selectors.not_budgeted(admin, 2027)}
    assert "64.72" in listed and "64" in listed and not any(c.startswith("65") for c in listed)
    status = {r.code: r for r in selectors.budget_status(admin, 2027, parent="64")}
    assert status["64.71"].allocated == 350_000_000 and status["64.71"].has_allocation
    assert status["64.71"].need is None and not status["64.71"].below_need
    assert set(status) == {"64"} | {c for c in status if c.startswith("64.")}
    # other provinces see nothing of it
    other = services.as_actor(coordinator)  # national
    assert selectors.budget_status(other, 2027, parent="65")[0].code == "65"
    assert selectors.budget_status(rates.users["village_operator"], 2027) == []


def test_village_apbdes_is_counted_with_its_regency(rates):
    from sijaga.accounts.services import create_user
    from sijaga.regions.models import Region

    village = Region.objects.filter(code__startswith="65.01.", level=4, kind="desa").order_by("code").first().code
    village_op = create_user("op.desa.bulungan", PASSWORD, role="village_operator", region_codes=[village])
    _record(village_op, region=village, document_type="apbdes", document_number="Perdes 1/2027", amount=12_000_000)
    row = {r.code: r for r in selectors.budget_status(rates.users["coordinator"], 2027, parent="65")}["65.01"]
    assert (row.allocated, row.own_allocated, row.village_allocated, row.villages_budgeted) == (
        12_000_000, 0, 12_000_000, 1,
    )  # fmt: skip
    assert not row.has_allocation  # the Pemda itself has not budgeted
    with pytest.raises(PermissionDenied):  # a village operator records only their village's APBDes
        _record(village_op, region="65.01")
    with pytest.raises(ValidationError, match="Kelurahan"):  # a kelurahan has no village budget
        _record(rates.users["regency_operator"], region=rates.sites["A"].village, document_type="apbdes")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"evidence": None}, "evidence"),
        ({"document_number": "  "}, "document_number"),
        ({"document_date": None}, "document_date"),
        ({"amount": -5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": 10**14}, "amount"),
        ({"account_code": ""}, "account_code"),
        ({"document_type": "apbdes"}, "document_type"),
        ({"evidence": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")}, "evidence"),
        ({"evidence": SimpleUploadedFile("x.pdf", b"")}, "evidence"),
    ],
)
def test_bad_allocations_are_refused(rates, change, field):
    with pytest.raises(ValidationError) as caught:
        _record(rates.users["regency_operator"], **change)
    assert field in caught.value.message_dict
    assert not selectors.allocations_by_region(rates.users["coordinator"], 2027)


def test_evidence_over_20_mb_is_refused(rates):
    big = SimpleUploadedFile("besar.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError, match="20 MB"):
        _record(rates.users["regency_operator"], evidence=big)


def test_evidence_is_stored_privately_with_a_neutral_name(rates):
    allocation = _record(rates.users["regency_operator"], evidence=_pdf("../../<b>Perda</b>.exe.pdf"))
    fh, name, kind = services.open_evidence(rates.users["regency_operator"], allocation)
    with fh:
        assert fh.read() == PDF
    assert name == "Perda_b_.exe.pdf" or ("/" not in name and "<" not in name)
    assert kind == "application/pdf"
    import os
    import stat

    assert stat.S_IMODE(os.stat(allocation.evidence_path).st_mode) == 0o600


def test_who_may_write_and_verify(rates):
    u = rates.users
    for role in ("auditor", "bpjs_officer"):
        with pytest.raises(PermissionDenied):
            _record(u[role])
    with pytest.raises(PermissionDenied):  # a foreign region
        _record(u["regency_operator"], region="65.01")
    allocation = _record(u["regency_operator"])
    with pytest.raises(PermissionDenied):  # not by who entered it
        services.review_allocation(u["regency_operator"], allocation, approve=True)
    with pytest.raises(ValidationError):
        services.review_allocation(u["province_admin"], allocation, approve=False)
    verified = services.review_allocation(u["province_admin"], allocation, approve=True)
    assert verified.status == "verified" and verified.verified_by == u["province_admin"]
    kinds = list(BudgetEvent.objects.filter(allocation=allocation).values_list("kind", flat=True))
    assert kinds == ["entered", "verified"]


def test_a_year_without_rates_is_a_clear_message(rates):
    from sijaga.budget.tests.test_pricing import JULY_CHANGE

    with pytest.raises(pricing.PricingError, match="2033-01"):
        services.simulate(rates.users["coordinator"], region_code="64.71", year=2033, include_enrolled=False,
                          targets=[Target("rt_rw", 1, 1_000_000, "apbd")], rates=JULY_CHANGE)  # fmt: skip
