"""Pages, data URLs and the API give the selectors' figures; the public page suppresses small cells."""

import csv
import io

import pytest

from sijaga.accounts.actor import Actor
from sijaga.coverage import refresh, selectors, services
from sijaga.coverage.models import Target
from sijaga.testing import PASSWORD


@pytest.fixture
def built(coverage_world):
    refresh.rebuild()
    rows = selectors.coverage_rows(Actor.system(), measure="domicile", level=2)
    busiest = max(rows, key=lambda r: (r.active, r.code))
    assert busiest.active >= 2
    coverage_world.busiest = busiest.code
    services.write_targets(
        Actor.system(),
        [
            services.TargetInput("64", 2026, "angkatan_kerja", 20, "uji"),
            # fewer than the active members: over 100 %
            services.TargetInput(busiest.code, 2026, "angkatan_kerja", busiest.active - 1, "uji"),
            services.TargetInput("64", 2026, "non_asn", 50, "uji"),
        ],
    )
    return coverage_world


def login(client, username="koordinator"):
    assert client.login(username=username, password=PASSWORD)


def test_national_page_names_the_measure_and_shows_the_map(client, built):
    login(client)
    response = client.get("/cakupan/?ukuran=payer")
    text = response.content.decode()
    assert response.status_code == 200
    assert "menurut wilayah pembayar" in text and 'id="coverage-map"' in text
    assert "echarts.min.js" in text and "belum ada data sasaran" in text


@pytest.mark.parametrize("measure", ["payer", "domicile"])
def test_data_urls_equal_the_selectors(client, built, measure):
    login(client)
    expected = selectors.coverage_rows(Actor.system(), measure=measure, level=2, parent="64")
    data = client.get(f"/cakupan/tabel.json?ukuran={measure}&tingkat=2&induk=64").json()
    assert [(r["code"], r["registered"], r["active"]) for r in data["rows"]] == [
        (r.code, r.registered, r.active) for r in expected
    ]
    rows = list(csv.reader(io.StringIO(client.get(f"/cakupan/tabel.csv?ukuran={measure}&tingkat=2&induk=64")
                                       .content.decode("utf-8-sig")), delimiter=";"))  # fmt: skip
    assert len(rows) == len(expected) + 1
    xlsx = client.get(f"/cakupan/tabel.xlsx?ukuran={measure}&tingkat=2&induk=64")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    api = client.get(f"/api/coverage/rows?measure={measure}&level=2&parent=64").json()
    assert [(r["code"], r["registered"]) for r in api] == [(r.code, r.registered) for r in expected]


def test_missing_target_and_over_100(built):
    rows = {r.code: r for r in selectors.coverage_rows(Actor.system(), measure="domicile", level=2)}
    busiest = rows[built.busiest]
    assert busiest.target == busiest.active - 1
    assert busiest.percent > 100 and busiest.over_100  # shown, not clipped
    other = next(r for code, r in rows.items() if code != built.busiest and r.registered)
    assert other.target is None and other.percent is None and not other.over_100
    zero_target = services.resolve_targets([("64.01", "angkatan_kerja", 0, False)])
    assert zero_target[("64.01", "angkatan_kerja")] == (0, False)
    assert selectors.percent_of(5, 0) is None


def test_drill_down_pages(client, built):
    login(client)
    for url in ("/cakupan/wilayah/64/", "/cakupan/wilayah/64.71/", f"/cakupan/wilayah/{built.sites['A'].village[:8]}/"):
        response = client.get(url + "?ukuran=domicile")
        assert response.status_code == 200, url
    assert client.get("/cakupan/wilayah/64.71.05.1002/").status_code == 404
    assert client.get("/cakupan/wilayah/9/").status_code == 404
    assert client.get("/cakupan/tabel.json?ukuran=x").status_code == 404


def test_province_admin_lands_on_their_province(client, built):
    login(client, "admin.kaltim")
    response = client.get("/cakupan/")
    assert response.status_code == 302 and response["Location"].startswith("/cakupan/wilayah/64/")


def test_public_page_needs_no_login_and_suppresses_small_cells(client, built):
    response = client.get("/cakupan/publik/")
    assert response.status_code == 200
    data = client.get("/cakupan/publik/tabel.json?ukuran=domicile&tingkat=2&induk=64").json()
    for row in data["rows"]:
        if row["suppressed"]:
            assert row["registered"] is None and row["active"] is None
        else:
            assert row["registered"] == 0 or row["registered"] >= 5
    assert any(r["suppressed"] for r in data["rows"])
    assert client.get("/cakupan/").status_code == 302  # the full dashboard needs a login


def test_target_outside_scope_is_refused(client, built):
    login(client, "admin.kaltim")
    client.post("/cakupan/sasaran/", {"region_code": "65.01", "year": "2026", "category": "angkatan_kerja",
                                      "count": "10", "source": "x"})  # fmt: skip
    assert not Target.objects.filter(region_code="65.01").exists()
    client.post("/cakupan/sasaran/", {"region_code": "64.72", "year": "2026", "category": "angkatan_kerja",
                                      "count": "10", "source": "BPS"})  # fmt: skip
    assert Target.objects.get(region_code="64.72").count == 10
    client.post("/cakupan/sasaran/", {"region_code": "64.72", "year": "2026", "category": "angkatan_kerja",
                                      "count": "-1", "source": "BPS"})  # fmt: skip
    assert Target.objects.get(region_code="64.72").count == 10


def test_rankings_lagging_and_targets_pages(client, built):
    login(client)
    for url in ("/cakupan/peringkat/", "/cakupan/peringkat/?format=json", "/cakupan/tertinggal/?ambang=90",
                "/cakupan/sasaran/", "/cakupan/tren.json?ukuran=payer&wilayah=64", "/cakupan/peta.json"):  # fmt: skip
        assert client.get(url).status_code == 200, url


def test_query_counts_of_the_pages(client, built, django_assert_max_num_queries):
    login(client)
    with django_assert_max_num_queries(40):
        client.get("/cakupan/wilayah/64/?ukuran=payer")
    with django_assert_max_num_queries(15):
        client.get("/cakupan/tabel.json?ukuran=domicile&tingkat=1")


def test_svg_choropleth(built):
    from sijaga.coverage.maps import choropleth_svg
    from sijaga.regions.models import Boundary

    square = {"type": "Polygon", "coordinates": [[[116, -1], [117, -1], [117, -2], [116, -2], [116, -1]]]}
    Boundary.objects.create(region_id=built.busiest, geometry=square, source="uji")
    parent = built.busiest[:2]
    rows = selectors.coverage_rows(Actor.system(), measure="domicile", level=2, parent=parent)
    svg = choropleth_svg(rows, level=2, parent=parent)
    assert (
        svg.startswith("<svg") and f'data-code="{built.busiest}"' in svg and "#f59e0b" in svg
    )  # over 100 %: its colour
    assert "Peta tidak tersedia" in choropleth_svg(rows, level=4, parent="64.71.05")


def test_packaged_boundaries_load_without_a_folder(db):
    from django.core.management import call_command

    from sijaga.regions.models import Boundary

    call_command("load_boundaries", stdout=io.StringIO())
    assert Boundary.objects.filter(region__level=1).count() == 38
    assert Boundary.objects.filter(region__level=2).count() == 514
