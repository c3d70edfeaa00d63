"""The coordinator sees the national coverage map, clicks Kalimantan Timur on it, then drills down through a regency
to a district's village table (Debian's chromium, DEBUG on like `make demo`). Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-Koordinator-2026"
GEO = Path(__file__).resolve().parents[2] / "src" / "sijaga" / "regions" / "data" / "geo" / "provinces.geojson"


@pytest.fixture
def coverage_data(official_regions):
    from django.core.management import call_command

    from sijaga.accounts.actor import Actor
    from sijaga.accounts.services import create_user
    from sijaga.coverage import refresh, services
    from sijaga.enrollment import services as enrollment
    from sijaga.regions.models import Region
    from sijaga.testing import make_nik

    call_command("load_boundaries", verbosity=0)
    user = create_user("koordinator", PASSWORD, role="coordinator")
    payer = enrollment.create_payer(
        user,
        {"code": "pemkot-bpp", "name": "Pemerintah Kota Balikpapan", "kind": "pemkab", "region_id": "64.71",
         "funding_source": "apbd"},
    )  # fmt: skip
    villages = list(Region.objects.filter(parent_id="64.71.05").order_by("code").values_list("code", flat=True))
    for i in range(12):
        birth = dt.date(1985, 1 + i % 12, 3 + i)
        result = enrollment.enrol(
            user, payer_id=payer.pk, segment="pu", programmes=["jkk", "jkm"], wage=4_000_000,
            start_date=dt.date(2025, 1 + i % 12, 1),
            worker_data={"nik": make_nik("64.71.05", birth, "L", 10 + i), "full_name": f"Peserta {i}",
                         "birth_date": birth, "gender": "L", "domicile_id": villages[i % len(villages)],
                         "category": "non_asn"},
        )  # fmt: skip
        if i % 3:
            enrollment.change_status(user, result.membership, "active", reason="bayar")
    services.write_targets(Actor.system(), [
        services.TargetInput("64.71", dt.date.today().year, "angkatan_kerja", 12, "uji"),
        services.TargetInput("64", dt.date.today().year, "angkatan_kerja", 1_850_000, "uji"),
    ])  # fmt: skip
    refresh.rebuild()
    return user


def test_coordinator_drills_down_from_the_national_map_to_villages(live_server, page: Page, coverage_data,
                                                                   broken, artifacts):  # fmt: skip
    base = live_server.url
    page.goto(f"{base}/akun/login/")
    page.fill("#id_username", "koordinator")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{base}/cakupan/?ukuran=domicile")
    expect(page.locator("p.measure")).to_contain_text("menurut domisili peserta")
    expect(page.locator("#coverage-map")).to_have_attribute("data-ready", "1")
    page.wait_for_timeout(800)  # the map's entry animation
    page.screenshot(path=artifacts / "coverage-national-map.png", full_page=True)

    label = next(f for f in json.loads(GEO.read_text())["features"] if f["id"] == "64")["properties"]["label"]
    point = page.evaluate(
        "([lng, lat]) => echarts.getInstanceByDom(document.getElementById('coverage-map'))"
        ".convertToPixel({seriesIndex: 0}, [lng, lat])",
        label,
    )
    box = page.locator("#coverage-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url("**/cakupan/wilayah/64/**")
    expect(page.locator("h1")).to_contain_text("Kalimantan Timur")
    expect(page.locator("#coverage-map")).to_have_attribute("data-ready", "1")
    page.wait_for_timeout(800)
    page.screenshot(path=artifacts / "coverage-province-64.png", full_page=True)

    row = page.locator("#coverage-table tr", has_text="Balikpapan")
    expect(row).to_contain_text("12")  # registered
    expect(row).to_contain_text("66,7 %")  # 8 active of a target of 12
    row.get_by_role("link").click()
    page.wait_for_url("**/cakupan/wilayah/64.71/**")
    page.screenshot(path=artifacts / "coverage-regency-6471.png", full_page=True)
    page.locator("#coverage-table a", has_text="Balikpapan Selatan").click()
    page.wait_for_url("**/cakupan/wilayah/64.71.05/**")
    expect(page.locator("#coverage-table tbody tr").first).to_be_visible()
    expect(page.locator("#coverage-table")).to_contain_text(Path("Sepinggan").name)
    page.screenshot(path=artifacts / "coverage-district-villages.png", full_page=True)
    assert not broken, broken
