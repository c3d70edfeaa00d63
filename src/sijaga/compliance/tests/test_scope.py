"""Role × compliance object × foreign region: a foreign object answers 404 (its existence is not disclosed), and
a request or write for a foreign region is refused. The URL list is the one `accounts/tests/test_scope_matrix.py`
points to (TESTED_IN_APP)."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from sijaga.accounts.actor import Actor
from sijaga.compliance import services
from sijaga.compliance.models import Report
from sijaga.core.periods import Semester

pytestmark = pytest.mark.django_db

ROLES = ["province_admin", "regency_operator", "village_operator", "bpjs_officer", "auditor"]
PDF = b"%PDF-1.4\n%%EOF\n"

OBJECT_URLS = [
    ("post", "/kepatuhan/isian/{entry}/verifikasi/"),
    ("get", "/kepatuhan/bukti/{evidence}/"),
    ("get", "/kepatuhan/rapat/{meeting}/"),
    ("post", "/kepatuhan/rapat/{meeting}/"),
    ("post", "/kepatuhan/tindak-lanjut/{action}/"),
    ("get", "/kepatuhan/laporan/{report}/"),
    ("post", "/kepatuhan/laporan/{report}/ulang/"),
    ("get", "/kepatuhan/laporan/{report}.pdf"),
    ("get", "/kepatuhan/laporan/{report}.xlsx"),
    ("get", "/kepatuhan/laporan/{report}.json"),
    ("get", "/api/compliance/reports/{report}"),
]


@pytest.fixture
def objects(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    services.load_reference()
    coord = Actor.of(world.users["coordinator"])
    out = {}
    for key, site in world.sites.items():
        entry = services.declare(coord, region_code=site.regency, year=2026, item_key="regulation", met=True,
                                 upload=SimpleUploadedFile("perda.pdf", PDF))  # fmt: skip
        meeting = services.create_meeting(coord, date=dt.date(2026, 2, 1), title=f"Rapat {key}", online=True,
                                          region_codes=[site.regency])  # fmt: skip
        action = services.add_action(coord, meeting, decision="x", owner="y", region_code=site.regency,
                                     due_date=dt.date(2026, 3, 1))  # fmt: skip
        province = site.regency[:2]
        report = Report.objects.filter(scope_key=province).first()
        if report is None:
            with TestCase.captureOnCommitCallbacks(execute=True):
                report, _ = services.request_report(coord, Semester(2026, 1), region_code=province)
        out[key] = {"entry": entry.pk, "evidence": entry.evidence_id, "meeting": meeting.pk, "action": action.pk,
                    "report": report.pk}  # fmt: skip
    return out


@pytest.mark.parametrize("role", ROLES)
def test_foreign_compliance_object_is_404(client, world, objects, role):
    client.force_login(world.users[role])
    foreign = ["B"] if role == "province_admin" else ["B", "C"]
    for (method, template), key in ((u, k) for u in OBJECT_URLS for k in foreign):
        url = template.format(**objects[key])
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, {"status": "done", "decision": "x", "owner": "y", "due_date": "2026-09-01"})
        assert response.status_code == 404, f"{role} {method} {url} ({key}): {response.status_code}"


def test_own_objects_are_reachable(client, world, objects):
    client.force_login(world.users["regency_operator"])
    own = objects["A"]
    assert client.get(f"/kepatuhan/bukti/{own['evidence']}/").status_code == 200
    assert client.get(f"/kepatuhan/rapat/{own['meeting']}/").status_code == 200
    client.force_login(world.users["province_admin"])
    assert client.get(f"/kepatuhan/laporan/{own['report']}.pdf").status_code == 200
    assert client.get(f"/api/compliance/reports/{own['report']}").json()["status"] == "done"


@pytest.mark.parametrize("role", ROLES)
def test_report_for_a_foreign_province_is_refused(client, world, role):
    client.force_login(world.users[role])
    r = client.post("/api/compliance/reports/", data=json.dumps({"semester": "2026-S1", "region": "65"}),
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 403
    r = client.post("/api/compliance/reports/", data=json.dumps({"semester": "2026-S1"}),
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 403  # the national report is the coordinator's
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_service_calls_in_a_foreign_region_are_refused(world, role):
    from django.core.exceptions import PermissionDenied

    services.load_reference()
    actor = Actor.of(world.users[role])
    with pytest.raises(PermissionDenied):
        services.declare(actor, region_code="65.01", year=2026, item_key="rkpd", met=False)
    with pytest.raises(PermissionDenied):
        services.create_meeting(actor, date=dt.date(2026, 1, 1), title="x", online=True, region_codes=["65"])
