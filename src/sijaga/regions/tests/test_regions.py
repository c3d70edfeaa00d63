import json

import pytest
from django.core.management import call_command

from sijaga.regions import services
from sijaga.regions.models import Boundary, Region

pytestmark = pytest.mark.django_db


def test_official_hierarchy_counts_are_exact():
    assert services.region_stats() == {"province": 38, "regency": 514, "district": 7285, "village": 83762}
    kinds = dict(
        Region.objects.filter(level=2).values_list("kind").annotate(n=__import__("django").db.models.Count("code"))
    )
    assert kinds == {"kabupaten": 416, "kota": 98}
    village_kinds = dict(
        Region.objects.filter(level=4).values_list("kind").annotate(n=__import__("django").db.models.Count("code"))
    )
    assert village_kinds == {"desa": 75252, "kelurahan": 8496, "desa_adat": 14}
    assert Region.objects.filter(level=3, kind="distrik").count() == 793


def test_hierarchy_is_consistent():
    balikpapan_village = Region.objects.get(code="64.71.05.1002")
    chain = services.ancestors(services.get_region("64.71.05.1002"))
    assert [r.code for r in chain] == ["64", "64.71", "64.71.05", "64.71.05.1002"]
    assert chain[1].name == "Kota Balikpapan" and chain[1].kind == "kota"
    assert balikpapan_village.parent_id == "64.71.05"
    # no region whose parent is not its code prefix
    for r in Region.objects.filter(level__gt=1).only("code", "parent_id")[::997]:
        assert r.code.startswith(r.parent_id + ".")


def test_load_regions_is_idempotent_and_retires_dropped_codes():
    Region.objects.create(code="64.99", name="Kabupaten Fiktif", level=2, kind="kabupaten", parent_id="64")
    Region.objects.filter(code="64.71").update(name="Kota Balikpapan (lama)")
    result = services.load_regions()
    assert (result.created, result.updated, result.retired) == (0, 1, 1)
    assert result.unchanged == 91599 - 1
    assert Region.objects.get(code="64.71").name == "Kota Balikpapan"
    assert not Region.objects.get(code="64.99").is_current
    again = services.load_regions()
    assert (again.created, again.updated, again.retired) == (0, 0, 0)
    assert services.region_stats()["regency"] == 514


def test_region_clean_rejects_inconsistent_rows():
    from django.core.exceptions import ValidationError

    bad = Region(code="64.7", name="x", level=2, kind="kabupaten", parent_id="64")
    with pytest.raises(ValidationError):
        bad.clean()
    wrong_parent = Region(code="64.71.99", name="x", level=3, kind="kecamatan", parent_id="65.01")
    with pytest.raises(ValidationError):
        wrong_parent.clean()


def test_database_refuses_what_clean_refuses():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="64.98", name="Tanpa induk", level=2, kind="kabupaten", parent=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="64.97", name="Salah jenis", level=2, kind="desa", parent_id="64")


def test_iso3166_mapping_covers_every_province_once():
    iso = services.iso3166_codes()
    provinces = set(Region.objects.filter(level=1).values_list("code", flat=True))
    assert set(iso) == provinces
    assert len(set(iso.values())) == 38
    assert iso["64"] == "ID-KI" and iso["65"] == "ID-KU" and iso["31"] == "ID-JK"
    assert services.province_for_iso("id-ki") == "64"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Balikpapan", "64.71"), ("6471", "64.71"), ("64.71", "64.71"), ("kutai kartanegara", "64.02")],
)
def test_search_by_name_or_code(query, expected):
    assert services.search(query)[0].code == expected


def test_region_commands(capsys):
    call_command("region_stats")
    assert json.loads(capsys.readouterr().out) == {
        "province": 38,
        "regency": 514,
        "district": 7285,
        "village": 83762,
    }
    call_command("load_regions", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 0 and out["unchanged"] == 91599 and out["seconds"] > 0


def test_load_boundaries_from_geojson(tmp_path, capsys):
    square = {
        "type": "Polygon",
        "coordinates": [[[116.8, -1.3], [116.9, -1.3], [116.9, -1.2], [116.8, -1.3]]],
    }
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": "64.71", "properties": {"label": [116.85, -1.25]}, "geometry": square},
            {"type": "Feature", "id": "99.99", "properties": {}, "geometry": square},
        ],
    }
    path = tmp_path / "kab.geojson"
    path.write_text(json.dumps(fc))
    call_command("load_boundaries", str(path))
    assert "1 batas dimuat, 1 kode tidak dikenal" in capsys.readouterr().out
    assert Boundary.objects.get(region_id="64.71").label_point == [116.85, -1.25]
    call_command("load_boundaries", str(path))  # idempotent
    assert Boundary.objects.count() == 1
    geo = services.boundaries_geojson(2)
    assert geo["features"][0]["properties"]["name"] == "Kota Balikpapan"
