"""The payer picker: scoped, at most 20 matches, one query with LIMIT on the name index, even on 75,000 payers;
bad input answers with a hint, never an error; the no-JS "Cari" button re-renders the form with the matches."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijaga.accounts.actor import as_actor
from sijaga.enrollment.models import Payer
from sijaga.enrollment.selectors import PICKER_LIMIT, search_payers

pytestmark = pytest.mark.django_db

NATIONAL = 75_000


def test_picker_is_scoped_and_searches_name_code_and_region(world):
    operator = as_actor(world.users["regency_operator"])
    found, hint = search_payers(operator, "")
    assert [p.pk for p in found] == [world.sites["A"].payer.pk] and hint == ""
    assert search_payers(operator, "Samarinda")[0] == []  # site C's payer: another regency
    coordinator = as_actor(world.users["coordinator"])
    assert [p.code for p in search_payers(coordinator, "samarinda")[0]] == ["pemkab-64-72"]
    assert [p.code for p in search_payers(coordinator, "pemkab-65")[0]] == ["pemkab-65-01"]
    region = world.sites["B"].payer.region.name.split()[-1]
    assert world.sites["B"].payer in search_payers(coordinator, region)[0]


@pytest.mark.parametrize("query", ["a", "x" * 500, "!!!", "...", "-", "_", "%", "\x00ab", "' OR 1=1 --", "a b c"])
def test_bad_input_gives_nothing_or_a_hint(world, query):
    found, hint = search_payers(as_actor(world.users["coordinator"]), query)
    assert len(found) <= PICKER_LIMIT
    if not found:
        assert hint


@pytest.mark.parametrize("query", ["a", "x" * 500, "!!!", "Pemerintah"])
def test_picker_endpoint_never_errors(client, world, query):
    client.force_login(world.users["regency_operator"])
    response = client.get("/kepesertaan/pembayar/pilih/", {"payer_q": query})
    assert response.status_code == 200
    response = client.get("/unggah/pilih-sasaran/", {"target_q": query, "jenis": "kepesertaan"})
    assert response.status_code == 200


def test_no_js_search_button_rerenders_with_matches(client, world):
    client.force_login(world.users["coordinator"])
    response = client.post(
        "/kepesertaan/daftar/", {"payer_q": "samarinda", "_search_payer": "1", "full_name": "Siti", "segment": "pu"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{world.sites["C"].payer.pk}"' in html and 'value="Siti"' in html
    assert "errorlist" not in html  # searching is not submitting


def test_enrol_refuses_a_payer_outside_scope(client, world):
    client.force_login(world.users["regency_operator"])
    response = client.post("/kepesertaan/daftar/", {"payer": world.sites["B"].payer.pk})
    assert "Pilih pembayar iuran dari daftar." in response.content.decode()


@pytest.fixture
def national_payers(world):
    from sijaga.regions.models import Region

    villages = list(Region.objects.filter(level=4).order_by("code").values_list("code", flat=True)[:NATIONAL])
    Payer.objects.bulk_create(
        [
            Payer(code=f"pemdes-{i:06d}", name=f"Pemerintah Desa Nomor {i:06d}", kind="pemdes",
                  region_id=villages[i % len(villages)], funding_source="apbdes",
                  search_text=f"pemerintah desa nomor {i:06d} pemdes-{i:06d}")
            for i in range(NATIONAL)
        ],
        batch_size=5000,
    )  # fmt: skip
    return Payer.objects.count()


def test_picker_on_75000_payers_is_one_limited_indexed_query(world, national_payers):
    assert national_payers >= NATIONAL
    coordinator = as_actor(world.users["coordinator"])
    for query in ("", "desa nomor 0712", "pemdes-07", "Nomor"):
        with CaptureQueriesContext(connection) as queries:
            found, _hint = search_payers(coordinator, query)
        assert len(queries) == 1, [q["sql"] for q in queries]
        sql = queries[0]["sql"]
        assert f"LIMIT {PICKER_LIMIT + 1}" in sql
        assert len(found) <= PICKER_LIMIT
    assert [p.code for p in search_payers(coordinator, "desa nomor 071234")[0]] == ["pemdes-071234"]
    # the plan walks the name index (ORDER BY name LIMIT 21 stops after 21 rows) instead of sorting 75,000 rows
    qs = Payer.objects.visible_to(coordinator).filter(is_active=True).order_by("name", "pk")[: PICKER_LIMIT + 1]
    plan = qs.explain()
    assert "payer_name" in plan or "Index" in plan, plan


def test_picker_on_75000_payers_for_a_regency_operator(world, national_payers):
    operator = as_actor(world.users["regency_operator"])
    with CaptureQueriesContext(connection) as queries:
        found, _hint = search_payers(operator, "nomor")
    assert len(queries) == 1
    assert all(p.region_id.startswith("64.71") for p in found)
