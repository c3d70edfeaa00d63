"""Bulk enrolment through the web page, the way `make demo` runs it: DEBUG on (tests/browser/conftest.py), SQLite in
the SQLite run, and the background worker running beside the web server (here: django-tasks-db's own worker loop in
a thread, as `sijaga db_worker` runs it in the demo). Every messy file kind the reader and validator tests build is
uploaded through the page; each must end — imported with counts, or refused/failed with an Indonesian message — and
the page must stop polling. Screenshots: test-artifacts/import-*.png."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sijaga.imports.tests import files

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-Balikpapan-2026"


@pytest.fixture
def operator(official_regions):
    from sijaga.accounts.services import create_user
    from sijaga.enrollment.services import create_payer

    user = create_user("operator.unggah", PASSWORD, role="regency_operator", region_codes=["64.71"])
    payer = create_payer(
        user,
        {"code": "pemkot-bpp", "name": "Pemerintah Kota Balikpapan", "kind": "pemkab", "region_id": "64.71",
         "funding_source": "apbd"},
    )  # fmt: skip
    return user, payer


@pytest.fixture
def task_worker(transactional_db):
    """The demo's `sijaga db_worker`, in a thread of this process (the SQLite test database lives in memory)."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(queue_names=["*"], interval=0.2, batch=False, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="browser-test", excluded_queue_names=[])  # fmt: skip

    def run() -> None:
        from django.db import connections

        try:
            worker.run()
        finally:
            connections.close_all()  # the thread's own connection, so the test database can be dropped

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=10)


def _files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name → (file, what the page must end with: 'imported' or 'refused')."""
    today = dt.date.today()
    start = f"01/{today:%m/%Y}"
    good = [files.line(i, start_date=start) for i in range(1, 4)]
    messy = [
        ["DAFTAR PEGAWAI NON-ASN 2026"],  # a title row above the header
        files.__getattr__("HEADERS"),
        *good,
        [],  # a blank row
        files.line(4, start_date=start, nik="12345"),  # an invalid NIK: rejected with a reason, the rest imported
        files.line(5, start_date=start, phone="=1+1"),  # a formula-looking phone: rejected
    ]
    return {
        "xlsx with title row, blank and bad rows": (files.write_xlsx(tmp / "pegawai.xlsx", messy), "imported"),
        "csv with semicolons and a BOM": (
            files.write_csv(
                tmp / "pegawai.csv",
                [files.__getattr__("HEADERS"), *[files.line(i, start_date=start) for i in range(6, 9)]],
                sep=";",
                bom=True,
            ),
            "imported",
        ),
        "binary renamed .xlsx": (files.random_binary(tmp / "bukan-excel.xlsx"), "refused"),
        "html saved as .xls": (files.html_page(tmp / "halaman.xls"), "refused"),
        "dimension bomb": (files.far_cell_bomb(tmp / "bom.xlsx"), "refused"),
    }


def test_messy_files_through_the_upload_page_end_visibly(live_server, page: Page, operator, task_worker, broken,
                                                         artifacts, tmp_path):  # fmt: skip
    from sijaga.imports.models import ImportBatch

    user, payer = operator
    page.goto(f"{live_server.url}/akun/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(user.username)

    for name, (path, outcome) in _files(tmp_path).items():
        page.goto(f"{live_server.url}/unggah/")
        # the payer picker: type part of the name, choose the payer among the matches the server offers
        page.locator("#id_target_q").press_sequentially("Balikpapan", delay=10)
        page.locator(f"#target-options input[name=target][value='{payer.pk}']").check()
        page.set_input_files("#id_file", str(path))
        page.get_by_role("button", name="Unggah").click()
        status = page.locator("#batch-status")
        # the page ends: no spinner left, whatever the file
        expect(status.locator("progress")).to_have_count(0, timeout=60_000)
        expect(status).not_to_have_attribute("hx-trigger", "every 1s")
        page.screenshot(path=artifacts / f"import-{name.replace(' ', '-')}.png", full_page=True)
        batch = ImportBatch.objects.order_by("-uploaded_at").first()
        assert batch.is_finished, f"{name}: {batch.status} {batch.phase}"
        if outcome == "imported":
            assert batch.status == "imported", f"{name}: {batch.status} {batch.error}"
            assert batch.read == batch.created + batch.updated + batch.unchanged + batch.rejected
            expect(page.locator("#batch-counts")).to_be_visible()
            if batch.rejected:
                expect(page.locator("#rejections")).to_contain_text("NIK")
        else:
            assert batch.status == "failed", f"{name}: {batch.status}"
            assert batch.error  # a clear Indonesian message, shown on the page
            expect(status.locator(".bad")).to_contain_text(batch.error[:30])
    assert not [b for b in broken if "/unggah/" in b and "HTTP 5" in b], broken
