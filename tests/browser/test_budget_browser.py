"""A regency operator prices next year's contributions, saves the plan, records the adopted allocation with its
Perda as a PDF, and sees Kota Balikpapan leave the "belum menganggarkan" list — in Debian's chromium (Playwright).

Screenshots (simulator result, allocation, lists before and after) are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
PASSWORD = "rahasia-Balikpapan-2026"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def operator(official_regions):
    from sijaga.accounts.actor import Actor
    from sijaga.accounts.services import create_user
    from sijaga.contributions.services import load_rates

    load_rates(Actor.system("cli"))
    return create_user("operator.bpp", PASSWORD, role="regency_operator", region_codes=["64.71"])


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(username)


def test_price_save_record_and_leave_the_list(page: Page, live_server, operator, artifacts, broken, tmp_path):
    base = live_server.url
    page.set_default_timeout(30_000)  # two cores shared by several test runs: pricing a year may take seconds
    log_in(page, base, "operator.bpp")

    page.goto(f"{base}/anggaran/daftar/?tahun=2027&daftar=belum")
    expect(page.locator("#daftar")).to_contain_text("Kota Balikpapan")
    page.screenshot(path=artifacts / "budget-1-belum-menganggarkan.png", full_page=True)

    page.goto(f"{base}/anggaran/simulasi/")
    page.fill("#id_region", "64.71")
    page.fill("#id_year", "2027")
    page.fill("#id_rt_rw_people", "1200")
    page.fill("#id_rt_rw_income", "1000000")
    page.fill("#id_amount", "100000000")
    page.locator("button[name=hitung]").click()
    expect(page.get_by_test_id("total")).to_have_text("Rp241.920.000")
    expect(page.get_by_test_id("explanation")).to_contain_text("496 Ketua RT/RW")  # Rp100 juta ÷ Rp201.600
    page.screenshot(path=artifacts / "budget-2-simulasi.png", full_page=True)

    page.fill("#id_title", "Rencana RT/RW 2027")
    page.locator("button[name=simpan]").click()
    expect(page.locator("h1")).to_have_text("Rencana RT/RW 2027")
    page.get_by_role("link", name="Catat alokasi yang ditetapkan").click()
    expect(page.locator("#id_amount")).to_have_value("241920000")
    page.fill("#id_document_number", "7 Tahun 2026")
    page.fill("#id_document_date", "2026-11-28")
    page.fill("#id_account_code", "5.1.02.01.01.0026")
    evidence = tmp_path / "Perda APBD 2027.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("#id_evidence", str(evidence))
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("amount")).to_have_text("Rp241.920.000")
    expect(page.locator("main")).to_contain_text("Perda APBD 2027.pdf")
    page.screenshot(path=artifacts / "budget-3-alokasi.png", full_page=True)

    page.goto(f"{base}/anggaran/daftar/?tahun=2027&daftar=belum")
    expect(page.locator("#daftar")).not_to_contain_text("Kota Balikpapan")
    page.goto(f"{base}/anggaran/daftar/?tahun=2027&daftar=semua")
    expect(page.locator("#daftar")).to_contain_text("Rp241.920.000")
    page.screenshot(path=artifacts / "budget-4-daftar.png", full_page=True)
    assert broken == []
