"""The budget pages end to end with Django's client: price, save, record with evidence, leave the list; exports of
the same query; scope (a foreign plan or allocation is 404) and read-only roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijaga.accounts.actor import Actor
from sijaga.budget import services
from sijaga.budget.models import BudgetAllocation, PlanVersion
from sijaga.budget.services import Target
from sijaga.contributions.services import load_rates

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def rates(world):
    load_rates(Actor.system("cli"))
    return world


def _form(**kw):
    data = {"region": "64.71", "year": "2027", "programmes": ["jkk", "jkm"], "rt_rw_people": "1200",
            "rt_rw_income": "1000000", "rt_rw_source": "apbd", "include_enrolled": "on", "hitung": "1"}  # fmt: skip
    data.update(kw)
    return data


def test_simulator_prices_the_hand_calculation(client, rates):
    client.force_login(rates.users["regency_operator"])
    page = client.get("/anggaran/simulasi/", _form()).content.decode()
    assert "Rp241.920.000" in page  # the targets alone (JKK + JKM, 1.200 × Rp16.800 × 12)
    assert "Rp244.915.200" in page  # + the enrolled member: 12 × Rp249.600
    assert "<svg" in page and "Januari 2027" in page


def test_a_year_without_rates_is_a_message_not_zero(client, rates):
    from sijaga.contributions.models import Rate

    Rate.objects.filter(segment="bpu", programme="jkk", kind="rate").update(valid_to=dt.date(2026, 12, 1))
    client.force_login(rates.users["regency_operator"])
    page = client.get("/anggaran/simulasi/", _form(include_enrolled="")).content.decode()
    assert "Tidak ada tarif JKK untuk segmen BPU yang berlaku pada bulan 2027-01" in page
    assert "Rp0" not in page


def test_save_record_and_leave_the_not_budgeted_list(client, rates):
    client.force_login(rates.users["regency_operator"])
    lists = client.get("/anggaran/daftar/?tahun=2027&daftar=belum").content.decode()
    assert "64.71" in lists
    response = client.post("/anggaran/simulasi/", _form(include_enrolled="", title="Rencana RT/RW"))
    version = PlanVersion.objects.get()
    assert response.status_code == 302 and version.total == 241_920_000
    assert client.get(f"/anggaran/rencana/{version.plan_id}/").status_code == 200
    form = {"region": "64.71", "year": "2027", "document_type": "perda_apbd", "document_number": "7 Tahun 2026",
            "document_date": "2026-12-15", "account_code": "5.1.02.99", "amount": "241920000",
            "plan_version": str(version.pk), "evidence": SimpleUploadedFile("perda.pdf", PDF)}  # fmt: skip
    response = client.post("/anggaran/alokasi/baru/", form)
    allocation = BudgetAllocation.objects.get()
    assert response.status_code == 302 and allocation.evidence_name == "perda.pdf"
    detail = client.get(f"/anggaran/alokasi/{allocation.pk}/").content.decode()
    assert "Rp241.920.000" in detail
    evidence = client.get(f"/anggaran/alokasi/{allocation.pk}/bukti")
    assert b"".join(evidence.streaming_content) == PDF and evidence["Content-Type"] == "application/pdf"
    lists = client.get("/anggaran/daftar/?tahun=2027&daftar=belum").content.decode()
    assert "<td>64.71</td>" not in lists and "<td>64.72</td>" not in lists  # the operator sees only their regency
    data = client.get("/anggaran/daftar.json?tahun=2027&daftar=semua").json()
    assert data["items"] == [
        {"code": "64.71", "name": "Kota Balikpapan", "level": 2, "need": 241_920_000, "allocated": 241_920_000,
         "own_allocated": 241_920_000, "village_allocated": 0, "villages_budgeted": 0, "realised": 0,
         "has_allocation": True, "below_need": False, "low_realisation": False}
    ]  # fmt: skip
    csv_text = client.get("/anggaran/daftar.csv?tahun=2027&daftar=semua").content.decode()
    assert csv_text.splitlines()[1].startswith("64.71,Kota Balikpapan,241920000,241920000")
    xlsx = client.get("/anggaran/daftar.xlsx?tahun=2027&daftar=semua")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    api = client.get("/api/budget/status?year=2027&list=belum").json()
    assert api["count"] == 0


def test_bad_evidence_is_refused_on_the_page(client, rates):
    client.force_login(rates.users["regency_operator"])
    form = {"region": "64.71", "year": "2027", "document_type": "perda_apbd", "document_number": "7",
            "document_date": "2026-12-15", "account_code": "5.1", "amount": "1000",
            "evidence": SimpleUploadedFile("perda.pdf", b"<html>not a pdf</html>")}  # fmt: skip
    page = client.post("/anggaran/alokasi/baru/", form).content.decode()
    assert "Bukti harus berkas PDF atau gambar" in page and not BudgetAllocation.objects.exists()
    form["evidence"] = SimpleUploadedFile("perda.pdf", PDF)
    form["amount"] = "-5"
    page = client.post("/anggaran/alokasi/baru/", form).content.decode()
    assert "Jumlah alokasi harus lebih dari Rp0" in page and not BudgetAllocation.objects.exists()


def _budget_objects(world):
    version = services.save_plan(world.users["coordinator"], region_code="65.01", year=2027, include_enrolled=False,
                                 targets=[Target("rt_rw", 10, 1_000_000, "apbd")])  # fmt: skip
    allocation = services.record_allocation(
        world.users["coordinator"], region_code="65.01", year=2027, document_type="perda_apbd", document_number="1",
        document_date=dt.date(2026, 12, 1), account_code="5", amount=1_000, evidence=SimpleUploadedFile("a.pdf", PDF),
    )  # fmt: skip
    return version.plan, allocation


@pytest.mark.parametrize("role", ["province_admin", "regency_operator", "village_operator", "bpjs_officer", "auditor"])
def test_foreign_plans_and_allocations_are_404(client, rates, role):
    plan, allocation = _budget_objects(rates)
    client.force_login(rates.users[role])
    for url in (f"/anggaran/rencana/{plan.pk}/", f"/anggaran/alokasi/{allocation.pk}/",
                f"/anggaran/alokasi/{allocation.pk}/bukti", f"/anggaran/simulasi/?rencana={plan.pk}"):  # fmt: skip
        assert client.get(url).status_code == 404, (role, url)
    assert client.post(f"/anggaran/alokasi/{allocation.pk}/tinjau/", {"decision": "verify"}).status_code == 404
    listed = client.get("/anggaran/daftar.json?tahun=2027&daftar=semua").json()
    assert not any(r["code"].startswith("65") for r in listed["items"])
    assert client.get("/api/budget/allocations/by-region?year=2027").json() == {}
    page = client.get("/anggaran/simulasi/", _form(region="65.01")).content.decode()
    assert "Rp" not in page.split('id="simulator"')[-1].split("</form>")[-1]  # nothing priced for a foreign region


def test_read_only_roles_cannot_record(client, rates):
    for role in ("auditor", "bpjs_officer"):
        client.force_login(rates.users[role])
        assert client.get("/anggaran/alokasi/baru/").status_code == 403
        response = client.post("/anggaran/simulasi/", _form(include_enrolled=""))
        assert response.status_code == 200 and not PlanVersion.objects.exists()
        assert client.get("/anggaran/daftar/?tahun=2027").status_code == 200


def test_coordinator_sees_the_nation_and_query_counts_are_flat(client, rates, django_assert_max_num_queries):
    client.force_login(rates.users["coordinator"])
    with CaptureQueriesContext(connection) as ctx:
        data = client.get("/anggaran/daftar.json?tahun=2027&daftar=belum").json()
    assert data["count"] >= 514 + 38 - 5  # every province and regency/city (the demo regions: all of them)
    assert len(ctx.captured_queries) <= 10
    with django_assert_max_num_queries(12):
        client.get("/anggaran/daftar/?tahun=2027&daftar=semua")
    with django_assert_max_num_queries(12):
        client.get("/anggaran/")


def test_lists_cost_the_same_queries_for_3_or_30_allocations(client, rates):
    from sijaga.regions.models import Region

    desa = Region.objects.filter(code__startswith="65.01.", level=4, kind="desa")
    villages = list(desa.values_list("code", flat=True)[:30])
    client.force_login(rates.users["coordinator"])

    def record(codes):
        for code in codes:
            services.record_allocation(
                rates.users["coordinator"], region_code=code, year=2027, document_type="apbdes",
                document_number=f"Perdes {code}", document_date=dt.date(2026, 12, 1), account_code="5.1",
                amount=5_000_000, require_evidence=False,
            )  # fmt: skip

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ["/anggaran/daftar/?tahun=2027&daftar=semua", "/anggaran/?tahun=2027", "/api/budget/status?year=2027"]
    record(villages[:3])
    few = [count(u) for u in urls]
    record(villages[3:])
    assert [count(u) for u in urls] == few
    row = next(r for r in client.get("/api/budget/status?year=2027").json()["items"] if r["code"] == "65.01")
    assert row["villages_budgeted"] == len(villages) and row["village_allocated"] == 5_000_000 * len(villages)
