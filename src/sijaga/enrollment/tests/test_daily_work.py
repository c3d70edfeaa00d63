"""Daily-work fixes of the structure issue: kelurahan operators, double funding, terms history, payer pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from sijaga.accounts.actor import Actor
from sijaga.enrollment import services
from sijaga.enrollment.models import EventKind, MembershipEvent, Payer
from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db


def _new_worker(world, serial: int, village: str | None = None) -> dict:
    birth = dt.date(1988, 5, 5)
    return {
        "nik": make_nik("64.71.01", birth, "L", serial),
        "full_name": f"Warga {serial}",
        "birth_date": birth,
        "gender": "L",
        "domicile_id": village or world.sites["A"].village,
        "category": "rt_rw",
    }


def test_kelurahan_operator_enrols_under_the_city_payer(world):
    from sijaga.regions.models import Region

    site = world.sites["A"]
    assert Region.objects.get(code=site.village).kind == "kelurahan"  # Balikpapan is a city: no village government
    operator = Actor.of(world.users["village_operator"])
    assert site.payer in services.usable_payers(operator)
    result = services.enrol(
        operator,
        payer_id=site.payer.pk,
        segment="bpu",
        programmes=["jkk", "jkm"],
        wage=1_000_000,
        start_date=dt.date(2026, 1, 1),
        worker_data=_new_worker(world, 7001),
    )
    assert result.created and result.membership.worker.domicile_id == site.village
    # ... but only people living in the village
    other_village = Region.objects.filter(parent_id=site.village.rsplit(".", 1)[0]).exclude(code=site.village).first()
    with pytest.raises(PermissionDenied):
        services.enrol(
            operator,
            payer_id=site.payer.pk,
            segment="bpu",
            programmes=["jkk", "jkm"],
            wage=1_000_000,
            start_date=dt.date(2026, 1, 1),
            worker_data=_new_worker(world, 7002, other_village.code),
        )


def test_village_operators_do_not_create_payers(world):
    operator = Actor.of(world.users["village_operator"])
    with pytest.raises(PermissionDenied):
        services.create_payer(
            operator,
            {
                "code": "pemdes-x",
                "name": "X",
                "kind": "badan_usaha",
                "region_id": world.sites["A"].village,
                "funding_source": "mandiri",
            },
        )


def test_second_government_payer_needs_explicit_confirmation(world, client):
    site = world.sites["A"]
    province = Actor.of(world.users["province_admin"])
    pemprov = services.create_payer(
        province,
        {
            "code": "pemprov-64",
            "name": "Pemerintah Provinsi Kalimantan Timur",
            "kind": "pemprov",
            "region_id": "64",
            "funding_source": "apbd",
        },
    )
    kwargs = {
        "worker": site.worker,
        "payer_id": pemprov.pk,
        "segment": "pu",
        "programmes": ["jkk", "jkm"],
        "wage": 4_000_000,
        "start_date": dt.date(2026, 1, 1),
    }
    with pytest.raises(services.DoubleFunding) as refused:
        services.enrol(province, **kwargs)
    assert "Sudah dibiayai oleh Pemerintah Kota Balikpapan" in refused.value.messages[0]
    # the form shows who funds the worker already and asks for the confirmation
    client.force_login(world.users["province_admin"])
    form = {
        "payer": pemprov.pk,
        "segment": "pu",
        "programmes": ["jkk", "jkm"],
        "wage": "4000000",
        "start_date": "2026-01-01",
    }
    page = client.post(f"/kepesertaan/tambah/{site.worker.pk}/", form).content.decode()
    assert "Pemerintah Kota Balikpapan" in page and "confirm_double_funding" in page
    response = client.post(f"/kepesertaan/tambah/{site.worker.pk}/", {**form, "confirm_double_funding": "on"})
    assert response.status_code == 302
    assert site.worker.memberships.filter(payer=pemprov).exists()


def test_terms_change_writes_one_event_with_before_and_after(world, client):
    site = world.sites["A"]
    operator = Actor.of(world.users["regency_operator"], channel="api")
    services.change_terms(
        operator,
        site.membership,
        {"wage": 4_500_000, "programmes": ["jkk", "jkm", "jht", "jp"]},
        reason="Kenaikan gaji",
    )
    event = MembershipEvent.objects.get(membership=site.membership, kind=EventKind.TERMS)
    assert event.changes == {"jp": [False, True], "wage": [4_000_000, 4_500_000]}
    assert event.by == world.users["regency_operator"] and event.reason == "Kenaikan gaji"
    # nothing changed, nothing recorded
    services.change_terms(operator, site.membership, {"wage": 4_500_000}, reason="x")
    assert MembershipEvent.objects.filter(membership=site.membership, kind=EventKind.TERMS).count() == 1
    # the auditor's API view of the history hides the wage change
    client.force_login(world.users["auditor"])
    events = client.get(f"/api/memberships/{site.membership.pk}").json()["events"]
    assert {"jp": [False, True]} in [e["changes"] for e in events]
    assert "4500000" not in str(events)


def test_payer_pages_create_and_edit_in_scope(world, client):
    client.force_login(world.users["regency_operator"])
    village = world.sites["A"].village
    form = {
        "code": "bumd-air",
        "name": "Perumda Air Minum",
        "kind": "badan_usaha",
        "region": village,
        "funding_source": "mandiri",
        "npp": "",
        "is_active": "on",
    }
    assert client.post("/kepesertaan/pembayar/tambah/", form).status_code == 302
    payer = Payer.objects.get(code="bumd-air")
    assert client.post(f"/kepesertaan/pembayar/{payer.pk}/ubah/", {**form, "name": "Perumda Tirta"}).status_code == 302
    payer.refresh_from_db()
    assert payer.name == "Perumda Tirta"
    page = client.post(f"/kepesertaan/pembayar/{payer.pk}/ubah/", {**form, "region": "65.01"}).content.decode()
    assert "luar wilayah tugas" in page
    payer.refresh_from_db()
    assert payer.region_id == village


def test_f13_export_is_streamed_from_a_temporary_file(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get("/pekerja/ekspor.xlsx")
    assert response.streaming  # FileResponse over a spooled file, not a bytes body built in memory
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"


def test_upload_form_preselects_no_payer(client, world):
    client.force_login(world.users["regency_operator"])
    page = client.get("/kepesertaan/daftar/").content.decode()
    assert "selected>Pemerintah" not in page


def test_card_and_verification_links_follow_the_served_host(client, world, settings):
    """Regression: the card's QR pointed to 127.0.0.1:8000 whatever the port the demo served on."""
    settings.ALLOWED_HOSTS = ["demo.sijaga.test"]
    settings.PUBLIC_URL_CONFIGURED = False
    client.force_login(world.users["regency_operator"])
    m = world.sites["A"].membership
    body = client.get(f"/api/memberships/{m.pk}", HTTP_HOST="demo.sijaga.test:8123").json()
    assert body["verification_url"] == f"http://demo.sijaga.test:8123/v/{m.verify_token}/"
    settings.PUBLIC_URL_CONFIGURED, settings.PUBLIC_URL = True, "https://sijaga.example.go.id"
    body = client.get(f"/api/memberships/{m.pk}", HTTP_HOST="demo.sijaga.test:8123").json()
    assert body["verification_url"].startswith("https://sijaga.example.go.id/v/")
