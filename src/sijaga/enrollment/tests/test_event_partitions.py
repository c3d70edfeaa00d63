"""The membership and worker histories, partitioned by month on PostgreSQL (issue 18), and `sijaga partitions`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from sijaga.accounts.actor import Actor
from sijaga.contributions.partitions import LINES
from sijaga.core import fkcheck
from sijaga.core import partitions as core
from sijaga.enrollment import events
from sijaga.enrollment.bulk import CHECKED_FKS, MERGED_TABLES
from sijaga.enrollment.models import MembershipEvent
from sijaga.enrollment.partitions import EVENTS
from sijaga.imports import services as imports
from sijaga.imports.tests.test_pipeline import row, write_csv
from sijaga.registry import events as worker_events
from sijaga.registry.models import WorkerChange
from sijaga.registry.partitions import CHANGES

pytestmark = pytest.mark.django_db
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's")
OLD = dt.datetime(2020, 1, 15, 8, tzinfo=dt.UTC)


def _home(table: str, pk: int) -> str:
    """The partition a row is stored in."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])  # noqa: S608 - constants
        return cur.fetchone()[0]


def _this_month() -> dt.date:
    return core.month_start(timezone.now().date())  # the bounds are UTC, as `at` is written


def _names(table: str) -> set[str]:
    with connection.cursor() as cur:
        return set(connection.introspection.get_constraints(cur, table))


@pytest.mark.parametrize("model", [MembershipEvent, WorkerChange])
def test_every_declared_constraint_and_index_exists_in_the_database(model):
    """What Django's state declares (Meta constraints and indexes, the foreign keys and their indexes) is in the live
    table, partitioned or not: the conversion kept every name."""
    with connection.cursor() as cur:
        live = connection.introspection.get_constraints(cur, model._meta.db_table)
    declared = {c.name for c in model._meta.constraints} | {i.name for i in model._meta.indexes}
    assert declared <= set(live), declared - set(live)
    for field in model._meta.concrete_fields:
        if field.many_to_one:
            on_column = [c for c in live.values() if c["columns"] == [field.column]]
            assert any(c["foreign_key"] for c in on_column), f"{field.column}: no foreign key"
            assert any(c["index"] for c in on_column) == field.db_index, f"{field.column}: index {field.db_index}"


@needs_postgresql
@pytest.mark.parametrize("table", [EVENTS, CHANGES])
def test_the_migrated_history_tables_are_partitioned_by_month(table):
    this_month = _this_month()
    with connection.cursor() as cur:
        assert table.is_partitioned(cur)
        months = [first for _, first in table.monthly_partitions(cur)]
        assert this_month in months and core.month_start(this_month, 3) in months
        cur.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'p'",
            [table.table],
        )
        assert cur.fetchone()[0] == "PRIMARY KEY (id, at)"
        # nothing may reference a partitioned table by `id` alone
        cur.execute("SELECT conname FROM pg_constraint WHERE confrelid = to_regclass(%s)", [table.table])
        assert cur.fetchall() == []


@needs_postgresql
@pytest.mark.parametrize("table", [EVENTS, CHANGES])
def test_the_conversion_keeps_rows_ids_names_and_the_sequence_and_reverses(world, table):
    site = world.sites["A"]
    actor = Actor.system()

    def make() -> int:
        if table is EVENTS:
            return events.status_changed(
                site.membership, actor=actor, from_status="registered", to_status="active", reason="uji"
            ).pk
        return worker_events.worker_changed(site.worker, actor=actor, changes={"phone": ["", "0812"]}, reason="uji").pk

    old, now = make(), make()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table.table} SET at = %s WHERE id = %s", [OLD, old])  # noqa: S608 - 2020: DEFAULT
        assert _home(table.table, old) == table.default
        cur.execute(f"SELECT * FROM {table.table} ORDER BY id")  # noqa: S608 - constants
        rows = cur.fetchall()
        names = _names(table.table)
        table.unconvert(cur)
        assert not table.is_partitioned(cur)
        cur.execute(f"SELECT * FROM {table.table} ORDER BY id")  # noqa: S608
        assert cur.fetchall() == rows
        assert _names(table.table) == names
        table.convert_now(cur, today=timezone.now().date())
        assert table.is_partitioned(cur)
        cur.execute(f"SELECT * FROM {table.table} ORDER BY id")  # noqa: S608
        assert cur.fetchall() == rows
        assert _names(table.table) == names
        assert _home(table.table, old) == table.partition_name(dt.date(2020, 1, 1))  # a month with rows: its own
        assert _home(table.table, now) == table.partition_name(_this_month())
    assert make() > max(old, now)  # the id sequence goes on


@needs_postgresql
def test_writes_through_the_services_land_in_this_months_partition(world):
    site = world.sites["A"]
    actor = Actor.system()
    event = events.status_changed(site.membership, actor=actor, from_status="registered", to_status="active",
                                  reason="uji")  # fmt: skip
    change = worker_events.worker_changed(site.worker, actor=actor, changes={"phone": ["", "0812"]})
    assert _home(EVENTS.table, event.pk) == EVENTS.partition_name(_this_month())
    assert _home(CHANGES.table, change.pk) == CHANGES.partition_name(_this_month())
    assert [e.pk for e in site.membership.events.all()][-1] == event.pk  # read by FK, every partition


@needs_postgresql
def test_an_import_creates_a_missing_month_before_its_transaction_and_writes_into_it(world, tmp_path):
    """This month's partition gone (the monthly command did not run): the import's `before_merge` creates it, and
    the merge's history rows land in it, not in DEFAULT."""
    payer = world.sites["A"].payer
    operator = world.users["regency_operator"]
    first = _this_month()
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the world's deferred FK checks, or DROP refuses
        for table in (EVENTS, CHANGES):
            name = table.partition_name(first)
            cur.execute(f"ALTER TABLE {table.table} DETACH PARTITION {name}")
            cur.execute(f"DROP TABLE {name}")
            assert table.partition_of(cur, first) is None
    batch = imports.import_file(write_csv(tmp_path, [row(1), row(2)]), payer_code=payer.code, user=operator)
    assert batch.created == 2
    again = imports.import_file(write_csv(tmp_path, [row(2, full_name="Pekerja Nomor 2 Baru")], "v2.csv"),
                                payer_code=payer.code, user=operator)  # fmt: skip
    assert again.updated == 1
    new = MembershipEvent.objects.filter(membership__worker__full_name__startswith="Pekerja Nomor")
    assert new.count() == 2
    assert {_home(EVENTS.table, e.pk) for e in new} == {EVENTS.partition_name(first)}
    change = WorkerChange.objects.get(worker__full_name="Pekerja Nomor 2 Baru")
    assert _home(CHANGES.table, change.pk) == CHANGES.partition_name(first)


@needs_postgresql
def test_ensure_gives_up_when_the_locks_do_not_come_and_the_rows_go_to_default(world, monkeypatch):
    """A long import holds the memberships (ROW EXCLUSIVE): ATTACH would wait for it and queue every other writer
    behind it. `ensure_current` waits `ENSURE_LOCK_TIMEOUT_MS`, then leaves the month to DEFAULT."""
    import psycopg

    far = dt.date(2031, 5, 1)
    s = connection.settings_dict
    other = psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or None,
                            dbname=s["NAME"])  # fmt: skip
    try:
        other.execute("LOCK TABLE enrollment_membership IN ROW EXCLUSIVE MODE")  # an import in progress
        monkeypatch.setattr(core, "ENSURE_LOCK_TIMEOUT_MS", 200)
        assert core.ensure_current([EVENTS], day=far) == []
        with connection.cursor() as cur:
            assert EVENTS.partition_of(cur, far) is None
            cur.execute("SHOW lock_timeout")
            assert cur.fetchone()[0] == "0"  # the caller's setting is back
    finally:
        other.rollback()
        other.close()
    # the writer does not fail: the row waits in DEFAULT
    at = dt.datetime(2031, 5, 2, tzinfo=dt.UTC)
    event = events.status_changed(world.sites["A"].membership, actor=Actor.system(), from_status="registered",
                                  to_status="active", reason="uji", at=at)  # fmt: skip
    assert _home(EVENTS.table, event.pk) == EVENTS.default
    assert core.ensure_current([EVENTS], day=far) == [EVENTS.partition_name(far)]  # nobody in the way now
    assert _home(EVENTS.table, event.pk) == EVENTS.partition_name(far)  # moved out of DEFAULT


def _old_event(world) -> MembershipEvent:
    event = events.status_changed(world.sites["A"].membership, actor=Actor.system(), from_status="registered",
                                  to_status="active", reason="uji")  # fmt: skip
    MembershipEvent.objects.filter(pk=event.pk).update(at=OLD)
    return event


def test_the_command_keeps_the_history_by_default_and_drops_it_only_when_set(world, settings):
    """Both databases: 0 (the default) keeps every month; a retention drops the older months (PostgreSQL: the
    partition; SQLite: the rows). The newer history stays."""
    assert settings.MEMBERSHIP_EVENT_RETENTION_MONTHS == 0 and settings.WORKER_CHANGE_RETENTION_MONTHS == 0
    old = _old_event(world)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            EVENTS.create(cur, dt.date(2020, 1, 1))  # the month has its partition, as a converted table would
    out = io.StringIO()
    call_command("partitions", stdout=out)
    assert MembershipEvent.objects.filter(pk=old.pk).exists()
    assert "enrollment_membershipevent (disimpan tanpa batas)" in out.getvalue() or connection.vendor != "postgresql"
    settings.MEMBERSHIP_EVENT_RETENTION_MONTHS = 24
    call_command("partitions", "--dry-run", stdout=out)
    assert MembershipEvent.objects.filter(pk=old.pk).exists()
    call_command("partitions", stdout=out)
    assert not MembershipEvent.objects.filter(pk=old.pk).exists()
    assert world.sites["A"].membership.events.exists()  # this month's history stays
    if connection.vendor == "postgresql":
        assert "enrollment_membershipevent_p202001" in out.getvalue()
        with connection.cursor() as cur:
            assert EVENTS.partition_of(cur, dt.date(2020, 1, 1)) is None


@needs_postgresql
def test_the_command_covers_every_monthly_table_is_idempotent_and_never_drops_bill_lines(settings):
    settings.ACCESS_LOG_RETENTION_MONTHS = 24
    settings.MEMBERSHIP_EVENT_RETENTION_MONTHS = 24
    settings.WORKER_CHANGE_RETENTION_MONTHS = 24
    tables = {t.table: t for t in core.registered()}
    assert set(tables) == {"accounts_accesslog", "contributions_billline", EVENTS.table, CHANGES.table}
    with connection.cursor() as cur:
        LINES.ensure(cur, dt.date(2020, 1, 1))  # bills of an old month: kept for ever
    out = io.StringIO()
    call_command("partitions", "--months-ahead", "5", stdout=out)
    with connection.cursor() as cur:
        before = {name: t.monthly_partitions(cur) for name, t in tables.items()}
        for t in tables.values():
            assert t.partition_of(cur, core.month_start(timezone.localdate(), 5)), t.table
        assert LINES.partition_of(cur, dt.date(2020, 1, 1))
    again = io.StringIO()
    call_command("partitions", "--months-ahead", "5", stdout=again)
    with connection.cursor() as cur:
        assert {name: t.monthly_partitions(cur) for name, t in tables.items()} == before
    assert again.getvalue().count("dibuat: -; sudah dihapus: -") == len(tables)
    with pytest.raises(CommandError, match="kept for ever"):
        call_command("partitions", "--table", LINES.table, "--retention-months", "12")
    with pytest.raises(CommandError, match="exactly one"):
        call_command("partitions", "--retention-months", "12")


@needs_postgresql
def test_the_set_based_fk_path_still_sees_every_partition_of_the_history_tables():
    """The merge writes the history without RI triggers (`core.fkcheck`): the partitions of the history tables are
    inspected too, and a trigger on one of them (which `session_replication_role = replica` would switch off as
    well) turns the fast path off."""
    with connection.cursor() as cur:
        inspected = fkcheck.with_partitions(cur, MERGED_TABLES)
        for table in (EVENTS, CHANGES):
            assert table.default in inspected
            assert table.partition_name(_this_month()) in inspected
        assert fkcheck.skip_triggers_allowed(cur, MERGED_TABLES, CHECKED_FKS)  # the partitions' FK copies are not new
        cur.execute("CREATE FUNCTION pg_temp.sijaga_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
        cur.execute(f"CREATE TRIGGER audit_event AFTER INSERT ON {EVENTS.default} "
                    "FOR EACH ROW EXECUTE FUNCTION pg_temp.sijaga_noop()")  # fmt: skip
        assert fkcheck.other_triggers(cur, inspected) == [f"{EVENTS.default}.audit_event"]
        assert not fkcheck.skip_triggers_allowed(cur, MERGED_TABLES, CHECKED_FKS)
