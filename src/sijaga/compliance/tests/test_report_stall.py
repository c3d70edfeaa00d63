"""Nothing spins for ever: a report whose task worker died is marked failed after REPORT_STALL_MINUTES (when the
worker starts any task, or when someone opens the report), says why, and can be generated again; a runner that was
reaped meanwhile does not overwrite the failure with a late result."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.tasks.signals import task_started
from django.test import TestCase
from django.utils import timezone

from sijaga.accounts.actor import Actor
from sijaga.compliance import services
from sijaga.compliance.models import ComplianceEvent, Report, ReportStatus
from sijaga.core.periods import Semester

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.REPORT_STALL_MINUTES = 30
    services.load_reference()


def _running(world, minutes_ago: int, region="65") -> Report:
    """A report claimed by a runner that last gave a sign of life `minutes_ago` (its worker then died)."""
    return Report.objects.create(
        year=2026, half=1, region_id=region, scope_key=region, status=ReportStatus.RUNNING, progress=40,
        requested_by=world.users["coordinator"], heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )  # fmt: skip


def test_a_report_with_recent_progress_is_left_running(world, immediate):
    report = _running(world, minutes_ago=5)
    assert services.reap_stalled_reports() == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING


def test_the_worker_reaper_marks_a_stalled_report_failed_with_a_reason_and_an_event(world, immediate):
    report = _running(world, minutes_ago=31)
    started = SimpleNamespace(id="t-1", task=SimpleNamespace(module_path="any.task"), status="RUNNING")
    task_started.send(sender=None, task_result=started)  # what the task worker sends before each task
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "terhenti" in report.message and report.finished_at is not None
    event = ComplianceEvent.objects.get(object_type="report", object_id=report.pk, action="stalled")
    assert event.before == {"status": "running", "progress": 40} and event.after == {"status": "failed"}
    assert services.reap_stalled_reports() == 0  # once


def test_opening_a_stalled_report_shows_it_failed_then_retry_generates_it(client, world, immediate):
    report = _running(world, minutes_ago=45)
    client.force_login(world.users["province_admin"])  # the governor's staff of province 64 may not touch 65
    assert client.get(f"/kepatuhan/laporan/{report.pk}/").status_code == 404
    client.force_login(world.users["coordinator"])
    page = client.get(f"/kepatuhan/laporan/{report.pk}/").content.decode()
    assert "Gagal" in page and "terhenti" in page and "Buat ulang laporan" in page
    assert 'hx-trigger="every 2s"' not in page  # no endless polling of a dead job

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/kepatuhan/laporan/{report.pk}/ulang/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.pdf_sha256 and report.message == ""
    assert ComplianceEvent.objects.filter(object_type="report", object_id=report.pk, action="retry").exists()
    # a finished report is frozen: it cannot be generated again
    client.post(f"/kepatuhan/laporan/{report.pk}/ulang/")
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE


def test_read_only_roles_see_no_retry_and_cannot_retry(client, world, immediate):
    from sijaga.accounts.services import create_user

    report = _running(world, minutes_ago=45, region="64")
    services.reap_stalled_reports()
    client.force_login(create_user("auditor.kaltim", "x" * 12, role="auditor", region_codes=["64"]))
    page = client.get(f"/kepatuhan/laporan/{report.pk}/")
    assert page.status_code == 200 and "Buat ulang laporan" not in page.content.decode()
    assert client.post(f"/kepatuhan/laporan/{report.pk}/ulang/").status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED


def test_requesting_a_failed_report_again_generates_it(world, immediate):
    report = _running(world, minutes_ago=45)
    services.reap_stalled_reports()
    with TestCase.captureOnCommitCallbacks(execute=True):
        again, created = services.request_report(
            Actor.of(world.users["coordinator"]), Semester(2026, 1), region_code="65"
        )
    assert created and again.pk == report.pk
    again.refresh_from_db()
    assert again.status == ReportStatus.DONE


def test_a_runner_reaped_meanwhile_does_not_overwrite_the_failure(world, immediate, monkeypatch):
    from sijaga.compliance import report as rendering

    report = Report.objects.create(
        year=2026, half=1, region_id="65", scope_key="65", requested_by=world.users["coordinator"]
    )
    real_render = rendering.render_pdf

    def slow_render(snapshot):  # the reaper wins while this runner is still rendering
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, message="terhenti")
        return real_render(snapshot)

    monkeypatch.setattr(rendering, "render_pdf", slow_render)
    services.run_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.pdf is None and report.message == "terhenti"
