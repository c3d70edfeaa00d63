"""The replica router's choices, with two database aliases (`replica` mirrors the test database, settings_test.py).

Reads go to the replica only inside `replica_reads()`, when the replica is configured, healthy and current, and
nothing in the request has written; writes and migrations always use the primary; a replica that is down or lags
makes reads fall back to the primary, never an error (issue 18)."""

import pytest
from django.db import transaction
from django.test import override_settings

from sijaga.core import db_router
from sijaga.core.db_router import PRIMARY, REPLICA, ReplicaRouter, replica_reads
from sijaga.regions.models import Region

router = ReplicaRouter()


@pytest.fixture(autouse=True)
def fresh_state():
    db_router.forget_health()
    db_router.reset_request_state()
    yield
    db_router.forget_health()
    db_router.reset_request_state()


@pytest.fixture
def healthy(monkeypatch):
    monkeypatch.setattr(db_router, "replica_lag", lambda alias=REPLICA: 0.0)


def test_the_test_settings_declare_two_aliases():
    from django.conf import settings

    assert set(settings.DATABASES) >= {PRIMARY, REPLICA}
    assert "sijaga.core.db_router.ReplicaRouter" in settings.DATABASE_ROUTERS


@override_settings(REPLICA_READS=True)
def test_reads_go_to_the_replica_only_inside_replica_reads(healthy):
    assert router.db_for_read(Region) == PRIMARY
    with replica_reads():
        assert router.db_for_read(Region) == REPLICA
    assert router.db_for_read(Region) == PRIMARY


def test_without_a_replica_everything_stays_on_the_primary(healthy):
    with replica_reads():
        assert router.db_for_read(Region) == PRIMARY


@override_settings(REPLICA_READS=True)
def test_writes_and_migrations_use_the_primary(healthy):
    with replica_reads():
        assert router.db_for_write(Region) == PRIMARY
    assert router.allow_migrate(PRIMARY, "regions") is True
    assert router.allow_migrate(REPLICA, "regions") is False


@override_settings(REPLICA_READS=True)
def test_read_your_writes_after_a_write_in_the_same_request(healthy):
    with replica_reads():
        assert router.db_for_read(Region) == REPLICA
        router.db_for_write(Region)
        assert router.db_for_read(Region) == PRIMARY
    db_router.reset_request_state()  # the next request starts clean …
    with replica_reads():
        assert router.db_for_read(Region) == REPLICA
    db_router.reset_request_state(pinned=True)  # … unless its browser wrote moments ago (cookie)
    with replica_reads():
        assert router.db_for_read(Region) == PRIMARY


@override_settings(REPLICA_READS=True)
@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary(healthy):
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Region) == PRIMARY


@override_settings(REPLICA_READS=True, REPLICA_MAX_LAG_SECONDS=30)
def test_a_lagging_replica_falls_back_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_lag", lambda alias=REPLICA: 31.0)
    with replica_reads():
        assert router.db_for_read(Region) == PRIMARY
    monkeypatch.setattr(db_router, "replica_lag", lambda alias=REPLICA: 2.0)
    db_router.forget_health()
    with replica_reads():
        assert router.db_for_read(Region) == REPLICA


@override_settings(REPLICA_READS=True)
def test_a_replica_that_is_down_falls_back_to_the_primary(monkeypatch):
    def down(alias=REPLICA):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(db_router, "replica_lag", down)
    with replica_reads():
        assert router.db_for_read(Region) == PRIMARY


@override_settings(REPLICA_READS=True)
def test_health_is_checked_at_most_every_few_seconds(monkeypatch):
    calls = []
    monkeypatch.setattr(db_router, "replica_lag", lambda alias=REPLICA: calls.append(1) or 0.0)
    assert db_router.replica_healthy(now=100.0) and db_router.replica_healthy(now=101.0)
    assert len(calls) == 1
    assert db_router.replica_healthy(now=100.0 + db_router.HEALTH_TTL + 1)
    assert len(calls) == 2


needs_postgresql = pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="a second connection to SQLite's shared in-memory test database is locked by the test's transaction",
)


@needs_postgresql
@override_settings(REPLICA_READS=True)
@pytest.mark.django_db(databases=[PRIMARY, REPLICA])
def test_the_health_check_runs_on_the_replica_alias():
    assert db_router.replica_lag() == 0.0  # the mirror is the primary itself: not in recovery, no lag
    assert db_router.replica_healthy()


@needs_postgresql
@override_settings(REPLICA_READS=True)
@pytest.mark.django_db(databases=[PRIMARY, REPLICA])
def test_export_is_read_from_the_replica_and_a_write_pins_the_browser(client, world, monkeypatch):
    """The export view reads on the replica alias; the request also wrote (the audit row), so the browser gets
    the pin cookie and keeps reading from the primary for the lag limit."""
    seen = []
    original = ReplicaRouter.db_for_read
    monkeypatch.setattr(db_router, "replica_lag", lambda alias=REPLICA: 0.0)
    # record the router's choice, but serve from the primary: the mirror cannot see this test's uncommitted rows
    monkeypatch.setattr(
        ReplicaRouter, "db_for_read", lambda self, model, **h: seen.append(original(self, model, **h)) or PRIMARY
    )
    client.force_login(world.users["coordinator"])
    db_router.reset_request_state()
    response = client.get("/pekerja/ekspor.xlsx")
    assert response.status_code == 200
    assert REPLICA in seen
    assert db_router.PIN_COOKIE in response.cookies


@needs_postgresql
@override_settings(REPLICA_READS=True)
@pytest.mark.django_db(databases=[PRIMARY, REPLICA])
def test_a_replica_alias_at_a_closed_port_falls_back_to_the_primary():
    """A real connection attempt to a port nobody listens on: the router answers the primary, the query is served,
    no error reaches the page; the failed check is cached, so the next read does not try again."""
    import socket
    import time

    from django.db import connections

    replica = connections[REPLICA]
    saved = replica.settings_dict  # a mirror may share the primary's dict: replace it, never mutate it
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    replica.close()
    replica.settings_dict = {**saved, "HOST": "127.0.0.1", "PORT": closed_port}
    try:
        with replica_reads():
            started = time.monotonic()
            assert router.db_for_read(Region) == PRIMARY
            assert time.monotonic() - started < 5  # refused at once, not a hang
            assert Region.objects.filter(level=1).count() >= 0  # served by the primary
            assert db_router._health[REPLICA][1] is False
            assert router.db_for_read(Region) == PRIMARY
    finally:
        replica.close()
        replica.settings_dict = saved
