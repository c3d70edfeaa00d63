"""The six-monthly report: figures equal independent queries, frozen and byte-identical, runs once, says when a
semester has no data; its pages are rendered to PNG (pdftoppm) for a look."""

import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sijaga.accounts.actor import Actor
from sijaga.compliance import report as rendering
from sijaga.compliance import services
from sijaga.compliance.models import Report
from sijaga.core.periods import Semester
from sijaga.enrollment.models import Membership

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def ready(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    services.load_reference()
    coord = Actor.of(world.users["coordinator"])
    services.declare(
        coord,
        region_code="64.71",
        year=2026,
        item_key="regulation",
        met=True,
        upload=SimpleUploadedFile("perwali.pdf", PDF),
        doc_number="Perwali 5/2022",
    )
    meeting = services.create_meeting(
        coord, date=dt.date(2026, 3, 5), title="Monev Kaltim-Kaltara", online=True, region_codes=["64", "65"]
    )
    services.add_action(
        coord,
        meeting,
        decision="Anggarkan iuran",
        owner="Bupati Bulungan",
        region_code="65.01",
        due_date=dt.date(2026, 4, 30),
    )
    return world


def _request(world, semester, region=None, role="coordinator"):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        report, created = services.request_report(Actor.of(world.users[role]), semester, region_code=region)
    report.refresh_from_db()
    return report, created


def test_report_figures_equal_independent_queries(ready):
    report, created = _request(ready, Semester(2026, 1))
    assert created and report.status == "done" and report.progress == 100
    s = report.snapshot
    open_ = Membership.objects.filter(
        status__in=["registered", "active", "inactive"], start_date__lte=dt.date(2026, 6, 30)
    )
    assert s["enrolment"]["total"] == open_.count() == 3
    assert s["enrolment"]["non_asn"] == open_.filter(worker__category="non_asn").count()
    by_province = {r["code"]: r["total"] for r in s["enrolment"]["rows"]}
    assert by_province["64"] == open_.filter(payer__region__code__startswith="64.").count() == 2
    assert by_province["65"] == 1 and len(by_province) == 38
    assert sum(g["count"] for g in s["target_groups"]) == open_.count()
    assert s["scorecard"]["addressees"] and s["actions"][0]["overdue"] is True
    assert s["has_data"] is True
    assert report.pdf_sha256 == hashlib.sha256(bytes(report.pdf)).hexdigest()
    assert report.snapshot_sha256 == rendering.snapshot_digest(s)


def test_frozen_report_is_byte_identical_after_the_data_moves_on(ready, client):
    report, _ = _request(ready, Semester(2026, 1))
    pdf, xlsx = bytes(report.pdf), bytes(report.xlsx)
    # regenerate twice from the frozen snapshot: identical bytes
    assert rendering.render_pdf(report.snapshot) == pdf == rendering.render_pdf(report.snapshot)
    assert rendering.render_xlsx(report.snapshot) == xlsx
    # the data moves on; a second request returns the frozen report, unchanged
    Membership.objects.update(status="ended", end_date=dt.date(2026, 1, 2), end_reason="resignation")
    again, created = _request(ready, Semester(2026, 1))
    assert not created and again.pk == report.pk and bytes(again.pdf) == pdf
    client.force_login(ready.users["coordinator"])
    body = b"".join(client.get(f"/kepatuhan/laporan/{report.pk}.pdf").streaming_content)
    assert body == pdf
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        assert {i.date_time for i in z.infolist()} == {(2021, 3, 25, 0, 0, 0)}


def test_report_requested_twice_runs_once(ready):
    first, created = _request(ready, Semester(2026, 1))
    second, created_again = _request(ready, Semester(2026, 1))
    assert created and not created_again and first.pk == second.pk
    assert Report.objects.count() == 1
    # a stray second task run of the same report does nothing (the queued → running claim is taken once)
    before = bytes(first.pdf)
    services.run_report(first.pk)
    first.refresh_from_db()
    assert bytes(first.pdf) == before


def test_a_semester_without_data_says_so(ready):
    report, _ = _request(ready, Semester(2021, 1))
    assert report.status == "done" and report.snapshot["has_data"] is False
    text = _pdf_text(bytes(report.pdf))
    assert "Tidak ada data untuk semester ini" in text


def test_governor_variant_covers_their_regencies_only(ready):
    report, _ = _request(ready, Semester(2026, 1), region="64", role="province_admin")
    codes = {r["code"] for r in report.snapshot["enrolment"]["rows"]}
    assert codes and all(c.startswith("64.") for c in codes)
    assert report.snapshot["enrolment"]["total"] == 2
    assert [a["region"] for a in report.snapshot["actions"]] == []  # the Bulungan follow-up is Kaltara's


def _pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    text = subprocess.run(
        [shutil.which("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def test_report_pages_render_to_png(ready, tmp_path):
    """Renders every page with pdftoppm; set SIJAGA_SHOTS=/some/dir to keep the PNGs and look at them."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) not installed")
    report, _ = _request(ready, Semester(2026, 1))
    out = Path(os.environ.get("SIJAGA_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    (out / "laporan.pdf").write_bytes(bytes(report.pdf))
    subprocess.run(
        [shutil.which("pdftoppm"), "-r", "60", "-png", str(out / "laporan.pdf"), str(out / "laporan")], check=True
    )
    pages = sorted(out.glob("laporan-*.png"))
    assert len(pages) >= 2
    assert all(p.stat().st_size > 5000 for p in pages)
    text = _pdf_text(bytes(report.pdf))
    assert "Laporan Pelaksanaan Instruksi Presiden Nomor 2 Tahun 2021" in text and "Semester I 2026" in text
