"""The rates page and API (public regulation) and the calculator (logged-in users), in Indonesian and English."""

import pytest

from sijaga.accounts.services import create_user
from sijaga.contributions import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates():
    services.load_rates()


@pytest.fixture
def operator(client):
    client.force_login(create_user("op", "pw-12345-x", role="regency_operator", region_codes=["64.71"]))
    return client


def test_rates_page_is_public_and_cites(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        page = client.get("/iuran/tarif/?bulan=2024-06")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Juni 2024", "0.24%", "1.74%", "Rp10.042.300", "Rp6.800", "PP 44/2015 jo. PP 82/2019", "Pasal 29",
                 "PP 37/2021", "belum", "0.21% × (Rp0–Rp100.000.000]"):  # fmt: skip
        assert text in html, text
    assert "99%" not in html  # no relief in force in June 2024
    assert "99%" in client.get("/iuran/tarif/?bulan=2020-10").content.decode()
    assert "Riwayat tarif" not in html  # the history (who corrected) is for logged-in users


def test_rates_page_months(client):
    assert "Tidak ada tarif yang berlaku" in client.get("/iuran/tarif/?bulan=2015-06").content.decode()
    page = client.get("/iuran/tarif/?bulan=2026-13", follow=True).content.decode()
    assert "Bulan tidak sah" in page
    assert client.get("/iuran/tarif/").status_code == 200


def test_rates_api(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        body = client.get("/api/contributions/rates/?month=2025-03").json()
    assert body["month"] == "2025-03"
    keys = {(r["schedule"], r["key"]) for r in body["rates"]}
    assert ("pp-7-2025", "pu.jkk.labour-intensive") in keys and ("pp-6-2025", "pu.jkp.government") in keys
    assert ("pp-37-2021", "pu.jkp.government") not in keys  # replaced by PP 6/2025 from February 2025
    assert not any(r["key"].startswith("pu.jp.cap") for r in body["rates"])  # no JP cap given for March 2025
    assert all(r["regulation"] and r["source"] for r in body["rates"])
    assert client.get("/api/contributions/rates/?month=13/2026").status_code == 422
    assert client.get("/api/contributions/rates/?month=03/2026").json()["month"] == "2026-03"


def test_calculator_api_needs_a_login(client):
    assert client.get("/api/contributions/calculate?segment=pu&wage=5000000&month=2024-06").status_code == 401


def test_calculator_api_prices_the_worked_examples(operator):
    pu = operator.get(
        "/api/contributions/calculate?segment=pu&wage=5000000&month=2024-06&programmes=jkk,jkm,jht,jp&risk_class=1"
    ).json()
    assert pu["totals"] == {"employer": 312_000, "worker": 150_000, "government": 0, "payable": 462_000}
    assert {line["programme"]: (line["employer"], line["worker"]) for line in pu["lines"]} == {
        "jkk": (12_000, 0), "jkm": (15_000, 0), "jht": (185_000, 100_000), "jp": (100_000, 50_000),
    }  # fmt: skip
    assert {r["key"] for r in pu["rates"]} >= {"pu.jkk.1", "pu.jp.cap.2024"}
    bpu = operator.get("/api/contributions/calculate?segment=BPU&wage=1000000&month=03/2026&programmes=JKK+JKM+JHT")
    assert bpu.json()["totals"]["payable"] == 36_800
    jakon = operator.get("/api/contributions/calculate?segment=jakon&contract_value=750000000&month=2026-03").json()
    assert jakon["totals"]["payable"] == 1_375_000


def test_calculator_api_refuses_clearly(operator):
    r = operator.get("/api/contributions/calculate?segment=pu&wage=5000000&month=2026-03&programmes=jkk,jp")
    assert r.status_code == 422
    assert r.json()["detail"]["code"] == "no_cap" and r.json()["detail"]["programme"] == "jp"
    assert "2026-03" in r.json()["detail"]["message"]
    for query in ("segment=pu&wage=-5&month=2026-03", "segment=bpu&wage=500000&month=2026-03",
                  "segment=pu&wage=5000000&month=2015-01", "segment=pu&wage=5000000&month=2026-03&programmes=jkx",
                  "segment=pu&wage=5000000&month=2026-03&risk_class=9", "segment=pu&month=2026-03",
                  "segment=pu&wage=5000000&month=kemarin"):  # fmt: skip
        assert operator.get(f"/api/contributions/calculate?{query}").status_code == 422, query


def test_calculator_page(client, operator, django_assert_max_num_queries):
    programmes = "&".join(f"programmes={p}" for p in ("jkk", "jkm", "jht", "jp"))
    url = f"/iuran/hitung/?segment=pu&bulan=2024-06&{programmes}&wage=5000000&risk_class=1"
    with django_assert_max_num_queries(8):
        page = operator.get(url).content.decode()
    for text in ("Rp12.000", "Rp185.000", "Rp462.000", "PP 45/2015", "jp-wage-caps v1"):
        assert text in page, text
    error = operator.get("/iuran/hitung/?segment=pu&bulan=2026-03&programmes=jp&wage=5000000&risk_class=1")
    assert "Tidak ada batas upah JP yang berlaku pada bulan 2026-03" in error.content.decode()
    assert "Riwayat tarif" in operator.get("/iuran/tarif/").content.decode()
    client.logout()
    assert client.get("/iuran/hitung/").status_code == 302


def test_pages_in_english(operator):
    operator.post("/i18n/setlang/", {"language": "en", "next": "/"})
    rates = operator.get("/iuran/tarif/?bulan=2024-06").content.decode()
    for text in ("Contribution rates in force, June 2024", "Employer", "Wage cap", "Verified"):
        assert text in rates, text
    calc = operator.get("/iuran/hitung/?segment=pu&bulan=2026-03&programmes=jp&wage=5000000&risk_class=1")
    assert "No JP wage cap is in force in 2026-03" in calc.content.decode()
