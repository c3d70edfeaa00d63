import json

import pytest
from django.core.management import call_command
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat

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
    # every region below a province: its parent's code is its code prefix, one level up (one query each, all rows)
    below = Region.objects.filter(level__gt=1)
    prefix = Concat(F("parent_id"), Value("."), output_field=CharField())
    assert list(below.exclude(code__startswith=prefix).values_list("code", flat=True)[:5]) == []
    assert list(below.exclude(parent__level=F("level") - 1).values_list("code", flat=True)[:5]) == []


def small_official_list(*extra: tuple[str, str, int, str, str | None]) -> list[tuple[str, str, int, str, str | None]]:
    """A stand-in for `official_regions()`: province 64, Kota Balikpapan, one district and its villages, plus `extra`.

    The session already loaded the full hierarchy once (conftest); loading it again would only test the same code
    on 91,599 rows.
    """
    rows = Region.objects.filter(Q(code__in=["64", "64.71"]) | Q(code="64.71.05") | Q(code__startswith="64.71.05."))
    official = [
        tuple(r) for r in rows.order_by("level", "code").values_list("code", "name", "level", "kind", "parent_id")
    ]
    assert 5 < len(official) < 30
    return official + list(extra)


def test_load_regions_is_idempotent_and_retires_dropped_codes(monkeypatch):
    new_village = ("64.71.05.1999", "Kelurahan Baru", 4, "kelurahan", "64.71.05")
    official = small_official_list(new_village)
    monkeypatch.setattr(services, "official_regions", lambda: iter(official))
    Region.objects.create(code="64.99", name="Kabupaten Fiktif", level=2, kind="kabupaten", parent_id="64")
    Region.objects.filter(code="64.71").update(name="Kota Balikpapan (lama)")
    current_before = Region.objects.filter(is_current=True).count()
    services.region_index()  # cached: a load must clear it

    result = services.load_regions()
    assert (result.created, result.updated, result.unchanged) == (1, 1, len(official) - 2)
    assert result.retired == current_before - (len(official) - 1)  # every current code not in the list
    assert Region.objects.get(code="64.71").name == "Kota Balikpapan"
    assert Region.objects.get(code="64.71.05.1999").is_current
    assert "64.71.05.1999" in services.region_index()
    dropped = Region.objects.filter(code__in=["64.99", "64.72", "64.71.01", "34"])
    assert dropped.count() == 4 and not dropped.filter(is_current=True).exists()  # kept, no longer current
    assert services.region_stats() == {"province": 1, "regency": 1, "district": 1, "village": len(official) - 3}

    again = services.load_regions()
    assert (again.created, again.updated, again.unchanged, again.retired) == (0, 0, len(official), 0)

    samarinda = Region.objects.filter(code="64.72").values_list("code", "name", "level", "kind", "parent_id").get()
    monkeypatch.setattr(services, "official_regions", lambda: iter([*official, samarinda]))
    back = services.load_regions()  # a code that comes back in the decree is current again
    assert (back.created, back.updated, back.unchanged, back.retired) == (0, 1, len(official), 0)
    assert Region.objects.get(code="64.72").is_current


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


def test_region_commands(capsys, monkeypatch):
    stats = {"province": 38, "regency": 514, "district": 7285, "village": 83762}
    call_command("region_stats")
    assert json.loads(capsys.readouterr().out) == stats
    # the loading itself is tested above: here only what the command prints
    result = services.LoadResult(created=1, updated=2, unchanged=91596, retired=3, seconds=1.25)
    monkeypatch.setattr(services, "load_regions", lambda: result)
    call_command("load_regions", "--json")
    assert json.loads(capsys.readouterr().out) == {**result.__dict__, "stats": stats}
    call_command("load_regions")
    out = capsys.readouterr().out
    assert "1 baru, 2 diperbarui, 91596 tetap, 3 tidak berlaku lagi — 1.25 s" in out
    assert "provinsi 38 · kabupaten/kota 514 · kecamatan 7285 · desa/kelurahan 83762" in out


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
