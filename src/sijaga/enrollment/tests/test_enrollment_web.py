import datetime as dt
import json

import pytest

from sijaga.enrollment.models import Membership
from sijaga.registry.models import Worker
from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db

NIK = make_nik("64.71.05", dt.date(1995, 12, 4), "P", 55)


def form_data(world, **over):
    data = {
        "nik": f" {NIK} ",
        "full_name": "Siti Aminah",
        "birth_date": "1995-12-04",
        "gender": "P",
        "domicile": "64.71.05.1002",
        "phone": "081234567890",
        "category": "non_asn",
        "occupation": "",
        "payer": world.sites["A"].payer.pk,
        "segment": "pu",
        "programmes": ["jkk", "jkm", "jht"],
        "wage": "Rp 4.500.000",
        "start_date": "2026-01-01",
        "submission_key": "f0rm-key-1",
    }
    data.update(over)
    return data


def test_operator_enrols_through_the_form(client, world):
    client.force_login(world.users["regency_operator"])
    page = client.get("/kepesertaan/daftar/").content.decode()
    assert "Daftarkan tenaga kerja" in page and "Pemerintah Kota Balikpapan" in page
    assert "Pemerintah Kabupaten Bulungan" not in page
    response = client.post("/kepesertaan/daftar/", form_data(world))
    worker = Worker.objects.get(nik=NIK)
    assert response.status_code == 302 and response["Location"] == f"/pekerja/{worker.pk}/"
    membership = worker.memberships.get()
    assert membership.wage == 4_500_000 and membership.programmes == ["jkk", "jkm", "jht"]
    profile = client.get(response["Location"]).content.decode()
    assert "Siti Aminah" in profile and membership.number in profile and "Rp4.500.000" in profile
    assert "Terdaftar" in profile


def test_double_submitted_form_makes_one_membership(client, world):
    client.force_login(world.users["regency_operator"])
    first = client.post("/kepesertaan/daftar/", form_data(world))
    second = client.post("/kepesertaan/daftar/", form_data(world))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Membership.objects.filter(worker__nik=NIK).count() == 1


def test_duplicate_nik_form_points_to_existing_worker(client, world):
    client.force_login(world.users["regency_operator"])
    existing = world.sites["A"].worker
    page = client.post(
        "/kepesertaan/daftar/",
        form_data(world, nik=existing.nik, birth_date=str(existing.birth_date), gender="L", submission_key="other"),
    ).content.decode()
    assert "NIK ini sudah terdaftar" in page and f"/pekerja/{existing.pk}/" in page


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"birth_date": "1995-12-05"}, "tidak sama dengan tanggal lahir di NIK"),
        ({"gender": "L"}, "Jenis kelamin tidak sesuai NIK"),
        ({"segment": "bpu", "programmes": ["jkk", "jkm", "jp"]}, "JP hanya untuk peserta penerima upah"),
        ({"wage": "4.500.000,50"}, "Rupiah tidak memakai sen"),
        ({"wage": "empat juta"}, "Isi jumlah Rupiah dengan angka"),
        ({"nik": "64710544129500"}, "NIK harus 16 digit"),
    ],
)
def test_form_shows_clear_errors(client, world, over, message):
    client.force_login(world.users["regency_operator"])
    response = client.post("/kepesertaan/daftar/", form_data(world, **over))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Worker.objects.filter(nik=NIK).exists()


def test_live_nik_check_prefills_birth_date_and_gender(client, world):
    client.force_login(world.users["regency_operator"])
    html = client.get("/pekerja/cek-nik/", {"nik": NIK}, HTTP_HX_REQUEST="true").content.decode()
    assert "NIK valid" in html and "Balikpapan Selatan" in html
    assert 'value="1995-12-04"' in html and '<option value="P" selected>' in html
    bad = client.get("/pekerja/cek-nik/", {"nik": "6471057212950001"}).content.decode()
    assert 'data-code="birth_date_invalid"' in bad


def test_status_change_through_profile(client, world):
    m = world.sites["A"].membership
    client.force_login(world.users["bpjs_officer"])
    page = client.get(f"/pekerja/{m.worker_id}/").content.decode()
    assert "Ubah status" in page
    client.post(f"/kepesertaan/{m.pk}/status/", {"to_status": "active", "reason": "Iuran pertama masuk"})
    m.refresh_from_db()
    assert m.status == "active"
    response = client.post(f"/kepesertaan/{m.pk}/status/", {"to_status": "ended", "reason": "x"}, follow=True)
    assert "Pilih alasan berakhirnya kepesertaan" in response.content.decode()


def test_card_and_verification_pages(client, world):
    m = world.sites["A"].membership
    client.force_login(world.users["regency_operator"])
    pdf = client.get(f"/kepesertaan/{m.pk}/kartu.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.logout()
    page = client.get(f"/v/{m.verify_token}/")
    assert page.status_code == 200 and page["X-Robots-Tag"].startswith("noindex")
    html = page.content.decode()
    assert m.number in html and "Terdaftar" in html and m.worker.nik not in html
    assert client.get("/v/tebak-tebakan/").status_code == 404
    assert client.get(f"/api/verify/{m.verify_token}").json()["status"] == "registered"


def test_worker_list_filters_and_export(client, world):
    client.force_login(world.users["coordinator"])
    by_region = client.get("/pekerja/", {"region": "65"}).content.decode()
    assert "Pekerja Situs B" in by_region and "Pekerja Situs A" not in by_region
    by_status = client.get("/pekerja/", {"status": "active"}).content.decode()
    assert "0 tenaga kerja" in by_status
    export = client.get("/pekerja/ekspor.xlsx", {"category": "non_asn"})
    import io

    import polars as pl

    frame = pl.read_excel(io.BytesIO(b"".join(export.streaming_content)))
    assert frame.height == 3 and frame.columns[:2] == ["NIK", "Nama lengkap"]
    # the export carries the list's membership columns
    assert {"Nomor kepesertaan", "Status", "Pembayar iuran", "Mulai"} <= set(frame.columns)
    assert set(frame["Nomor kepesertaan"].cast(str)) == {s.membership.number for s in world.sites.values()}
    assert set(frame["NIK"].cast(str)) == {s.worker.nik for s in world.sites.values()}


def api_post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_api_enrolment_idempotency_and_errors(client, world):
    client.force_login(world.users["regency_operator"])
    body = {
        "worker": {"nik": NIK, "full_name": "Siti Aminah", "birth_date": "1995-12-04", "gender": "P",
                   "domicile_code": "64.71.05.1002", "category": "non_asn"},
        "payer_id": world.sites["A"].payer.pk, "segment": "pu", "programmes": ["jkk", "jkm"], "wage": 3_800_000,
        "start_date": "2026-02-01",
    }  # fmt: skip
    first = api_post(client, "/api/memberships/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = api_post(client, "/api/memberships/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    dup = api_post(client, "/api/memberships/", body, HTTP_IDEMPOTENCY_KEY="k-2")
    assert dup.status_code == 409 and dup.json()["existing_worker_id"] == first.json()["worker_id"]
    body["worker"]["nik"] = make_nik("64.71.05", dt.date(1980, 1, 1), "L", 9)
    body["worker"]["birth_date"] = "1980-01-01"
    body["worker"]["gender"] = "L"
    body["segment"], body["programmes"] = "bpu", ["jkk", "jkm", "jkp"]
    bad = api_post(client, "/api/memberships/", body)
    assert bad.status_code == 422 and "JKP hanya untuk" in json.dumps(bad.json(), ensure_ascii=False)
    status = api_post(client, f"/api/memberships/{first.json()['id']}/status", {"to_status": "active", "reason": "x"})
    assert status.status_code == 200 and status.json()["status"] == "active"
    assert [e["to_status"] for e in status.json()["events"]] == ["registered", "active"]


def test_api_worker_create_get_patch(client, world):
    client.force_login(world.users["regency_operator"])
    body = {"nik": NIK, "full_name": "Siti", "birth_date": "1995-12-04", "gender": "P",
            "domicile_code": "64.71.05.1002", "category": "non_asn"}  # fmt: skip
    created = api_post(client, "/api/workers/", body)
    assert created.status_code == 201
    wid = created.json()["id"]
    patched = client.patch(f"/api/workers/{wid}", data='{"full_name": "Siti Aminah"}', content_type="application/json")
    assert patched.json()["full_name"] == "Siti Aminah"
    check = client.get("/api/workers/nik-check", {"nik": NIK}).json()
    assert check["valid"] and check["registered"] and check["birth_date"] == "1995-12-04"
    mismatch = api_post(client, "/api/workers/", {**body, "nik": make_nik("64.71.05", dt.date(1995, 12, 4), "P", 56),
                                                  "gender": "L"})  # fmt: skip
    assert mismatch.status_code == 422 and "gender" in mismatch.json()["detail"]
