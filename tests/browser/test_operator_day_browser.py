"""The operator's day in chromium (issue 19): searchable pickers, spelling-tolerant names, menus and home pages
by role, the access log for the auditor, and phone-sized pages (390 × 844) without horizontal overflow.

Screenshots go to ``test-artifacts/`` (``day-*.png`` on a desktop, ``phone-*.png`` at 390 px).
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-Balikpapan-2026"
VILLAGE = "64.71.05.1002"  # Sepinggan, Balikpapan Selatan
PHONE = {"width": 390, "height": 844}
PEOPLE = [("Achmad Soeharto", 1), ("Muhammad Nur Hidayat", 2), ("Siti Aminah binti Ahmad", 3), ("Djoko Tjahjono", 4)]


@pytest.fixture
def day(official_regions):
    """A regency operator of Balikpapan with two payers and four workers; an auditor of the same city."""
    from django.utils import timezone

    from sijaga.accounts.services import create_user
    from sijaga.enrollment import services
    from sijaga.enrollment.models import Membership
    from sijaga.imports.models import ImportBatch
    from sijaga.testing import make_nik

    operator = create_user("operator.bpp", PASSWORD, role="regency_operator", region_codes=["64.71"])
    auditor = create_user("auditor.bpp", PASSWORD, role="auditor", region_codes=["64.71"])
    village_op = create_user("operator.sepinggan", PASSWORD, role="village_operator", region_codes=[VILLAGE])
    city = {"code": "pemkot-balikpapan", "name": "Pemerintah Kota Balikpapan", "kind": "pemkab", "region_id": "64.71",
            "funding_source": "apbd"}  # fmt: skip
    city = services.create_payer(operator, city)
    third = {"code": "csr-sepinggan", "name": "Kelurahan Sepinggan (uji)", "kind": "pihak_ketiga",
             "region_id": "64.71.05", "funding_source": "csr"}  # fmt: skip
    services.create_payer(operator, third)
    memberships = []
    for name, serial in PEOPLE:
        birth = dt.date(1980 + serial, 5, serial)
        memberships.append(
            services.enrol(
                operator, payer_id=city.pk, segment="pu", programmes=["jkk", "jkm"], wage=3_500_000,
                start_date=dt.date(2025, 1, 1),
                worker_data={"nik": make_nik("64.71.05", birth, "L", serial), "full_name": name, "birth_date": birth,
                             "gender": "L", "domicile_id": VILLAGE, "category": "non_asn", "phone": "081234567890"},
            ).membership
        )  # fmt: skip
    Membership.objects.filter(pk=memberships[0].pk).update(created_at=timezone.now() - dt.timedelta(days=45))
    batch = ImportBatch.objects.create(
        payer=city, region_id="64.71", uploaded_by=operator, file_name="peserta-januari.xlsx", file_path="/nonexistent",
        file_sha256="0" * 64, file_size=1, status="importing", phase="menyimpan tenaga kerja", progress=66,
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    return {"operator": operator, "auditor": auditor, "village_op": village_op, "city": city,
            "memberships": memberships, "batch": batch}  # fmt: skip


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def no_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: page is {width} px wide on a {PHONE['width']} px phone"


def test_operator_desktop_pickers_names_and_home(live_server, page: Page, broken, day, artifacts):
    base = live_server.url
    log_in(page, base, "operator.bpp")
    # home: the operator's own work first, the API link (they integrate), no access log
    work = page.locator("#my-work")
    expect(work).to_contain_text("Achmad Soeharto")  # registered 45 days ago, not yet active
    expect(work).to_contain_text("peserta-januari.xlsx")
    expect(page.locator("#my-scope")).to_contain_text("Kepesertaan aktif")
    expect(page.locator("header nav a[href='/api/docs']")).to_have_count(1)
    expect(page.locator("header nav a[href='/audit/']")).to_have_count(0)
    page.screenshot(path=artifacts / "day-operator-home.png", full_page=True)

    # the worker list: spelling variants and word order; the region filter by name
    page.goto(f"{base}/pekerja/")
    page.locator("input[name=q]").press_sequentially("suharto ahmad", delay=20)
    rows = page.locator("table.worker-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Achmad Soeharto")
    page.fill("input[name=q]", "")
    page.fill("input[name=region]", "Sepinggan")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table.worker-table tbody tr")).to_have_count(len(PEOPLE))
    page.goto(f"{base}/pekerja/?region=Baru")  # Baru Ilir, Baru Tengah, Baru Ulu …: choose one
    hint = page.locator("p.hint")
    expect(hint).to_contain_text("cocok dengan beberapa wilayah")
    page.screenshot(path=artifacts / "day-region-hint.png", full_page=True)
    hint.locator("a").first.click()
    expect(page.locator("p.hint")).to_have_count(0)
    page.goto(f"{base}/pekerja/?q=bin")
    expect(page.locator("table.worker-table tbody")).to_contain_text("Tidak ada tenaga kerja yang cocok")
    page.goto(f"{base}/pekerja/?q=mochamad+noor")
    expect(page.locator("table.worker-table tbody tr")).to_have_count(1)
    page.screenshot(path=artifacts / "day-worker-search.png", full_page=True)

    # the payer picker on the enrolment form: search by region name, bad input gives a hint
    page.goto(f"{base}/kepesertaan/daftar/")
    expect(page.locator("#payer-options input[name=payer]")).to_have_count(2)  # few payers: shown without typing
    page.locator("#id_payer_q").press_sequentially("x", delay=20)
    expect(page.locator("#payer-options .picker-hint")).to_contain_text("sedikitnya 2 huruf")
    page.fill("#id_payer_q", "")
    page.locator("#id_payer_q").press_sequentially("Balikpapan Selatan", delay=10)
    expect(page.locator("#payer-options input[name=payer]")).to_have_count(1)
    expect(page.locator("#payer-options")).to_contain_text("Kelurahan Sepinggan (uji)")
    page.screenshot(path=artifacts / "day-payer-picker.png", full_page=True)

    # the upload form uses the same picker; a running import shows its progress bar and step
    page.goto(f"{base}/unggah/")
    expect(page.locator("#target-options input[name=target]")).to_have_count(2)
    page.screenshot(path=artifacts / "day-upload.png", full_page=True)
    page.goto(f"{base}/unggah/{day['batch'].pk}/")
    expect(page.locator("#batch-status progress")).to_have_attribute("value", "66")
    expect(page.locator("#batch-status")).to_contain_text("menyimpan tenaga kerja")
    page.screenshot(path=artifacts / "day-import-progress.png", full_page=True)
    assert not [b for b in broken if "/nonexistent" not in b], broken


def test_auditor_reads_the_access_log(live_server, page: Page, broken, day, artifacts):
    base = live_server.url
    log_in(page, base, "operator.bpp")
    page.goto(f"{base}/pekerja/?q=Soeharto")
    page.context.clear_cookies()
    log_in(page, base, "auditor.bpp")
    expect(page.locator("header nav a[href='/api/docs']")).to_have_count(0)  # auditors do not integrate
    expect(page.locator("header nav a[href='/unggah/']")).to_have_count(0)
    expect(page.locator("#access-log")).to_contain_text("operator.bpp")
    page.screenshot(path=artifacts / "day-auditor-home.png", full_page=True)
    page.locator("header nav a[href='/audit/']").click()
    expect(page.locator("h1")).to_have_text("Log akses data pribadi")
    page.select_option("select[name=action]", "search")
    page.fill("input[name=user]", "operator")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table.access-log tbody")).to_contain_text("operator.bpp")
    page.screenshot(path=artifacts / "day-audit.png", full_page=True)
    assert not broken, broken


def test_village_operator_menu_has_no_api_link(live_server, page: Page, day):
    log_in(page, live_server.url, "operator.sepinggan")
    expect(page.locator("header nav a[href='/api/docs']")).to_have_count(0)
    expect(page.locator("header nav a[href='/unggah/']")).to_have_count(1)


def test_phone_sized_pages(live_server, chromium, day, artifacts):
    """Menu, worker list (cards), enrolment form, verification page and access log at 390 px."""
    base = live_server.url
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                   locale="id-ID", timezone_id="Asia/Jakarta")  # fmt: skip
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, base, "operator.bpp")
        nav = page.locator("header nav")
        expect(nav).to_be_hidden()  # the menu is collapsed...
        page.locator("label.menu-button").click()
        expect(nav).to_be_visible()  # ...and opens
        expect(nav.locator("a[href='/pekerja/']")).to_be_visible()
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-menu.png", full_page=True)

        page.goto(f"{base}/")
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-home.png", full_page=True)

        page.goto(f"{base}/pekerja/")
        expect(page.locator("table.worker-table thead")).to_be_hidden()  # cards, not the wide table
        first = page.locator("table.worker-table tbody tr").first
        assert first.bounding_box()["width"] <= PHONE["width"]
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-worker-list.png", full_page=True)

        page.goto(f"{base}/kepesertaan/daftar/")
        no_overflow(page)
        page.locator("#id_payer_q").press_sequentially("Balikpapan", delay=15)
        expect(page.locator("#payer-options input[name=payer]").first).to_be_attached()
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-enrol.png", full_page=True)

        page.goto(f"{base}/pekerja/{day['memberships'][0].worker_id}/")
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-worker-detail.png", full_page=True)

        page.context.clear_cookies()
        page.goto(f"{base}/v/{day['memberships'][0].verify_token}/")
        expect(page.locator("#verify-status")).to_be_visible()
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-verify.png", full_page=True)

        log_in(page, base, "auditor.bpp")
        page.goto(f"{base}/audit/")
        no_overflow(page)
        page.screenshot(path=artifacts / "phone-audit.png", full_page=True)
    finally:
        context.close()
