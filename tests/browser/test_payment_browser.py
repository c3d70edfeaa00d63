"""Issue 13 in chromium (DEBUG on, like `make demo`): an operator records a payment on the page and sees the
membership turn *Aktif* — from *Terdaftar* on the first payment, and back from *Nonaktif (menunggak)* once the
arrears are paid — with the system as the actor and the reason in the status history. Screenshots: ``pay-*.png``."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-Balikpapan-2026"
VILLAGE = "64.71.05.1002"
MONTHLY = 4_000_000 * 54 // 10_000  # PU Rp4,000,000, JKK class I 0.24 % + JKM 0.30 % = Rp21,600


@pytest.fixture
def billed(official_regions, settings):
    from sijaga.accounts.actor import Actor
    from sijaga.accounts.services import create_user
    from sijaga.contributions import billing
    from sijaga.contributions.services import load_rates
    from sijaga.core.periods import Month
    from sijaga.enrollment import services
    from sijaga.testing import make_nik

    settings.ARREARS_MONTHS = 3
    load_rates(Actor.system("cli"))
    operator = create_user("operator.bpp", PASSWORD, role="regency_operator", region_codes=["64.71"])
    coordinator = create_user("koordinator", PASSWORD, role="coordinator")
    city = {"code": "pemkot-balikpapan", "name": "Pemerintah Kota Balikpapan", "kind": "pemkab", "region_id": "64.71",
            "funding_source": "apbd"}  # fmt: skip
    city = services.create_payer(operator, city)
    birth = dt.date(1985, 5, 5)
    membership = services.enrol(
        operator, payer_id=city.pk, segment="pu", programmes=["jkk", "jkm"], wage=4_000_000,
        start_date=dt.date(2025, 1, 1),
        worker_data={"nik": make_nik("64.71.05", birth, "P", 7), "full_name": "Siti Rahmawati", "birth_date": birth,
                     "gender": "P", "domicile_id": VILLAGE, "category": "non_asn"},
    ).membership  # fmt: skip
    billing.run_billing(coordinator, Month(2025, 1), payer_id=city.pk)
    return {"city": city, "membership": membership, "coordinator": coordinator}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def pay(page: Page, base: str, city, amount: int, reference: str) -> None:
    page.goto(f"{base}/iuran/bayar/")
    page.select_option("#id_payer", str(city.pk))
    page.fill("#id_amount", str(amount))
    page.fill("#id_paid_on", "2025-06-05")
    page.fill("#id_reference", reference)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Pembayaran dicatat")


def test_a_payment_on_the_page_makes_the_membership_active(live_server, page: Page, broken, billed, artifacts):
    from sijaga.contributions import billing
    from sijaga.core.periods import Month

    base, m, city = live_server.url, billed["membership"], billed["city"]
    worker_url = f"{base}/pekerja/{m.worker_id}/"
    log_in(page, base, "operator.bpp")
    page.goto(worker_url)
    badge = page.locator(".membership h3 .badge")
    expect(badge).to_have_text("Terdaftar")

    # the arrears list shows the membership, the payment form records January's bill
    page.goto(f"{base}/iuran/tunggakan/")
    expect(page.locator("table.grid")).to_contain_text(m.number)
    page.goto(f"{base}/iuran/bayar/")
    page.select_option("#id_payer", str(city.pk))
    page.fill("#id_amount", str(MONTHLY))
    page.fill("#id_paid_on", "2025-02-05")
    page.fill("#id_reference", "TRF-BPP-0001")
    page.screenshot(path=artifacts / "pay-1-form.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Pembayaran dicatat: Rp21.600 dialokasikan, kredit Rp0.")
    page.screenshot(path=artifacts / "pay-2-recorded.png", full_page=True)

    page.goto(worker_url)
    expect(badge).to_have_text("Aktif")
    page.locator(".membership details summary", has_text="Riwayat kepesertaan").click()
    row = page.locator(".membership details tr", has_text="Pembayaran iuran pertama diterima")
    expect(row).to_contain_text("Aktif")
    expect(row).to_contain_text("Sistem")
    page.screenshot(path=artifacts / "pay-3-active.png", full_page=True)

    # three months unbilled-then-unpaid: Nonaktif (menunggak) by the system; paying the arrears makes it Aktif again
    for month in (Month(2025, 2), Month(2025, 3), Month(2025, 4)):
        billing.run_billing(billed["coordinator"], month, payer_id=city.pk)
    page.goto(worker_url)
    expect(badge).to_have_text("Nonaktif (menunggak)")
    pay(page, base, city, 3 * MONTHLY, "TRF-BPP-0002")
    page.goto(worker_url)
    expect(badge).to_have_text("Aktif")
    page.locator(".membership details summary", has_text="Riwayat kepesertaan").click()
    history = page.locator(".membership details tbody")
    expect(history).to_contain_text("Menunggak iuran 3 bulan")
    expect(history).to_contain_text("Tunggakan iuran dibayar")
    page.screenshot(path=artifacts / "pay-4-reactivated.png", full_page=True)
    assert not broken, broken
