"""Keyset pagination of the worker list: cursors walk the whole list in both directions, forged or foreign cursors
and deep offsets are a 400 with a message, and the count is capped (issue 18)."""

import datetime as dt

import pytest
from django.core import signing

from sijaga.core import listing
from sijaga.registry.models import Worker
from sijaga.registry.selectors import WORKER_KEYSET
from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db


def _add_workers(world, n: int, name: str = "Sama Nama") -> None:
    """n workers in site A's village; half share one name, so the id breaks ties inside the key."""
    site = world.sites["A"]
    Worker.objects.bulk_create(
        Worker(
            nik=make_nik("64.71.01", dt.date(1970, 1, 1) + dt.timedelta(days=i), "L", 500 + i),
            full_name=name if i % 2 else f"{name} {i:03d}",
            birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=i),
            gender="L",
            domicile_id=site.village,
            category="non_asn",
        )
        for i in range(n)
    )


def _walk(client, url, params, key="next_cursor"):
    seen, pages = [], 0
    response = client.get(url, params).json()
    while True:
        seen += [w["id"] for w in response["items"]]
        pages += 1
        if not response[key]:
            return seen, pages, response
        response = client.get(url, {**params, "cursor": response[key]}).json()


def test_cursor_walks_the_whole_list_forwards_and_backwards(client, world):
    _add_workers(world, 23)
    client.force_login(world.users["coordinator"])
    expected = list(Worker.objects.order_by("full_name", "id").values_list("id", flat=True))
    forward, pages, last = _walk(client, "/api/workers/", {"limit": 4})
    assert forward == expected and pages == -(-len(expected) // 4)
    assert last["count"] == len(expected) and last["count_exact"]
    # and back again from the last page, by previous_cursor
    backward = []
    response = last
    while True:
        backward = [w["id"] for w in response["items"]] + backward
        if not response["previous_cursor"]:
            break
        response = client.get("/api/workers/", {"limit": 4, "cursor": response["previous_cursor"]}).json()
    assert backward == expected


def test_offset_still_works_and_offers_a_cursor(client, world):
    _add_workers(world, 10)
    client.force_login(world.users["coordinator"])
    expected = list(Worker.objects.order_by("full_name", "id").values_list("id", flat=True))
    page = client.get("/api/workers/", {"limit": 3, "offset": 3}).json()
    assert [w["id"] for w in page["items"]] == expected[3:6]
    after = client.get("/api/workers/", {"limit": 3, "cursor": page["next_cursor"]}).json()
    assert [w["id"] for w in after["items"]] == expected[6:9]
    before = client.get("/api/workers/", {"limit": 3, "cursor": page["previous_cursor"]}).json()
    assert [w["id"] for w in before["items"]] == expected[0:3] and before["previous_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        signing.dumps(["n", "A", 1], salt="another.list"),  # signed, but for another list
        signing.dumps(["n", "A", 2**63], salt=WORKER_KEYSET.salt),  # out of range
        signing.dumps(["n", "A", -1], salt=WORKER_KEYSET.salt),
        signing.dumps(["x", "A", 1], salt=WORKER_KEYSET.salt),
        signing.dumps(["n", 5, 1], salt=WORKER_KEYSET.salt),
        signing.dumps({"n": 1}, salt=WORKER_KEYSET.salt),
    ],
    # Stable ids: a signed cursor carries a timestamp, and parallel workers must collect the same test names.
    ids=["garbage", "other-list", "above-int64", "negative", "unknown-order", "non-text-key", "not-a-list"],
)
def test_forged_or_out_of_range_cursor_is_a_400_with_a_message(client, world, cursor):
    client.force_login(world.users["coordinator"])
    response = client.get("/api/workers/", {"cursor": cursor})
    assert response.status_code == 400 and response.json()["detail"]
    page = client.get("/pekerja/", {"cursor": cursor})
    assert page.status_code == 400 and "Kursor" in page.content.decode()


def test_deep_offset_is_a_400_that_names_the_cursor(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get("/api/workers/", {"offset": listing.MAX_KEYSET_OFFSET + 1})
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
    assert client.get("/api/workers/", {"offset": listing.MAX_KEYSET_OFFSET}).status_code == 200
    assert client.get("/pekerja/", {"page": "999"}).status_code == 400
    assert client.get("/pekerja/", {"page": "x"}).status_code == 400


def test_a_cursor_does_not_widen_the_scope(client, world):
    """A cursor is a position, not a permission: the operator's pages hold only workers they may see."""
    _add_workers(world, 6)
    client.force_login(world.users["regency_operator"])
    visible = set(Worker.objects.visible_to(world.users["regency_operator"]).values_list("id", flat=True))
    seen, _pages, _last = _walk(client, "/api/workers/", {"limit": 2})
    assert set(seen) == visible and len(seen) == len(visible)


def test_count_is_capped_above_the_threshold(world, monkeypatch):
    _add_workers(world, 12)
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    n, exact = listing.capped_count(Worker.objects.all(), cap=5)
    assert not exact and n >= 6
    assert listing.capped_count(Worker.objects.all(), cap=100) == (Worker.objects.count(), True)


def test_web_list_pages_by_number_then_by_key(client, world, monkeypatch):
    from sijaga.registry import views

    _add_workers(world, 12)
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    monkeypatch.setattr(views, "MAX_PAGE_NUMBER", 2)
    client.force_login(world.users["coordinator"])
    expected = list(Worker.objects.order_by("full_name", "id").values_list("full_name", flat=True))
    first = client.get("/pekerja/").content.decode()
    assert "page=2" in first and "cursor=" not in first
    second = client.get("/pekerja/", {"page": 2})
    assert second.context["next_link"]["cursor"]  # page 3 onwards by key
    third = client.get("/pekerja/", {"cursor": second.context["next_link"]["cursor"]})
    assert [r[1]["full_name"] for r in third.context["rows"]] == expected[6:9]
    back = client.get("/pekerja/", {"cursor": third.context["previous_link"]["cursor"]})
    assert [r[1]["full_name"] for r in back.context["rows"]] == expected[3:6]


def test_a_search_by_nik_digits_pages_by_nik(client, world):
    """NIK digits list by NIK (the NIK index walks the prefix in order); the name list's cursors are refused there."""
    _add_workers(world, 23)
    client.force_login(world.users["coordinator"])
    prefix = Worker.objects.order_by("nik").values_list("nik", flat=True)[5][:6]
    expected = list(Worker.objects.filter(nik__startswith=prefix).order_by("nik", "id").values_list("id", flat=True))
    assert len(expected) > 8
    walked, _pages, last = _walk(client, "/api/workers/", {"limit": 4, "q": prefix})
    assert walked == expected and last["count"] == len(expected)
    name_cursor = client.get("/api/workers/", {"limit": 4}).json()["next_cursor"]
    assert client.get("/api/workers/", {"limit": 4, "q": prefix, "cursor": name_cursor}).status_code == 400
    page = client.get("/pekerja/", {"q": prefix})
    assert page.status_code == 200


def test_a_search_is_counted_to_a_thousand_with_its_first_page(client, world, django_assert_max_num_queries):
    """Searches count exactly up to SEARCH_COUNT_CAP, from the first page's keys query (one pass); above it the
    page says "more than 1.000"; the whole list keeps its 10,000 cap."""
    from sijaga.registry.names import name_key
    from sijaga.registry.selectors import SEARCH_COUNT_CAP

    _add_workers(world, SEARCH_COUNT_CAP + 5, name="Sama Nama")
    Worker.objects.filter(full_name__startswith="Sama Nama").update(search_key=name_key("Sama Nama"))
    from sijaga.registry.models import NameWord

    NameWord.add(["sama", "nama"])
    client.force_login(world.users["coordinator"])
    many = client.get("/api/workers/", {"q": "sama nama", "limit": 10}).json()
    assert not many["count_exact"] and many["count"] > SEARCH_COUNT_CAP and len(many["items"]) == 10
    whole = client.get("/api/workers/", {"limit": 10}).json()
    assert whole["count_exact"] and whole["count"] == Worker.objects.count()
    assert "Lebih dari 1.000" in client.get("/pekerja/", {"q": "sama"}).content.decode()
    few = client.get("/api/workers/", {"q": "Pekerja Situs", "limit": 10}).json()
    assert few["count_exact"] and few["count"] == 3
