"""A regency operator enrols a worker through the UI, in Debian's chromium (Playwright, sync API).

Run alone: ``.venv/bin/pytest tests/browser -q -p no:cacheprovider``. Screenshots (enrolment form, worker
profile, verification page) and the card PDF are kept in ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Kec. Balikpapan Selatan (64.71.05), female (day 04 + 40), born 1995-12-04, serial 0001.
NIK = "6471054412950001"
MASKED_NIK = "647105******0001"
BAD_NIK = "6471057212950001"  # day 72 - 40 = 32: not a date
VILLAGE = "64.71.05.1002"  # Sepinggan, Balikpapan Selatan
NAME = "Siti Aminah"
PASSWORD = "rahasia-Balikpapan-2026"


@pytest.fixture
def operator(official_regions):
    """A regency operator of Kota Balikpapan with one payer, made inside the (transactional) test."""
    from sijaga.accounts.services import create_user
    from sijaga.enrollment.services import create_payer

    user = create_user("operator.bpp", PASSWORD, role="regency_operator", region_codes=["64.71"])
    payer = create_payer(
        user,
        {
            "code": "pemkot-balikpapan",
            "name": "Pemerintah Kota Balikpapan",
            "kind": "pemkab",
            "region_id": "64.71",
            "funding_source": "apbd",
        },
    )
    return user, payer


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_have_text(username)


def type_nik(page: Page, nik: str) -> None:
    """Type like a person (key by key) so htmx's `input changed delay:300ms` trigger fires the live check."""
    page.locator("#id_nik").press_sequentially(nik, delay=15)


def fill_rest_of_form(page: Page, payer_pk: int, start: dt.date) -> None:
    page.fill("#id_full_name", NAME)
    page.locator("#id_domicile_q").press_sequentially("Sepinggan", delay=15)
    expect(page.locator(f"#id_domicile option[value='{VILLAGE}']")).to_be_attached()
    page.select_option("#id_domicile", VILLAGE)
    page.select_option("#id_category", "non_asn")
    # the payer picker: a search box asking the server for at most ~20 matches (htmx)
    page.locator("#id_payer_q").press_sequentially("Balikpapan", delay=15)
    option = page.locator(f"#payer-options input[name=payer][value='{payer_pk}']")
    expect(option).to_be_attached()
    option.check()
    page.select_option("#id_segment", "pu")
    for mandatory in ("jkk", "jkm"):
        expect(page.locator(f"input[name=programmes][value={mandatory}]")).to_be_checked()
    page.check("input[name=programmes][value=jht]")
    page.fill("#id_wage", "4.500.000")
    page.fill("#id_start_date", start.isoformat())


def test_operator_enrols_worker_and_gets_profile_card_and_verification(
    live_server, page: Page, broken: list[str], operator, artifacts
):
    from sijaga.enrollment.models import Membership

    user, payer = operator
    start = dt.date.today().replace(day=1)
    log_in(page, live_server.url, user.username)

    page.goto(f"{live_server.url}/kepesertaan/daftar/")
    type_nik(page, NIK)
    expect(page.locator("#nik-check")).to_contain_text("NIK valid")
    expect(page.locator("#nik-check")).to_contain_text("Balikpapan Selatan")
    # The live check pre-fills the birth date and gender encoded in the NIK (htmx out-of-band swaps).
    expect(page.locator("#id_birth_date")).to_have_value("1995-12-04")
    expect(page.locator("#id_gender")).to_have_value("P")

    fill_rest_of_form(page, payer.pk, start)
    page.screenshot(path=artifacts / "enrol-form.png", full_page=True)
    page.click("#submit-enrol")

    # The worker profile.
    expect(page).to_have_url(re.compile(r"/pekerja/\d+/$"))
    expect(page.locator("#worker-name")).to_have_text(NAME)
    membership = page.locator("section.membership")
    expect(membership).to_have_count(1)
    number = membership.locator("h3 .mono")
    expect(number).to_have_text(re.compile(r"^\d{11}$"))
    expect(number).to_have_text(re.compile(rf"^{start:%y}"))
    expect(membership.locator("h3 .badge")).to_have_text("Terdaftar")
    expect(membership.locator("dd .badge")).to_have_text(["JKK", "JKM", "JHT"])
    expect(membership).to_contain_text("Rp4.500.000")
    expect(page.locator("ul.messages")).to_contain_text(f"Kepesertaan {number.inner_text()} terdaftar.")
    expect(page.locator("dl.facts").first).to_contain_text(NIK)
    page.screenshot(path=artifacts / "worker-profile.png", full_page=True)

    # The card: a PDF for the logged-in operator (page.request shares the browser context's session cookie).
    link = page.get_by_role("link", name="Cetak kartu (PDF)")
    card = page.request.get(live_server.url + link.get_attribute("href"))
    assert card.status == 200
    assert card.headers["content-type"] == "application/pdf"
    assert card.body().startswith(b"%PDF")
    (artifacts / "worker-card.pdf").write_bytes(card.body())

    # The public verification page behind the card's QR code, as anyone scanning it (no session): status and
    # masked data only.
    m = Membership.objects.get()
    assert m.number == number.inner_text()
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/v/{m.verify_token}/")
    expect(page.locator("h1")).to_have_text("Verifikasi kepesertaan")
    expect(page.locator("#verify-status")).to_have_text("Terdaftar")
    expect(page.locator("main")).to_contain_text(MASKED_NIK)
    expect(page.locator("main")).not_to_contain_text(NIK)
    expect(page.locator("main")).to_contain_text(m.number)
    expect(page.locator("header .who")).to_have_count(0)  # really anonymous
    page.screenshot(path=artifacts / "verify.png", full_page=True)
    assert not broken, "broken requests or scripts:\n" + "\n".join(dict.fromkeys(broken))


def test_enrol_form_rejects_invalid_nik_live_and_duplicate_nik(
    live_server, page: Page, broken: list[str], operator, artifacts
):
    from sijaga.enrollment import services
    from sijaga.registry.models import Worker

    user, payer = operator
    start = dt.date.today().replace(day=1)
    existing = services.enrol(
        user,
        payer_id=payer.pk,
        segment="pu",
        programmes=["jkk", "jkm"],
        wage=3_500_000,
        start_date=start,
        worker_data={
            "nik": NIK,
            "full_name": NAME,
            "birth_date": dt.date(1995, 12, 4),
            "gender": "P",
            "domicile_id": VILLAGE,
            "category": "non_asn",
        },
    ).membership.worker
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/kepesertaan/daftar/")

    # An impossible birth date in the NIK is reported while typing.
    type_nik(page, BAD_NIK)
    error = page.locator("#nik-check .bad")
    expect(error).to_have_attribute("data-code", "birth_date_invalid")
    expect(error).to_contain_text("Tanggal lahir dalam NIK")
    expect(page.locator("#nik-check")).not_to_contain_text("NIK valid")

    # A NIK already registered: the live check says so and links to the existing worker...
    page.fill("#id_nik", "")
    type_nik(page, NIK)
    check = page.locator("#nik-check")
    expect(check).to_contain_text("NIK valid")
    expect(check).to_contain_text("NIK ini sudah terdaftar.")
    expect(check.get_by_role("link", name=f"Buka data {NAME}")).to_have_attribute("href", f"/pekerja/{existing.pk}/")

    # ...and submitting anyway is refused with the same message and link, without a second worker.
    fill_rest_of_form(page, payer.pk, start)
    page.click("#submit-enrol")
    expect(page).to_have_url(re.compile(r"/kepesertaan/daftar/$"))
    refusal = page.locator("p.messages.error")
    expect(refusal).to_contain_text("NIK ini sudah terdaftar")
    expect(refusal.get_by_role("link", name=NAME)).to_have_attribute("href", f"/pekerja/{existing.pk}/")
    assert Worker.objects.filter(nik=NIK).count() == 1
    page.screenshot(path=artifacts / "enrol-duplicate-nik.png", full_page=True)
    refusal.get_by_role("link", name=NAME).click()
    expect(page.locator("#worker-name")).to_have_text(NAME)
    assert not broken, "broken requests or scripts:\n" + "\n".join(dict.fromkeys(broken))
