"""Query counts of every list and detail (NetBox's habit): bounded, and the same for 3 rows as for 30 (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    # url template: ceiling on queries
    "/": 12,
    "/pekerja/": 12,
    "/pekerja/?q=Pekerja": 12,
    "/pekerja/ekspor.xlsx": 12,
    "/pekerja/{worker}/": 16,
    "/kepesertaan/pembayar/": 10,
    "/api/workers/": 10,
    "/api/workers/{worker}": 10,
    "/api/memberships/": 12,
    "/api/memberships/{membership}": 12,
    "/api/payers/": 10,
    "/unggah/": 12,
    "/api/imports/": 10,
    "/anggaran/?tahun=2027": 12,
    "/anggaran/daftar/?tahun=2027&daftar=semua": 12,
    "/anggaran/daftar.json?tahun=2027&daftar=semua": 12,
    "/api/budget/status?year=2027": 12,
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _more_workers(world, n: int) -> None:
    from sijaga.enrollment import services

    site = world.sites["A"]
    for i in range(n):
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=i * 37)
        services.enrol(
            world.users["coordinator"], payer_id=site.payer.pk, segment="pu", programmes=["jkk", "jkm"],
            wage=3_000_000 + i, start_date=dt.date(2025, 2, 1),
            worker_data={"nik": make_nik("64.71.01", birth, "P", 100 + i), "full_name": f"Pekerja Tambahan {i}",
                         "birth_date": birth, "gender": "P", "domicile_id": site.village, "category": "non_asn"},
        )  # fmt: skip


@pytest.mark.parametrize("url", list(ENDPOINTS))
def test_query_count_is_bounded_and_independent_of_rows(client, world, url):
    site = world.sites["A"]
    client.force_login(world.users["regency_operator"])
    concrete = url.format(worker=site.worker.pk, membership=site.membership.pk)
    few = _count(client, concrete)
    _more_workers(world, 27)
    many = _count(client, concrete)
    assert many == few, f"{url}: {few} queries for 3 rows, {many} for 30 (N+1)"
    assert many <= ENDPOINTS[url], f"{url}: {many} queries"
