"""Inpres compliance in chromium (issue 16): a regency operator declares the supporting regulation with an evidence
upload, and the province admin sees the scorecard and the "belum ada regulasi" list change; once the regency's APBD
allocation is recorded, it leaves the "belum menganggarkan" list. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-Balikpapan-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people(official_regions):
    from sijaga.accounts.services import create_user
    from sijaga.compliance.services import load_reference

    load_reference()
    return {
        "operator": create_user("operator.bpp", PASSWORD, role="regency_operator", region_codes=["64.71"]),
        "governor": create_user("admin.kaltim", PASSWORD, role="province_admin", region_codes=["64"]),
    }


def log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_checklist_upload_changes_the_scorecard_and_the_lists(live_server, page: Page, broken, people, artifacts):
    from django.utils import timezone

    base, year = live_server.url, timezone.localdate().year
    log_in(page, base, "admin.kaltim")
    page.goto(f"{base}/kepatuhan/")
    row = page.locator('#scorecard tr[data-code="64.71"]')
    expect(row).to_be_visible()
    before = row.locator("td.pct").inner_text()
    expect(page.locator('#no-regulation li[data-code="64.71"]')).to_have_count(1)
    expect(page.locator('#not-budgeted li[data-code="64.71"]')).to_have_count(1)
    page.screenshot(path=artifacts / "compliance-1-before.png", full_page=True)

    log_in(page, base, "operator.bpp")
    page.goto(f"{base}/kepatuhan/wilayah/64.71/{year}/")
    form = page.locator("#declare")
    form.locator("select[name=item]").select_option("regulation")
    form.locator("input[name=doc_number]").fill("Perwali Balikpapan Nomor 5 Tahun 2022")
    form.locator("input[name=doc_date]").fill("2022-03-01")
    # a hostile name: path traversal and a control character, neutralised on the way in
    form.locator("input[name=evidence]").set_input_files(
        files=[{"name": "../../etc/perwali\u0007.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("#item-regulation td.met")).to_be_visible()
    expect(page.locator("#item-regulation a")).to_have_text("perwali.pdf")
    page.screenshot(path=artifacts / "compliance-2-declared.png", full_page=True)

    # a renamed executable is refused with a clear message
    form = page.locator("#declare")
    form.locator("select[name=item]").select_option("nik")
    form.locator("input[name=evidence]").set_input_files(
        files=[{"name": "data-nik.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 200}]
    )
    form.locator("button[type=submit]").click()
    expect(page.get_by_text("bukan dokumen")).to_be_visible()
    expect(page.locator("#item-nik td.not_met")).to_be_visible()

    log_in(page, base, "admin.kaltim")
    page.goto(f"{base}/kepatuhan/")
    after = page.locator('#scorecard tr[data-code="64.71"] td.pct').inner_text()
    assert after != before, (before, after)
    expect(page.locator('#no-regulation li[data-code="64.71"]')).to_have_count(0)
    expect(page.locator('#not-budgeted li[data-code="64.71"]')).to_have_count(1)

    from django.core.files.uploadedfile import SimpleUploadedFile

    from sijaga.budget import services as budget

    budget.record_allocation(people["operator"], region_code="64.71", year=year, document_type="perda_apbd",
                             document_number=f"Perda APBD Balikpapan {year}", document_date=dt.date(year - 1, 12, 20),
                             account_code="5.1", amount=750_000_000,
                             evidence=SimpleUploadedFile("apbd.pdf", PDF))  # fmt: skip
    page.reload()
    expect(page.locator('#not-budgeted li[data-code="64.71"]')).to_have_count(0)
    expect(page.locator('#scorecard tr[data-code="64.71"] td.met').first).to_be_visible()
    assert page.locator('#scorecard tr[data-code="64.71"] td.pct').inner_text() != after
    page.screenshot(path=artifacts / "compliance-3-after.png", full_page=True)
    assert not broken, broken
