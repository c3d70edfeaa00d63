import pytest

pytestmark = pytest.mark.django_db


def test_api_list_filter_and_paginate(client):
    r = client.get("/api/regions/", {"level": 1, "limit": 100})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 38 and len(body["items"]) == 38
    r = client.get("/api/regions/", {"parent": "64", "limit": 5})
    assert r.json()["count"] == 10  # 7 kabupaten + 3 kota in Kalimantan Timur


def test_api_detail_children_search(client):
    d = client.get("/api/regions/64.71").json()
    assert d["name"] == "Kota Balikpapan" and d["kind"] == "kota"
    assert [p["code"] for p in d["path"]] == ["64", "64.71"]
    assert d["counts"]["district"] == 6 and d["counts"]["village"] > 0
    assert client.get("/api/regions/64").json()["iso3166"] == "ID-KI"
    kids = client.get("/api/regions/64.71/children", {"limit": 100}).json()
    assert kids["count"] == 6 and all(k["parent_code"] == "64.71" for k in kids["items"])
    found = client.get("/api/regions/search", {"q": "balikpapan", "level": 2}).json()
    assert [f["code"] for f in found] == ["64.71"]
    assert client.get("/api/regions/99.99").status_code == 404
    assert client.get("/api/regions/99.99/children").status_code == 404


def test_openapi_docs_are_served(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/regions/{code}" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn.jsdelivr" not in docs  # works offline


def test_region_pages_in_indonesian(client):
    home = client.get("/")
    assert home.status_code == 200 and "Wilayah" in home.content.decode()
    index = client.get("/wilayah/").content.decode()
    assert "Kalimantan Timur" in index and "83.762" in index
    province = client.get("/wilayah/64/").content.decode()
    assert "Kab/Kota</th>" not in province  # a province lists its regencies with their district/village counts
    detail = client.get("/wilayah/64.71/").content.decode()
    assert "Kota Balikpapan" in detail and "Kalimantan Timur" in detail
    village_list = client.get("/wilayah/64.71.05/").content.decode()
    assert "64.71.05.1002" in village_list
    assert client.get("/wilayah/99/").status_code == 404


def test_region_search_page_and_htmx_fragment(client):
    page = client.get("/wilayah/cari/", {"q": "Tanjung Selor"}).content.decode()
    assert "Tanjung Selor" in page and "<html" in page
    fragment = client.get("/wilayah/cari/", {"q": "64.71", "dalam": "64"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Kota Balikpapan" in fragment
    none = client.get("/wilayah/cari/", {"q": "zzzz"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Tidak ada wilayah" in none


def test_english_is_switchable(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/wilayah/"})
    page = client.get("/wilayah/").content.decode()
    assert 'lang="en"' in page


def test_health(client):
    assert client.get("/sehat/").json()["regions_loaded"] is True
