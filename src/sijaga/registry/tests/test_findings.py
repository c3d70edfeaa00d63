"""Regression tests for the review findings on workers (security review F4–F11, F21, F25; architecture probes).

Each test is named after its finding and failed on main before this change."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import AccessLog
from sijaga.registry.models import Worker, WorkerChange
from sijaga.testing_helpers import api_post

pytestmark = pytest.mark.django_db


def test_f5_worker_list_is_cut_in_sql_and_capped(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["coordinator"])
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/workers/", {"limit": 1}).json()
    assert len(body["items"]) == 1 and body["count"] == 3
    worker_selects = [q["sql"] for q in queries if 'FROM "registry_worker"' in q["sql"] and "COUNT" not in q["sql"]]
    # the window's keys are cut in SQL; its rows are then read by those keys (`core.listing._keys_first`)
    keys = [sql for sql in worker_selects if "LIMIT" in sql]
    rows = [sql for sql in worker_selects if "LIMIT" not in sql]
    assert keys and all(re.search(r'"registry_worker"\."id" IN \(\d+(, \d+)?\)', sql) for sql in rows), rows
    capped = client.get("/api/workers/", {"limit": 10**6})
    assert capped.status_code == 200 and len(capped.json()["items"]) == 3
    assert client.get("/api/workers/", {"offset": 114409818061362626560}).status_code == 422


def test_f7_export_writes_user_text_as_text(client, world):
    worker = world.sites["A"].worker
    Worker.objects.filter(pk=worker.pk).update(occupation='=HYPERLINK("http://evil.example/x","Klik")')
    other = world.sites["C"].worker
    Worker.objects.filter(pk=other.pk).update(occupation="http://evil.example/phish")
    client.force_login(world.users["coordinator"])
    raw = b"".join(client.get("/pekerja/ekspor.xlsx").streaming_content)
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        names = book.namelist()
    assert "<f>" not in sheet
    assert not any(n.endswith("sheet1.xml.rels") for n in names)
    assert "HYPERLINK" in sheet  # kept, as text


def test_f8_every_personal_data_channel_is_audited_with_real_counts(client, world):
    site = world.sites["A"]
    client.force_login(world.users["regency_operator"])
    before = AccessLog.objects.count()
    client.get("/api/memberships/")
    client.get(f"/api/memberships/{site.membership.pk}")
    client.get("/api/workers/nik-check", {"nik": site.worker.nik})
    client.get("/pekerja/cek-nik/", {"nik": site.worker.nik})
    client.get("/api/workers/", {"limit": 100})
    logs = list(
        AccessLog.objects.order_by("id")[before:].values_list("action", "channel", "object_type", "record_count")
    )
    assert logs == [
        ("search", "api", "membership", 1),
        ("view", "api", "membership", 1),
        ("search", "api", "nik_check", 1),
        ("search", "web", "nik_check", 1),
        ("search", "api", "worker", 1),
    ]


def test_f9_nik_check_discloses_registration_only_to_enrolling_roles(client, world):
    foreign = world.sites["B"].worker
    for role in ("auditor", "bpjs_officer"):
        client.force_login(world.users[role])
        assert client.get("/api/workers/nik-check", {"nik": foreign.nik}).json()["registered"] is False
        assert client.get("/pekerja/cek-nik/", {"nik": foreign.nik}).status_code == 403
    client.force_login(world.users["regency_operator"])
    answer = client.get("/api/workers/nik-check", {"nik": foreign.nik}).json()
    assert answer["registered"] is True  # so the operator does not register the person twice ...
    page = client.get("/pekerja/cek-nik/", {"nik": foreign.nik}).content.decode()
    assert foreign.full_name not in page  # ... but never who it is
    assert AccessLog.objects.filter(object_type="nik_check", user=world.users["regency_operator"]).count() == 2


def test_f9_nik_check_is_throttled(client, world, monkeypatch, settings):
    from sijaga.registry import selectors

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f9"}}
    monkeypatch.setattr(selectors, "NIK_CHECKS_PER_WINDOW", 3)
    client.force_login(world.users["regency_operator"])
    codes = [client.get("/api/workers/nik-check", {"nik": world.sites["A"].worker.nik}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_scope_is_checked_by_the_service_not_the_endpoint(world):
    """Architecture probe 3: update_worker accepted a domicile in another province."""
    from sijaga.registry import services

    operator = Actor.of(world.users["regency_operator"])
    worker = world.sites["A"].worker
    with pytest.raises(PermissionDenied):
        services.update_worker(operator, worker, {"domicile_id": world.sites["B"].village})
    worker.refresh_from_db()
    assert worker.domicile_id == world.sites["A"].village


def test_worker_edit_records_before_and_after(client, world):
    worker = world.sites["A"].worker
    client.force_login(world.users["regency_operator"])
    response = client.post(
        f"/pekerja/{worker.pk}/ubah/",
        {
            "full_name": "Pekerja Situs A Baru",
            "domicile": worker.domicile_id,
            "phone": "0812 9999 0000",
            "category": "non_asn",
            "occupation": "",
            "reason": "Salah ketik nama",
        },
    )
    assert response.status_code == 302
    change = WorkerChange.objects.get(worker=worker)
    assert change.changes == {"full_name": ["Pekerja Situs A", "Pekerja Situs A Baru"], "phone": ["", "081299990000"]}
    assert change.by == world.users["regency_operator"] and change.reason == "Salah ketik nama"
    assert AccessLog.objects.filter(action="update", object_type="worker", object_id=str(worker.pk)).exists()
    page = client.get(f"/pekerja/{worker.pk}/").content.decode()
    assert "Salah ketik nama" in page


def test_f11_admin_writes_go_through_the_services(client, world):
    from django.contrib.auth.models import Permission

    from sijaga.enrollment.models import Payer

    def staff(role):
        user = world.users[role]
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["registry", "enrollment"]))
        client.force_login(user)

    # a regency operator cannot create a payer in another province through the admin
    staff("regency_operator")
    client.post(
        "/admin/enrollment/payer/add/",
        {
            "code": "asing-admin",
            "name": "Asing",
            "kind": "pemkab",
            "region": "65.01",
            "funding_source": "apbd",
            "npp": "",
            "is_active": "on",
        },
    )
    assert not Payer.objects.filter(code="asing-admin").exists()
    # a read-only role cannot edit a worker
    staff("bpjs_officer")
    worker = world.sites["A"].worker
    edit = {
        "full_name": "BPJS Admin Edit",
        "domicile": "11.01.01.2001",
        "gender": "L",
        "category": "non_asn",
        "birth_date": "1990-03-11",
    }
    client.post(f"/admin/registry/worker/{worker.pk}/change/", edit)
    worker.refresh_from_db()
    assert worker.full_name == "Pekerja Situs A" and worker.domicile_id == world.sites["A"].village
    # a province admin cannot move a payer to another province
    staff("province_admin")
    payer = world.sites["A"].payer
    form = {
        "code": payer.code,
        "name": payer.name,
        "kind": "pemkab",
        "region": "34.71",
        "funding_source": "apbd",
        "npp": "",
        "is_active": "on",
    }
    client.post(f"/admin/enrollment/payer/{payer.pk}/change/", form)
    payer.refresh_from_db()
    assert payer.region_id == "64.71"
    # an allowed admin edit is written by the service: history and audit
    client.post(f"/admin/enrollment/payer/{payer.pk}/change/", {**form, "name": "Pemkot Balikpapan", "region": "64.71"})
    payer.refresh_from_db()
    assert payer.name == "Pemkot Balikpapan"
    assert AccessLog.objects.filter(action="update", object_type="payer", channel="admin").exists()


def test_f11_access_log_admin_is_scoped(client, world):
    from django.contrib.auth.models import Permission

    AccessLog.objects.create(user=world.users["coordinator"], action="view", object_type="worker", query="rahasia")
    auditor = world.users["province_admin"]
    auditor.is_staff = True
    auditor.save()
    auditor.user_permissions.set(Permission.objects.filter(codename="view_accesslog"))
    client.force_login(auditor)
    page = client.get("/admin/accounts/accesslog/").content.decode()
    assert "rahasia" not in page and "koordinator" not in page


def test_f21_membership_start_date_is_range_checked(client, world):
    client.force_login(world.users["regency_operator"])
    site = world.sites["A"]
    for start in ("9999-12-31", "1900-01-01", "2002-01-01"):  # far future, before 2014, before the 15th birthday
        body = {
            "worker_id": site.worker.pk,
            "payer_id": site.payer.pk,
            "segment": "pu",
            "programmes": ["jkk", "jkm"],
            "wage": 3_000_000,
            "start_date": start,
        }
        response = api_post(client, "/api/memberships/", body)
        assert response.status_code == 422, start
        assert "start_date" in response.json()["detail"]


@pytest.mark.parametrize("phone", ["=1+1", "<b>1</b>", "+62=1+1", "@1", "0812-3456-7890 ext 12"])
def test_f25_phone_accepts_only_phone_numbers(client, world, phone):
    worker = world.sites["A"].worker
    client.force_login(world.users["regency_operator"])
    response = client.patch(
        f"/api/workers/{worker.pk}", data=json.dumps({"phone": phone}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "phone" in response.json()["detail"]


def test_times_are_shown_in_the_regions_zone(client, world):
    """Balikpapan is WITA (UTC+8): the history shows 08:00 WITA for 00:00 UTC, not WIB."""
    from sijaga.enrollment.models import MembershipEvent

    m = world.sites["A"].membership
    MembershipEvent.objects.filter(membership=m).update(at=dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.UTC))
    client.force_login(world.users["regency_operator"])
    page = client.get(f"/pekerja/{m.worker_id}/").content.decode()
    assert "1 Jan 2025 08:00 WITA" in page


def test_worker_list_shows_membership_number_status_payer_and_start(client, world):
    client.force_login(world.users["regency_operator"])
    page = client.get("/pekerja/").content.decode()
    site = world.sites["A"]
    for text in (site.membership.number, "Terdaftar", site.payer.name, "01-01-2025"):
        assert text in page


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/payers/", {"code": "x-nul", "name": "n\u0000", "kind": "pemkab", "region_code": "64.71",
                                  "funding_source": "apbd"}),
        ("patch", "/api/workers/{worker}", {"occupation": "x\u0000"}),
        ("patch", "/api/workers/{worker}", {"full_name": "A\u0000B"}),
    ],
)  # fmt: skip
def test_f16_nul_in_a_json_body_is_a_422_not_a_500(client, world, method, url, body):
    client.force_login(world.users["regency_operator"])
    response = getattr(client, method)(
        url.format(worker=world.sites["A"].worker.pk), data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content
