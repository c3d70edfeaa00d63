"""The import pipeline end to end: CLI, UI (background task), API; counts, idempotency, scope, reports."""

import datetime as dt
import json

import polars as pl
import pytest
from django.core.management import call_command

from sijaga.conftest import make_nik
from sijaga.enrollment.models import Membership, MembershipEvent
from sijaga.imports import services
from sijaga.imports.columns import COLUMNS
from sijaga.imports.models import ImportBatch
from sijaga.registry.models import Worker

pytestmark = pytest.mark.django_db

HEADER = ";".join(c.header for c in COLUMNS)


def row(serial: int, **over) -> str:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=serial * 37 % 9000)
    gender = "P" if serial % 2 else "L"
    values = {
        "nik": make_nik("64.71.05", birth, gender, serial),
        "full_name": f"Pekerja Nomor {serial}",
        "birth_date": birth.strftime("%d/%m/%Y"),
        "gender": gender,
        "domicile": "64.71.05.1002",
        "phone": "081234567890",  # "0812" was accepted before the phone rule (F25)
        "category": "Pegawai non-ASN",
        "occupation": "",
        "segment": "PU",
        "programmes": "JKK+JKM+JHT",
        "wage": "3.500.000",
        "start_date": "01/01/2026",
    }
    values.update(over)
    return ";".join(values[c.key] for c in COLUMNS)


def write_csv(tmp_path, rows, name="peserta.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_cli_import_counts_add_up_and_reupload_changes_nothing(world, tmp_path, capsys):
    payer = world.sites["A"].payer
    good = [row(i) for i in range(1, 31)]
    bad = [row(100, nik="123"), row(101, wage="tiga juta"), row(102, programmes="JKK")]
    path = write_csv(tmp_path, good + bad)
    call_command("import_enrollment", str(path), "--payer", payer.code, "--json")
    first = json.loads(capsys.readouterr().out)
    assert (first["read"], first["created"], first["updated"], first["unchanged"], first["rejected"]) == (
        33,
        30,
        0,
        0,
        3,
    )
    assert Worker.objects.filter(full_name__startswith="Pekerja Nomor").count() == 30
    memberships = Membership.objects.filter(payer=payer, worker__full_name__startswith="Pekerja Nomor")
    assert memberships.count() == 30
    assert all(len(m.number) == 11 and len(m.verify_token) == 24 for m in memberships)
    assert MembershipEvent.objects.filter(membership__in=memberships, to_status="registered").count() == 30
    # re-upload: nothing new, nothing changed
    call_command("import_enrollment", str(path), "--payer", payer.code, "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 30, 3)
    assert Worker.objects.filter(full_name__startswith="Pekerja Nomor").count() == 30
    # a corrected file updates only what changed
    corrected = [row(i, wage="4.000.000") if i == 5 else row(i) for i in range(1, 31)]
    corrected[6] = row(7, full_name="Pekerja Nomor 7 Diperbaiki")
    call_command("import_enrollment", str(write_csv(tmp_path, corrected, "v2.csv")), "--payer", payer.code, "--json")
    third = json.loads(capsys.readouterr().out)
    assert (third["read"], third["created"], third["updated"], third["unchanged"], third["rejected"]) == (
        30,
        0,
        2,
        28,
        0,
    )
    assert Membership.objects.get(payer=payer, worker__nik=make_nik("64.71.05", dt.date(1980, 1, 1)
                                  + dt.timedelta(days=5 * 37), "P", 5)).wage == 4_000_000  # fmt: skip
    assert Worker.objects.filter(full_name="Pekerja Nomor 7 Diperbaiki").exists()


def test_report_lists_rejected_rows_ready_to_fix(world, tmp_path):
    path = write_csv(tmp_path, [row(1), row(2, nik="6471057212950001"), row(3, segment="BPU", programmes="JKK+JKM+JP")])
    batch = services.import_file(path, payer_code=world.sites["A"].payer.code)
    assert batch.status == "imported" and batch.rejected == 2
    fix = pl.read_excel(batch.report_path, sheet_name="Perbaiki")
    assert fix.height == 2 and fix["Baris asal"].to_list() == [3, 4]
    assert "Tanggal lahir dalam NIK" in fix["Alasan penolakan"][0]
    assert "JP hanya untuk" in fix["Alasan penolakan"][1]
    detail = pl.read_excel(batch.report_path, sheet_name="Rincian")
    assert set(detail["Kolom"]) == {"NIK", "Program"}
    from sijaga.accounts.actor import Actor

    preview = services.rejection_preview(Actor.system("cli"), batch)
    assert [(p["row"], p["column"]) for p in preview] == [(3, "NIK"), (4, "Program")]


def test_all_or_nothing_and_dry_run_write_nothing(world, tmp_path):
    payer = world.sites["A"].payer
    path = write_csv(tmp_path, [row(1), row(2), row(3, nik="x")])
    blocked = services.import_file(path, payer_code=payer.code, all_or_nothing=True)
    assert blocked.status == "validated" and blocked.rejected == 1 and blocked.created == 0
    assert not Worker.objects.filter(full_name__startswith="Pekerja Nomor").exists()
    dry = services.import_file(write_csv(tmp_path, [row(1), row(2)], "ok.csv"), payer_code=payer.code, dry_run=True)
    assert (dry.status, dry.created, dry.rejected) == ("validated", 2, 0)  # what would happen
    assert not Worker.objects.filter(full_name__startswith="Pekerja Nomor").exists()


def test_existing_worker_of_another_region_is_not_touched(world, tmp_path):
    foreign = world.sites["B"].worker
    path = write_csv(tmp_path, [row(1, nik=foreign.nik, birth_date="", gender="", full_name="Diganti")])
    from sijaga.accounts.services import scope_for

    user = world.users["regency_operator"]
    assert not scope_for(user).covers(foreign.domicile_id)
    batch = services.import_file(path, payer_code=world.sites["A"].payer.code, user=user)
    assert batch.rejected == 1
    foreign.refresh_from_db()
    assert foreign.full_name == "Pekerja Situs B"


def test_payer_outside_scope_is_refused(world, tmp_path):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.import_file(write_csv(tmp_path, [row(1)]), payer_code=world.sites["B"].payer.code,
                             user=world.users["regency_operator"])  # fmt: skip


def test_refused_file_is_recorded_with_its_reason(world, tmp_path):
    path = tmp_path / "halaman.xlsx"
    path.write_text("<!DOCTYPE html><html><body>Login</body></html>")
    batch = services.import_file(path, payer_code=world.sites["A"].payer.code)
    assert batch.status == "failed" and "halaman web" in batch.error
    assert [e.status for e in batch.events.all()] == ["uploaded", "validating", "failed"]


IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_upload_is_queued_in_the_database_after_commit(client, world, tmp_path, django_capture_on_commit_callbacks):
    """Production path: the view stores the batch and queues a task (by ID) for `sijaga db_worker`."""
    from django_tasks_db.models import DBTaskResult

    client.force_login(world.users["regency_operator"])
    csv = write_csv(tmp_path, [row(1)])
    with csv.open("rb") as fh, django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/unggah/", {"payer": world.sites["A"].payer.pk, "file": fh})
    assert not DBTaskResult.objects.exists()  # nothing is queued before the transaction commits
    for callback in callbacks:
        callback()
    batch = ImportBatch.objects.get(file_name="peserta.csv")
    task = DBTaskResult.objects.get()
    assert task.task_path == "sijaga.imports.tasks.process_import"
    assert task.args_kwargs["args"] == [str(batch.pk)] and batch.status == "uploaded"


def test_ui_upload_runs_as_background_task(client, world, tmp_path, django_capture_on_commit_callbacks, settings):
    settings.TASKS = IMMEDIATE
    client.force_login(world.users["regency_operator"])
    page = client.get("/unggah/").content.decode()
    assert "Unggah massal kepesertaan" in page and "Pemerintah Kota Balikpapan" in page
    assert "Pemerintah Kabupaten Bulungan" not in page
    csv = write_csv(tmp_path, [row(i) for i in range(1, 6)] + [row(9, nik="123")])
    with csv.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/unggah/", {"payer": world.sites["A"].payer.pk, "file": fh})
    batch = ImportBatch.objects.get(file_name="peserta.csv")
    assert response["Location"] == f"/unggah/{batch.pk}/"
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.channel) == ("imported", 5, "web")
    status = client.get(f"/unggah/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in status and "Kepesertaan baru" in status
    assert 'id="rejections"' in status and "NIK harus 16 digit angka; yang diisi 3 digit." in status
    report = client.get(f"/unggah/{batch.pk}/laporan.xlsx")
    assert report.status_code == 200 and b"".join(report.streaming_content).startswith(b"PK")
    from sijaga.accounts.models import AccessLog

    assert AccessLog.objects.filter(action="export", object_type="import_report", object_id=str(batch.pk)).exists()


def test_api_upload_poll_and_confirm_dry_run(client, world, tmp_path, django_capture_on_commit_callbacks, settings):
    settings.TASKS = IMMEDIATE
    client.force_login(world.users["regency_operator"])
    csv = write_csv(tmp_path, [row(i) for i in range(1, 4)])
    with csv.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/imports/", {"file": fh, "payer_code": world.sites["A"].payer.code, "dry_run": "true"})
    assert r.status_code == 202, r.content
    batch_id = r.json()["id"]
    polled = client.get(f"/api/imports/{batch_id}").json()
    assert (polled["status"], polled["created"], polled["dry_run"]) == ("validated", 3, True)
    assert not Worker.objects.filter(full_name__startswith="Pekerja Nomor").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/imports/{batch_id}/import").status_code == 202
    done = client.get(f"/api/imports/{batch_id}").json()
    assert (done["status"], done["created"]) == ("imported", 3)
    assert Worker.objects.filter(full_name__startswith="Pekerja Nomor").count() == 3


def test_templates_round_trip(client, world, tmp_path):
    xlsx = client.get("/unggah/templat.xlsx")
    path = tmp_path / "templat.xlsx"
    path.write_bytes(xlsx.content)
    sheets = pl.read_excel(path, sheet_id=0)
    assert list(sheets)[:3] == ["Data Peserta", "Daftar Pilihan", "Petunjuk"]
    from sijaga.imports.reader import FileRefused, read_table

    with pytest.raises(FileRefused) as exc:  # an untouched template has headers but no rows
        read_table(path)
    assert exc.value.code == "no_rows"
    csv = client.get("/unggah/templat.csv").content
    assert csv.startswith("\ufeff".encode()) and b"NIK;Nama Lengkap" in csv
    out = tmp_path / "t.xlsx"
    call_command("import_template", str(out))
    assert out.read_bytes().startswith(b"PK")
