"""Query counts of every list and detail (NetBox's habit): bounded, and the same for 3 rows as for 30 (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    # url template: ceiling on queries
    "/": 13,  # + the overdue follow-ups of monitoring meetings (compliance)
    "/pekerja/": 12,
    "/pekerja/?q=Pekerja": 12,
    "/pekerja/ekspor.xlsx": 12,
    "/pekerja/{worker}/": 16,
    "/kepesertaan/pembayar/": 10,
    "/api/workers/": 12,  # keys, then rows by key (+1); the capped count's planner setting, set and restored (+1)
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


BENEFIT_ENDPOINTS = {
    "/manfaat/": 12,
    "/manfaat/?status=overdue": 12,
    "/manfaat/kasus.xlsx": 12,
    "/manfaat/kasus.json": 12,
    "/manfaat/dibayar/?semester=2025-S2": 12,
    "/manfaat/{case}/": 16,
    "/kepesertaan/pembayar/{payer}/": 14,
    "/api/benefits/cases/": 10,
    "/api/benefits/cases/{case}": 10,
}


def _cases(world, first: int, n: int) -> int:
    """Deaths (with two heirs each) of n more workers of site A, paid in semester 2025-S2; returns the last case."""
    from sijaga.benefits import services
    from sijaga.enrollment.models import Membership

    site = world.sites["A"]
    workers = list(Membership.objects.filter(payer=site.payer, status="registered").order_by("pk")
                   .values_list("worker_id", flat=True)[first:first + n])  # fmt: skip
    case = None
    for i, worker_id in enumerate(workers):
        heirs = [{"name": f"Ahli {first + i} {j}", "relation": "child", "school_level": "tk_sd",
                  "nik": make_nik("64.71.01", dt.date(2012, 1, 1 + j), "P", 500 + 2 * (first + i) + j)}
                 for j in range(2)]  # fmt: skip
        case = services.record_case(world.users["coordinator"], worker_id=worker_id, event_type="death",
                                    event_date=dt.date(2025, 7, 1), cause="Sakit", heirs=heirs)  # fmt: skip
        services.record_claim_payment(world.users["coordinator"], case.pk, paid_on=dt.date(2025, 8, 1),
                                      amount=42_000_000, paid_to="Ahli waris")  # fmt: skip
    return case.pk


@pytest.mark.parametrize("url", list(BENEFIT_ENDPOINTS))
def test_benefit_query_counts_are_bounded_and_independent_of_rows(client, world, url):
    from sijaga.benefits.services import load_benefit_rules

    load_benefit_rules()
    _more_workers(world, 30)
    site = world.sites["A"]
    client.force_login(world.users["regency_operator"])
    case = _cases(world, 0, 3)
    concrete = url.format(case=case, payer=site.payer.pk)
    few = _count(client, concrete)
    _cases(world, 3, 24)
    many = _count(client, concrete)
    assert many == few, f"{url}: {few} queries for 3 cases, {many} for 27 (N+1)"
    assert many <= BENEFIT_ENDPOINTS[url], f"{url}: {many} queries"


def _projects(world, n: int, start: int = 0) -> None:
    from sijaga.enrollment import services

    for i in range(start, start + n):
        services.register_project(
            world.users["regency_operator"],
            {"payer_id": world.sites["A"].payer.pk, "name": f"Proyek {i}", "contract_value": 100_000_000 + i,
             "work_order_date": dt.date(2026, 3, 2), "start_date": dt.date(2026, 3, 9),
             "end_date": dt.date(2026, 6, 30), "registered_on": dt.date(2026, 3, 3)},
        )  # fmt: skip


def _bills(world, months: list[tuple[int, int]]) -> None:
    from sijaga.accounts.actor import Actor
    from sijaga.contributions import billing
    from sijaga.contributions.services import load_rates
    from sijaga.core.periods import Month

    load_rates(Actor.system("cli"))
    for year, month in months:
        billing.run_billing(world.users["coordinator"], Month(year, month))


CONTRIBUTION_ENDPOINTS = {
    "/kepesertaan/proyek/": 12,
    "/api/projects/": 10,
    "/iuran/tunggakan/": 12,
    "/iuran/tunggakan/?pembayar={payer}": 12,
    "/wilayah/64.71/": 20,
    "/iuran/wilayah/64.71.json": 10,
}


@pytest.mark.parametrize("url", list(CONTRIBUTION_ENDPOINTS))
def test_contribution_lists_are_bounded_and_independent_of_rows(client, world, url):
    """Projects, arrears and a region's money: the same number of queries for 3 projects / 1 month of bills as for
    30 projects / 3 months and 30 memberships."""
    site = world.sites["A"]
    client.force_login(world.users["regency_operator"])
    concrete = url.format(payer=site.payer.pk)
    _projects(world, 3)
    _bills(world, [(2025, 1)])
    few = _count(client, concrete)
    _projects(world, 27, start=3)
    _more_workers(world, 27)
    _bills(world, [(2025, 2), (2025, 3)])
    many = _count(client, concrete)
    assert many == few, f"{url}: {few} queries for few rows, {many} for many (N+1)"
    assert many <= CONTRIBUTION_ENDPOINTS[url], f"{url}: {many} queries"
