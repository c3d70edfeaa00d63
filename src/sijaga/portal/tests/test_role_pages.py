"""Menus and home pages by role; the auditor's access log page (`/audit/`), scoped and filterable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sijaga.accounts.models import AccessLog

pytestmark = pytest.mark.django_db

API_LINK = 'href="/api/docs"'


@pytest.mark.parametrize(
    ("role", "api", "upload", "audit"),
    [
        ("coordinator", True, True, True),
        ("province_admin", True, True, False),
        ("regency_operator", True, True, False),
        ("village_operator", False, True, False),
        ("bpjs_officer", True, False, False),
        ("auditor", False, False, True),
    ],
)
def test_menu_shows_what_the_role_can_use(client, world, role, api, upload, audit):
    client.force_login(world.users[role])
    nav = client.get("/").content.decode().split("<nav", 1)[1].split("</nav>", 1)[0]
    assert (API_LINK in nav) is api
    assert ('href="/unggah/"' in nav) is upload
    assert ('href="/audit/"' in nav) is audit


def test_anonymous_menu_has_no_api_link(client, db):
    assert API_LINK not in client.get("/").content.decode()


def test_operator_home_starts_with_their_work(client, world):
    from sijaga.enrollment.models import Membership

    site = world.sites["A"]
    Membership.objects.filter(pk=site.membership.pk).update(created_at=timezone.now() - dt.timedelta(days=45))
    client.force_login(world.users["regency_operator"])
    html = client.get("/").content.decode()
    assert 'id="my-work"' in html
    assert html.index('id="my-work"') < html.index('id="my-scope"')
    assert site.worker.full_name in html  # registered 45 days ago, still not active
    assert site.batch.file_name in html  # recent upload of the scope
    assert world.sites["C"].batch.file_name not in html and world.sites["C"].worker.full_name not in html
    assert "Kepesertaan aktif" in html and "Kepesertaan Aktif" not in html


def test_auditor_home_shows_access_log_of_scope(client, world):
    client.force_login(world.users["regency_operator"])
    client.get("/pekerja/", {"q": "Pekerja"})
    client.force_login(world.users["auditor"])
    html = client.get("/").content.decode()
    assert 'id="access-log"' in html and "op.balikpapan" in html
    assert 'id="my-work"' not in html


def test_access_log_page_is_scoped_filtered_and_masked(client, world):
    operator = world.users["regency_operator"]
    AccessLog.objects.create(user=operator, action="search", object_type="worker", query="{'q': '6471011203900001'}")
    other = world.users["coordinator"]  # national user: no regions, not in a regency auditor's scope
    AccessLog.objects.create(user=other, action="export", object_type="worker", query="rahasia-koordinator")
    client.force_login(world.users["auditor"])
    html = client.get("/audit/").content.decode()
    assert "op.balikpapan" in html and "rahasia-koordinator" not in html
    assert "6471011203900001" not in html and "647101**********" in html  # no birth-date digits for a masked role
    assert "op.balikpapan" not in client.get("/audit/", {"action": "export"}).content.decode()
    assert "op.balikpapan" not in client.get("/audit/", {"user": "nobody"}).content.decode()
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert "op.balikpapan" not in client.get("/audit/", {"from": future}).content.decode()
    assert client.get("/audit/", {"from": "garbage", "page": "x", "action": "drop"}).status_code == 200


@pytest.mark.parametrize("role", ["province_admin", "regency_operator", "village_operator", "bpjs_officer"])
def test_access_log_page_is_for_auditors_only(client, world, role):
    client.force_login(world.users[role])
    assert client.get("/audit/").status_code == 403


def test_access_log_query_count_is_bounded(client, world, django_assert_max_num_queries):
    for i in range(40):
        AccessLog.objects.create(user=world.users["regency_operator"], action="view", object_type="worker",
                                 object_id=str(i))  # fmt: skip
    client.force_login(world.users["auditor"])
    with django_assert_max_num_queries(10):
        assert client.get("/audit/").status_code == 200


def test_logged_filters_are_shown_readably():
    from sijaga.accounts.actor import as_actor
    from sijaga.accounts.scope import Scope
    from sijaga.accounts.selectors import shown_query

    auditor = as_actor(Scope(user_id=None, role="auditor", national=False, prefixes=("64.71",)))
    logged = "{'q': '6471011203900001', 'region': '', 'status': 'active'}"
    assert shown_query(auditor, logged) == "q=647101********** · status=active"
    assert shown_query(auditor, "{broken") == "{broken"
