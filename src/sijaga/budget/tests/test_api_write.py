"""The budget writes through the API, as a regional finance system would call them: price, save plan versions,
record an allocation with its evidence, verify it — same services, same rules as the pages."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sijaga.accounts.actor import Actor
from sijaga.budget import selectors
from sijaga.budget.models import BudgetAllocation, BudgetEvent, PlanVersion
from sijaga.contributions.services import load_rates

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# 1,200 RT/RW heads at Rp1.000.000 declared income, JKK + JKM: Rp16.800 a month each (the worked example)
RT_RW = {"category": "rt_rw", "people": 1200, "income": 1_000_000, "source": "apbd", "segment": "bpu"}


@pytest.fixture
def rates(world):
    load_rates(Actor.system("cli"))
    return world


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _allocation_form(**kw):
    form = {"region": "64.71", "year": "2027", "document_type": "perda_apbd", "document_number": "5 Tahun 2026",
            "document_date": "2026-12-20", "account_code": "5.1.02.01", "amount": "241920000",
            "evidence": SimpleUploadedFile("perda.pdf", PDF, content_type="application/pdf")}  # fmt: skip
    form.update(kw)
    return form


def test_price_plan_record_and_verify_through_the_api(client, rates):
    world = rates
    client.force_login(world.users["regency_operator"])
    body = {"region": "64.71", "year": 2027, "programmes": ["jkk", "jkm"], "include_enrolled": False,
            "targets": [RT_RW]}  # fmt: skip
    priced = _post(client, "/api/budget/price", body)
    assert priced.status_code == 200, priced.content
    assert priced.json()["total"] == 16_800 * 12 * 1200 == 241_920_000
    assert [m["amount"] for m in priced.json()["months"]] == [16_800 * 1200] * 12
    assert not PlanVersion.objects.exists()  # pricing stores nothing

    saved = _post(client, "/api/budget/plans", body | {"title": "Iuran RT/RW 2027"})
    assert saved.status_code == 201 and saved.json()["version"] == 1 and saved.json()["total"] == 241_920_000
    plan_id = saved.json()["plan_id"]
    again = _post(client, "/api/budget/plans", body | {"plan_id": plan_id, "targets": [RT_RW | {"people": 1300}]})
    assert again.status_code == 201 and again.json()["version"] == 2 and again.json()["plan_id"] == plan_id
    first = PlanVersion.objects.get(plan_id=plan_id, number=1)
    assert first.total == 241_920_000  # an earlier version never changes

    recorded = client.post("/api/budget/allocations", _allocation_form(plan_version=str(first.pk)))
    assert recorded.status_code == 201, recorded.content
    out = recorded.json()
    assert (out["status"], out["source"], out["entered_by"], out["plan_version"]) == (
        "entered", "api", "op.balikpapan", first.pk)  # fmt: skip
    first.refresh_from_db()
    assert first.adopted
    # the one who entered it may not verify it; someone else in scope may
    own = _post(client, f"/api/budget/allocations/{out['id']}/review", {"approve": True})
    assert own.status_code == 403
    client.force_login(world.users["province_admin"])
    verified = _post(client, f"/api/budget/allocations/{out['id']}/review", {"approve": True})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert verified.json()["verified_by"] == "admin.kaltim"
    assert client.get(f"/api/budget/allocations/{out['id']}").json()["status"] == "verified"
    assert selectors.allocations_by_region(Actor.of(world.users["province_admin"]), 2027)["64.71"] == 241_920_000
    kinds = list(BudgetEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["plan_saved", "plan_saved", "entered", "plan_adopted", "verified"]


def test_bad_writes_are_422_with_reasons_never_500(client, rates):
    world = rates
    client.force_login(world.users["regency_operator"])
    # the sourced data has no JP wage cap after February 2025: a year with JP cannot be priced, and says where
    staff = {"category": "non_asn", "people": 10, "income": 5_000_000, "source": "apbd", "segment": "pu"}
    no_cap = _post(
        client,
        "/api/budget/price",
        {
            "region": "64.71",
            "year": 2026,
            "include_enrolled": False,
            "programmes": ["jkk", "jkm", "jht", "jp"],
            "targets": [staff],
        },
    )
    assert no_cap.status_code == 422, no_cap.content
    assert "2026" in no_cap.json()["detail"] and "JP" in no_cap.json()["detail"].upper()
    unknown = _post(client, "/api/budget/price", {"region": "64.71", "year": 2027, "targets": [RT_RW | {
        "category": "astronot"}]})  # fmt: skip
    assert unknown.status_code == 422
    not_pdf = client.post(
        "/api/budget/allocations",
        _allocation_form(
            evidence=SimpleUploadedFile("perda.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        ),
    )
    assert not_pdf.status_code == 422
    assert not BudgetAllocation.objects.exists()
    reject_without_reason = client.post("/api/budget/allocations", _allocation_form())
    client.force_login(world.users["province_admin"])
    allocation_id = reject_without_reason.json()["id"]
    refused = _post(client, f"/api/budget/allocations/{allocation_id}/review", {"approve": False})
    assert refused.status_code == 422
    assert BudgetAllocation.objects.get(pk=allocation_id).status == "entered"


@pytest.mark.parametrize("role", ["auditor", "bpjs_officer"])
def test_read_only_roles_cannot_write_budgets(client, rates, role):
    client.force_login(rates.users[role])
    body = {"region": "64.71", "year": 2027, "targets": [RT_RW]}
    assert _post(client, "/api/budget/price", body).status_code == 403
    assert _post(client, "/api/budget/plans", body).status_code == 403
    assert client.post("/api/budget/allocations", _allocation_form()).status_code == 403
    assert not BudgetAllocation.objects.exists()
