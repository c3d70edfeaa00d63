"""A regency operator records the death of a worker a company never registered, with the heirs, and sees the
company's liability exposure change on its payer page (Debian's chromium, Playwright sync API, DEBUG on).

Screenshots (the form, the case page, the payer page before and after) are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from sijaga.testing import make_nik

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-Balikpapan-2026"
VILLAGE = "64.71.05.1002"  # Sepinggan, Balikpapan Selatan


@pytest.fixture
def world_bpp(official_regions):
    from sijaga.accounts.services import create_user
    from sijaga.benefits.services import load_benefit_rules
    from sijaga.enrollment.services import create_payer
    from sijaga.registry.services import create_worker

    load_benefit_rules()
    user = create_user("operator.bpp", PASSWORD, role="regency_operator", region_codes=["64.71"])
    company = create_payer(user, {"code": "pt-teluk", "name": "PT Teluk Balikpapan Jaya", "kind": "badan_usaha",
                                  "region_id": "64.71", "funding_source": "mandiri"})  # fmt: skip
    worker = create_worker(user, {"nik": make_nik("64.71.05", dt.date(1980, 2, 3), "L", 11),
                                  "full_name": "Budi Santoso", "birth_date": dt.date(1980, 2, 3), "gender": "L",
                                  "domicile_id": VILLAGE, "category": "formal_lain"})  # fmt: skip
    return user, company, worker


def test_record_a_death_with_heirs_and_see_the_payer_exposure(live_server, page: Page, broken, artifacts, world_bpp):
    user, company, worker = world_bpp
    base = live_server.url
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(user.username)

    page.goto(f"{base}/kepesertaan/pembayar/{company.pk}/")
    expect(page.locator("#payer-exposure")).to_have_text("Rp0")
    page.screenshot(path=artifacts / "benefits-1-payer-before.png", full_page=True)

    page.goto(f"{base}/pekerja/{worker.pk}/")
    page.get_by_role("link", name="Catat kematian/kecelakaan kerja").click()
    page.select_option("#id_event_type", "death")
    page.fill("#id_event_date", "2025-06-01")
    page.fill("#id_cause", "Serangan jantung di rumah")
    page.fill("#id_place", "Sepinggan")
    page.select_option("#id_payer", str(company.pk))
    heirs = [("Sri Wahyuni", "spouse", make_nik("64.71.05", dt.date(1982, 5, 6), "P", 12), ""),
             ("Dewi Santoso", "child", make_nik("64.71.05", dt.date(2014, 7, 8), "P", 13), "tk_sd")]  # fmt: skip
    for i, (name, relation, nik, level) in enumerate(heirs):
        page.fill(f"input[name=heir-{i}-name]", name)
        page.select_option(f"select[name=heir-{i}-relation]", relation)
        page.fill(f"input[name=heir-{i}-nik]", nik)
        page.select_option(f"select[name=heir-{i}-school_level]", level)
    page.fill("input[name=heir-0-account_number]", "0031000012")
    page.screenshot(path=artifacts / "benefits-2-record-form.png", full_page=True)
    page.get_by_role("button", name="Simpan kasus").click()

    expect(page.locator("h1")).to_contain_text("Budi Santoso")
    expect(page.locator("#employer-owes")).to_have_text("Rp42.000.000")
    expect(page.get_by_text("Tidak terdaftar pada tanggal kejadian")).to_be_visible()
    expect(page.get_by_text("belum terverifikasi terhadap naskah resmi (JDIH)")).to_be_visible()
    expect(page.get_by_text("Sri Wahyuni")).to_be_visible()
    page.screenshot(path=artifacts / "benefits-3-case.png", full_page=True)

    page.goto(f"{base}/kepesertaan/pembayar/{company.pk}/")
    expect(page.locator("#payer-exposure")).to_have_text("Rp42.000.000")
    expect(page.locator("#benefit-exposure")).to_contain_text("belum terverifikasi")
    page.screenshot(path=artifacts / "benefits-4-payer-after.png", full_page=True)

    page.goto(f"{base}/wilayah/64.71/")
    expect(page.locator("#region-exposure")).to_have_text("Rp42.000.000")
    page.screenshot(path=artifacts / "benefits-5-region.png", full_page=True)
    assert not broken, broken
