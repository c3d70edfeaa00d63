"""Query counts of every compliance page and API route: bounded, and the same for few rows as for many (no N+1)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from sijaga.accounts.actor import Actor
from sijaga.compliance import services
from sijaga.core.periods import Semester

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"

# url: ceiling on queries. One scorecard is ~9 queries (regions, items, entries, enrolment, budget_status's 5); the
# page adds four semesters of trend, each a scorecard at the semester's end (measured 47-48 under the budget merge).
ENDPOINTS = {
    "/kepatuhan/": 50,
    "/kepatuhan/?induk=64": 50,
    "/kepatuhan/skor.json?induk=64": 17,
    "/kepatuhan/skor.csv": 16,
    "/kepatuhan/skor.xlsx": 16,
    "/kepatuhan/wilayah/64.71/2026/": 16,
    "/kepatuhan/inpres/": 14,
    "/kepatuhan/rapat/": 14,
    "/kepatuhan/rapat/{meeting}/": 14,
    "/kepatuhan/laporan/": 12,
    "/kepatuhan/laporan/{report}/": 12,
    "/api/compliance/scorecard?parent=64": 14,
    "/api/compliance/reports/": 10,
    "/": 16,
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _more(world, meeting, n: int) -> None:
    coord = Actor.of(world.users["coordinator"])
    from sijaga.regions.models import Region

    for code in Region.objects.filter(parent_id="64").order_by("code").values_list("code", flat=True)[:n]:
        services.declare(coord, region_code=code, year=2026, item_key="nik", met=True,
                         upload=SimpleUploadedFile("x.pdf", PDF))  # fmt: skip
        services.add_action(coord, meeting, decision="x", owner="y", region_code=code, due_date=dt.date(2026, 1, 2))
    for i in range(n):
        m = services.create_meeting(coord, date=dt.date(2026, 1, 1 + i), title=f"Rapat {i}", online=True,
                                    region_codes=["64", "64.71"])  # fmt: skip
        services.add_action(coord, m, decision="x", owner="y", region_code="64.71", due_date=dt.date(2026, 1, 2))


def test_query_count_is_bounded_and_independent_of_rows(client, world, settings):
    """Every route once with few rows, then again with many: the same count, under its ceiling (one world for all)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    services.load_reference()
    coord = Actor.of(world.users["coordinator"])
    meeting = services.create_meeting(coord, date=dt.date(2026, 1, 1), title="Rapat", online=True,
                                      region_codes=["64"])  # fmt: skip
    services.add_action(coord, meeting, decision="x", owner="y", region_code="64.71", due_date=dt.date(2026, 1, 2))
    with TestCase.captureOnCommitCallbacks(execute=True):
        report, _ = services.request_report(coord, Semester(2026, 1), region_code="64")
    client.force_login(world.users["province_admin"])
    urls = {url: url.format(meeting=meeting.pk, report=report.pk) for url in ENDPOINTS}
    few = {url: _count(client, concrete) for url, concrete in urls.items()}
    _more(world, meeting, 8)
    many = {url: _count(client, concrete) for url, concrete in urls.items()}
    print({url: (few[url], many[url]) for url in ENDPOINTS})
    assert many == few, "N+1: " + str({u: (few[u], many[u]) for u in ENDPOINTS if few[u] != many[u]})
    over = {u: many[u] for u in ENDPOINTS if many[u] > ENDPOINTS[u]}
    assert not over, f"over the ceiling: {over}"
