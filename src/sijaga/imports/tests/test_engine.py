"""The import engine's reliability and access rules (security review F2, F3, F4, F6, F8, F14, F23, F26).

Each `test_fN_*` failed on the code the security review probed; together they pin down that background work that
breaks says so, that the merge re-checks scope, and who may confirm, retry and download what."""

import datetime as dt
import logging
import stat
import threading
import time
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, connection
from django.test import override_settings
from django.utils import timezone

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import AccessLog
from sijaga.conftest import make_nik
from sijaga.enrollment.importing import EnrolmentKind
from sijaga.enrollment.models import Membership
from sijaga.imports import services
from sijaga.imports.models import ImportBatch, ImportEvent
from sijaga.imports.tests.test_pipeline import IMMEDIATE, row, write_csv
from sijaga.registry import bulk as registry_bulk
from sijaga.registry.models import Worker

pytestmark = pytest.mark.django_db


def _upload(client, world, tmp_path, rows, *, role="regency_operator", dry_run=False, name="peserta.csv", **extra):
    """A web upload run by the (immediate) task backend; returns the batch."""
    client.force_login(world.users[role])
    path = write_csv(tmp_path, rows, name)
    with path.open("rb") as fh:
        data = {"payer": world.sites["A"].payer.pk, "file": fh, **extra}
        if dry_run:
            data["dry_run"] = "on"
        response = client.post("/unggah/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.get(pk=response["Location"].strip("/").split("/")[-1])


# --- F2: background work that fails says so -------------------------------------------------------------------


def _stall(batch: ImportBatch, *, minutes: int = 30, attempts: int = 1, status: str = "importing") -> None:
    """What a worker killed mid-merge leaves behind: a batch in progress whose heartbeat stopped."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, phase="menyimpan kepesertaan", progress=76, finished_at=None, attempts=attempts,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes),
    )  # fmt: skip
    batch.refresh_from_db()


def test_f2_killed_worker_is_shown_stalled_and_reaped(client, world, tmp_path, settings,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False):  # uploaded, but the worker "dies" before it runs
        batch = _upload(client, world, tmp_path, [row(1), row(2)])
    _stall(batch)
    assert batch.is_stalled
    # the page says so, offers a re-run to write roles, and stops polling
    page = client.get(f"/unggah/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Terhenti" in page and "Jalankan ulang" in page and "hx-trigger" not in page
    assert client.get(f"/api/imports/{batch.pk}").json()["stalled"] is True
    # the reaper (run whenever the task worker starts a task) re-queues it once; the re-run completes the import
    with django_capture_on_commit_callbacks(execute=True):
        reaped = services.reap_stalled()
    assert [b.pk for b in reaped] == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.attempts) == ("imported", 2, 2)
    assert ImportEvent.objects.filter(batch=batch, message__contains="dijalankan ulang otomatis").exists()


def test_f2_batch_that_stalls_again_is_marked_failed(world, tmp_path, django_capture_on_commit_callbacks):
    batch = services.import_file(write_csv(tmp_path, [row(1)]), payer_code=world.sites["A"].payer.code)
    _stall(batch, attempts=2, status="validating")
    with django_capture_on_commit_callbacks(execute=True):
        services.reap_stalled()
    batch.refresh_from_db()
    assert batch.status == "failed" and "berulang kali" in batch.error and batch.finished_at is not None


def test_f2_reaper_runs_when_the_worker_starts_a_task(client, world, tmp_path, settings,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False):
        stale = _upload(client, world, tmp_path, [row(1)], name="mati.csv")
    _stall(stale)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world, tmp_path, [row(2)], name="baru.csv")
    stale.refresh_from_db()
    assert stale.status == "imported"


def test_f2_retry_is_for_write_roles_in_scope(client, world, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False):
        batch = _upload(client, world, tmp_path, [row(1)])
    _stall(batch)
    for role in ("auditor", "bpjs_officer"):
        client.force_login(world.users[role])
        assert client.post(f"/api/imports/{batch.pk}/retry").status_code == 403
        assert client.post(f"/unggah/{batch.pk}/ulang/").status_code == 403
    client.force_login(world.users["regency_operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/imports/{batch.pk}/retry")
    assert response.status_code == 202
    batch.refresh_from_db()
    assert batch.status == "imported"
    assert ImportEvent.objects.get(batch=batch, message="dijalankan ulang").by == world.users["regency_operator"]
    assert client.post(f"/api/imports/{batch.pk}/retry").status_code == 422  # nothing to re-run any more


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (RuntimeError("boom"), "kesalahan sistem; unggah ulang atau hubungi admin (RuntimeError)."),
        (OperationalError("server closed the connection unexpectedly"), "Koneksi ke basis data terputus"),
        (IntegrityError("UNIQUE constraint failed: registry_worker.nik"), "Impor lain dengan NIK yang sama"),
    ],
    ids=["other", "connection", "unique"],
)
def test_f2_exception_mid_merge_fails_the_batch_and_the_task(
    client, world, tmp_path, settings, django_capture_on_commit_callbacks, monkeypatch, caplog, error, message
):
    settings.TASKS = IMMEDIATE

    def broken_merge(self, valid, ctx):
        ctx.step("menyimpan tenaga kerja", 66)
        raise error

    monkeypatch.setattr(EnrolmentKind, "merge", broken_merge)
    caplog.set_level(logging.ERROR, logger="sijaga.imports.services")
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(client, world, tmp_path, [row(1), row(2)])
    batch.refresh_from_db()
    assert batch.status == "failed" and message in batch.error
    assert batch.finished_at is not None and batch.is_finished
    assert [e.status for e in batch.events.all()][-1] == "failed"
    assert not Worker.objects.filter(full_name__startswith="Pekerja Nomor").exists()
    # the traceback is logged, and the task itself ended failed
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)
    from django_tasks_db.models import DBTaskResult  # noqa: F401 - the immediate backend keeps no rows

    status = client.get(f"/unggah/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in status and message.split(";")[0] in status


def test_f2_task_ends_failed(world, tmp_path, settings, monkeypatch):
    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(EnrolmentKind, "merge", lambda self, valid, ctx: 1 / 0)
    actor = Actor.of(world.users["regency_operator"])
    target = EnrolmentKind().target(actor, code=world.sites["A"].payer.code)
    batch = services.create_batch(actor, target=target, source=write_csv(tmp_path, [row(1)]), file_name="x.csv")
    from sijaga.imports.tasks import process_import

    result = process_import.enqueue(str(batch.pk))
    assert result.status == "FAILED" and "ZeroDivisionError" in result.errors[0].exception_class_path
    batch.refresh_from_db()
    assert batch.status == "failed" and "ZeroDivisionError" in batch.error


def test_f2_import_runs_with_the_debug_cursor(world, tmp_path):
    """SQLite + DEBUG formats `sql % params` for the query log: a literal `%` in the merge SQL crashed it."""
    path = write_csv(tmp_path, [row(i) for i in range(1, 6)])
    with override_settings(DEBUG=True):
        connection.force_debug_cursor = True
        try:
            batch = services.import_file(path, payer_code=world.sites["A"].payer.code)
            again = services.import_file(path, payer_code=world.sites["A"].payer.code)
        finally:
            connection.force_debug_cursor = False
    assert (batch.status, batch.created) == ("imported", 5)
    assert (again.status, again.unchanged) == ("imported", 5)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two concurrent connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_f2_overlapping_imports_of_one_payer_both_succeed(committed_regions, tmp_path, monkeypatch):
    """Two workers import overlapping new NIKs for the same payer at the same time: the second waits for the
    first (advisory lock) and then matches its rows, instead of failing on the unique NIK."""
    from sijaga.accounts.services import create_user
    from sijaga.enrollment.services import create_payer

    coordinator = create_user("koordinator.overlap", None, role="coordinator")
    payer = create_payer(coordinator, {"code": "pemkot-overlap", "name": "Pemerintah Kota Balikpapan",
                                       "kind": "pemkab", "region_id": "64.71", "funding_source": "apbd"})  # fmt: skip
    actor = Actor.of(coordinator)
    target = EnrolmentKind().target(actor, pk=payer.pk)
    first = services.create_batch(actor, target=target, source=write_csv(tmp_path, [row(i) for i in range(1, 41)],
                                  "a.csv"), file_name="a.csv")  # fmt: skip
    second = services.create_batch(actor, target=target, source=write_csv(tmp_path, [row(i) for i in range(21, 61)],
                                   "b.csv"), file_name="b.csv")  # fmt: skip
    first_wrote, release = threading.Event(), threading.Event()
    write_workers = registry_bulk.write_workers

    def paused(*args, **kwargs):
        write_workers(*args, **kwargs)
        if threading.current_thread().name == "first":
            first_wrote.set()
            release.wait(30)

    monkeypatch.setattr(registry_bulk, "write_workers", paused)
    errors = []

    def run(batch_id):
        from django.db import connection as thread_connection

        try:
            services.run_batch(batch_id)
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    a = threading.Thread(target=run, args=(first.pk,), name="first")
    a.start()
    assert first_wrote.wait(30)
    b = threading.Thread(target=run, args=(second.pk,), name="second")
    b.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the second import waits for the first one's lock
        if ImportBatch.objects.get(pk=second.pk).phase == "menunggu impor lain selesai":
            break
        time.sleep(0.1)
    waited = ImportBatch.objects.get(pk=second.pk).phase == "menunggu impor lain selesai"
    release.set()
    a.join(60)
    b.join(60)
    assert not errors, errors
    first.refresh_from_db()
    second.refresh_from_db()
    assert waited
    assert (first.status, first.created) == ("imported", 40)
    assert (second.status, second.created, second.unchanged) == ("imported", 20, 20)
    assert Worker.objects.filter(full_name__startswith="Pekerja Nomor").count() == 60


# --- F3: the merge re-checks scope inside its transaction ----------------------------------------------------


def test_f3_nik_registered_meanwhile_in_another_region_is_refused(world, tmp_path, monkeypatch):
    operator = world.users["regency_operator"]
    rows = [row(1), row(2), row(3)]
    taken = make_nik("64.71.05", dt.date(1980, 1, 1) + dt.timedelta(days=2 * 37 % 9000), "L", 2)
    validate = EnrolmentKind.validate

    def validate_then_race(self, frame, ctx):
        checked = validate(self, frame, ctx)
        # between validation and merge, another region registers the same NIK (committed by another import)
        Worker.objects.create(nik=taken, full_name="Milik Wilayah Lain", birth_date=dt.date(1980, 3, 15),
                              gender="L", domicile_id=world.sites["B"].village, category="non_asn")  # fmt: skip
        return checked

    monkeypatch.setattr(EnrolmentKind, "validate", validate_then_race)
    batch = services.import_file(write_csv(tmp_path, rows), payer_code=world.sites["A"].payer.code, user=operator)
    assert (batch.status, batch.read, batch.created, batch.rejected) == ("imported", 3, 2, 1)
    other = Worker.objects.get(nik=taken)
    assert other.full_name == "Milik Wilayah Lain" and other.domicile_id == world.sites["B"].village
    assert not Membership.objects.filter(worker=other).exists()
    assert batch.rejection_preview[0]["row"] == 3 and "wilayah lain" in batch.rejection_preview[0]["reason"]
    detail = pl.read_excel(batch.report_path, sheet_name="Rincian")
    assert detail["Baris"].to_list() == [3] and "NIK sudah terdaftar di wilayah lain" in detail["Alasan"][0]


# --- F6: confirming a dry run ----------------------------------------------------------------------------------


def test_f6_only_write_roles_confirm_and_the_confirmer_is_recorded(client, world, tmp_path, settings,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(client, world, tmp_path, [row(1), row(2)], dry_run=True)
    batch.refresh_from_db()
    assert batch.awaits_confirmation
    for role in ("auditor", "bpjs_officer"):
        client.force_login(world.users[role])
        assert client.post(f"/api/imports/{batch.pk}/import").status_code == 403
        assert client.post(f"/unggah/{batch.pk}/impor/").status_code == 403
        assert "Impor sekarang" not in client.get(f"/unggah/{batch.pk}/").content.decode()
    batch.refresh_from_db()
    assert batch.dry_run and not Worker.objects.filter(full_name__startswith="Pekerja Nomor").exists()
    confirmer = world.users["province_admin"]
    client.force_login(confirmer)
    before = AccessLog.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/unggah/{batch.pk}/impor/").status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.confirmed_by) == ("imported", 2, confirmer)
    confirmed = ImportEvent.objects.get(batch=batch, message="dikonfirmasi")
    assert confirmed.by == confirmer
    logs = AccessLog.objects.order_by("id")[before:]
    assert {(log.user, log.action, log.object_type) for log in logs} >= {(confirmer, "create", "import")} and all(
        log.user == confirmer for log in logs
    )
    # the run after confirmation ran as the confirmer
    assert {m.created_by for m in Membership.objects.filter(worker__full_name__startswith="Pekerja Nomor")} == {
        confirmer
    }
    assert ImportEvent.objects.get(batch=batch, status="imported").by == confirmer


def test_f6_reports_only_for_write_roles(client, world, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(client, world, tmp_path, [row(1), row(2, nik="123")])
    for role in ("auditor", "bpjs_officer"):
        client.force_login(world.users[role])
        assert client.get(f"/unggah/{batch.pk}/laporan.xlsx").status_code == 403
        assert client.get(f"/api/imports/{batch.pk}/report.xlsx").status_code == 403
        assert "Unduh laporan" not in client.get(f"/unggah/{batch.pk}/").content.decode()
    client.force_login(world.users["regency_operator"])
    response = client.get(f"/api/imports/{batch.pk}/report.xlsx")
    assert response.status_code == 200
    log = AccessLog.objects.filter(object_type="import_report").latest("id")
    assert (log.user, log.channel, log.record_count) == (world.users["regency_operator"], "api", 1)


# --- F8 / F14 / F4: the batch page -----------------------------------------------------------------------------


def test_f8_f14_f4_batch_page_is_audited_reads_stored_rejections_and_masks(
    client, world, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    duplicate = row(1)
    full_nik = duplicate.split(";")[0]
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(client, world, tmp_path, [row(1), duplicate, row(3, birth_date="01/01/1999")])
    batch.refresh_from_db()
    assert [r["row"] for r in batch.rejection_preview] == [3, 4]
    Path(batch.report_path).unlink()  # the page no longer reads the workbook (F14)
    before = AccessLog.objects.count()
    page = client.get(f"/unggah/{batch.pk}/").content.decode()
    assert full_nik in page and 'id="rejections"' in page
    log = AccessLog.objects.order_by("id")[before:].get()
    assert (log.action, log.object_type, log.object_id, log.record_count) == ("view", "import", str(batch.pk), 2)
    # an auditor sees the same rows with the NIK masked and no birth date spelled out (F4)
    client.force_login(world.users["auditor"])
    page = client.get(f"/unggah/{batch.pk}/").content.decode()
    assert 'id="rejections"' in page
    assert full_nik not in page and full_nik[:6] + "******" + full_nik[-4:] in page
    nik3 = row(3).split(";")[0]
    assert nik3[6:12] not in page


def test_f8_progress_polls_are_not_logged(client, world, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False):
        batch = _upload(client, world, tmp_path, [row(1)])
    before = AccessLog.objects.count()
    assert "hx-trigger" in client.get(f"/unggah/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert AccessLog.objects.count() == before


# --- F23: stored files ------------------------------------------------------------------------------------------


def test_f23_stored_files_are_private_and_purged_after_retention(client, world, tmp_path, settings,
                                                                 django_capture_on_commit_callbacks):  # fmt: skip
    settings.TASKS = IMMEDIATE
    settings.VAR_DIR = tmp_path / "var"
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(client, world, tmp_path, [row(1), row(2, nik="1")])
    batch.refresh_from_db()
    upload, report = Path(batch.file_path), Path(batch.report_path)
    assert stat.S_IMODE(upload.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "var" / "imports").stat().st_mode) == 0o700
    assert stat.S_IMODE(upload.stat().st_mode) == 0o600 and stat.S_IMODE(report.stat().st_mode) == 0o600
    # too recent for the default retention
    call_command("purge_imports")
    assert upload.exists()
    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - dt.timedelta(days=91))
    call_command("purge_imports", "--dry-run")
    assert upload.exists() and report.exists()
    call_command("purge_imports")
    assert not upload.exists() and not report.exists() and not upload.parent.exists()
    batch.refresh_from_db()
    assert batch.purged_at is not None and batch.status == "imported" and batch.rejected == 1
    page = client.get(f"/unggah/{batch.pk}/").content.decode()
    assert 'id="report-purged"' in page and "laporan.xlsx" not in page
    assert client.get(f"/unggah/{batch.pk}/laporan.xlsx").status_code == 410
    assert client.get(f"/api/imports/{batch.pk}/report.xlsx").status_code == 410
    assert client.get(f"/api/imports/{batch.pk}").json()["report_url"] is None
    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - dt.timedelta(days=400))
    call_command("purge_imports", "--days", "1")  # already purged: nothing to do, no error


# --- F26: progress through the merge ----------------------------------------------------------------------------


def test_f26_progress_names_each_step_of_the_merge(world, tmp_path):
    seen: list[tuple[str, int]] = []
    services.import_file(write_csv(tmp_path, [row(i) for i in range(1, 4)]), payer_code=world.sites["A"].payer.code,
                         progress=lambda phase, percent: seen.append((phase, percent)))  # fmt: skip
    phases = [p for p, _ in seen]
    for step in ("menyalin ke tabel sementara", "menyimpan tenaga kerja", "menyimpan kepesertaan",
                 "mencatat riwayat perubahan", "menulis laporan"):  # fmt: skip
        assert step in phases, (step, phases)
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and 50 <= percents[phases.index("menyimpan kepesertaan")] < 95


# --- tasks take ids and run as the uploader ---------------------------------------------------------------------


def test_task_is_idempotent_and_runs_as_the_uploader(client, world, tmp_path, settings,
                                                     django_capture_on_commit_callbacks):  # fmt: skip
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(client, world, tmp_path, [row(1)])
    from sijaga.imports.tasks import process_import

    again = process_import.enqueue(str(batch.pk))  # a duplicate task for a finished batch does nothing
    assert again.return_value["status"] == "imported"
    membership = Membership.objects.get(worker__full_name="Pekerja Nomor 1")
    assert membership.created_by == world.users["regency_operator"]
    assert membership.events.get().by == world.users["regency_operator"]
    assert ImportEvent.objects.filter(batch=batch, status="validating").count() == 1
