"""Pages, exports and API of the benefits app."""

import datetime as dt
import io
import json

import pytest

from sijaga.benefits.models import BenefitCase
from sijaga.benefits.tests.conftest import heir

pytestmark = pytest.mark.django_db


def _district(world, site="A"):
    from sijaga.regions.models import Region

    return Region.objects.get(code=world.sites[site].village).parent_id


def _form(world, **extra):
    d = _district(world)
    data = {"event_type": "death", "event_date": "2025-06-01", "cause": "Sakit", "place": "Rumah"}
    for i, h in enumerate([heir(d, "spouse", 61, born=dt.date(1988, 1, 1)), heir(d, "child", 62, level="tk_sd")]):
        data |= {f"heir-{i}-{k}": v for k, v in h.items()}
    return data | extra


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def test_record_a_death_with_heirs_and_a_document_then_claim_steps(client, world, rules, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VAR_DIR = tmp_path
    site = world.sites["A"]
    client.force_login(world.users["regency_operator"])
    assert "Catat kematian" in client.get(f"/pekerja/{site.worker.pk}/").content.decode()
    data = _form(world, document=SimpleUploadedFile("akta kematian.pdf", PDF, content_type="application/pdf"))
    r = client.post(f"/manfaat/catat/{site.worker.pk}/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    case = BenefitCase.objects.get()
    page = client.get(r["Location"]).content.decode()
    assert "42.000.000" in page and "Ahli Waris 61" in page and "akta_kematian.pdf" in page
    assert client.post(f"/manfaat/{case.pk}/klaim/", {"action": "submit", "on": "2025-06-03",
                                                      "claim_number": "KLM-9"}).status_code == 302  # fmt: skip
    client.post(f"/manfaat/{case.pk}/klaim/", {"action": "pay", "on": "2025-06-20", "amount": "42.000.000",
                                               "paid_to": "Istri"})  # fmt: skip
    case.refresh_from_db()
    assert (case.status, case.paid_amount, case.days_to_payment, case.overpaid) == ("paid", 42_000_000, 19, False)
    r = client.get("/manfaat/dibayar/?semester=2025-S1")
    assert "42.000.000" in r.content.decode()
    assert client.get("/manfaat/dibayar.json?semester=2025-S1").json()["items"] == [
        {"region": "64.71", "name": r.context["rows"][0][1], "cases": 1, "amount": 42_000_000}
    ]
    csv_text = client.get("/manfaat/dibayar.csv?semester=2025-S1").content.decode()
    assert "64.71" in csv_text and "42000000" in csv_text
    import polars as pl

    xlsx = pl.read_excel(io.BytesIO(b"".join(client.get("/manfaat/kasus.xlsx").streaming_content)))
    assert xlsx.height == 1 and xlsx["Nomor kasus"][0] == case.number
    assert client.get("/manfaat/kasus.json?status=paid").json()["count"] == 1
    assert client.get("/manfaat/kasus.exe").status_code == 404
    # the payer page shows the panel; an auditor sees heirs' NIKs masked and no account
    assert "benefit-exposure" in client.get(f"/kepesertaan/pembayar/{site.payer.pk}/").content.decode()
    client.force_login(world.users["auditor"])
    page = client.get(f"/manfaat/{case.pk}/").content.decode()
    nik = case.heirs.first().nik
    assert nik not in page and f"{nik[:6]}******{nik[-4:]}" in page and "0012300061" not in page


def test_bad_heir_nik_shows_the_error_and_records_nothing(client, world, rules):
    client.force_login(world.users["regency_operator"])
    r = client.post(f"/manfaat/catat/{world.sites['A'].worker.pk}/", _form(world, **{"heir-0-nik": "123"}))
    assert r.status_code == 200 and "NIK" in r.content.decode() and not BenefitCase.objects.exists()


def test_api_create_duplicate_claim_and_sums(client, world, rules):
    client.force_login(world.users["regency_operator"])
    body = {"worker_id": world.sites["A"].worker.pk, "event_type": "work_accident", "outcome": "death",
            "event_date": "2025-03-04", "cause": "Jatuh dari tangga kantor"}  # fmt: skip
    r = client.post("/api/benefits/cases/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["entitlement"] == 48 * 4_000_000
    r = client.post("/api/benefits/cases/", json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and "sudah dicatat" in r.content.decode()
    case_id = BenefitCase.objects.get().pk
    r = client.post(f"/api/benefits/cases/{case_id}/claim", json.dumps({"action": "pay", "on": "2025-04-01",
                    "amount": 200_000_000, "paid_to": "Ahli waris"}), content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json()["overpaid"] is True
    assert client.get("/api/benefits/paid?start=2025-01-01&end=2025-06-30").json() == [
        {"region": "64.71", "cases": 1, "amount": 200_000_000}
    ]
    assert client.get("/api/benefits/exposure").json() == []
    assert client.get("/api/benefits/cases/?status=open").json()["count"] == 0
    rules_json = client.get("/api/benefits/rules/").json()
    assert any(f["key"] == "jkm.lump_sum" and f["verified"] is False for f in rules_json["figures"])


def test_region_page_panel_only_for_users_in_scope(client, world, rules):
    from sijaga.benefits import services

    services.record_case(world.users["regency_operator"], worker_id=world.sites["A"].worker.pk,
                         payer_id=world.sites["A"].payer.pk, event_type="death", event_date=dt.date(2025, 6, 1),
                         cause="x")  # fmt: skip
    assert "region-benefits" not in client.get("/wilayah/64.71/").content.decode()
    client.force_login(world.users["regency_operator"])
    assert "region-benefits" in client.get("/wilayah/64.71/").content.decode()
    client.force_login(world.users["province_admin"])
    assert "region-benefits" not in client.get("/wilayah/65.01/").content.decode()
