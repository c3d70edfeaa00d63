"""How the bill run writes (bench/billing.py): reversals and second adjustments from what is already billed, bill
totals that move by what was inserted (and stay the sum of lines and projects), monthly partitions on PostgreSQL,
and the set-based foreign-key checks that let it write without per-row RI triggers — with their guards."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from sijaga.accounts.actor import Actor
from sijaga.contributions import billing
from sijaga.contributions.models import Bill, BillLine, ProjectContribution
from sijaga.contributions.partitions import LINES
from sijaga.contributions.services import load_rates
from sijaga.core import fkcheck
from sijaga.core.periods import Month
from sijaga.enrollment import services as enrollment

pytestmark = pytest.mark.django_db
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
MARCH = Month(2025, 3)
REPLICA = "session_replication_role = replica"


@pytest.fixture
def rates(db):
    load_rates(Actor.system("cli"))


def _totals_are_lines_plus_projects():
    for bill in Bill.objects.all():
        lines = BillLine.objects.filter(bill=bill).aggregate(e=Sum("employer"), w=Sum("worker"), t=Sum("total"))
        projects = ProjectContribution.objects.filter(bill=bill).aggregate(t=Sum("total"))["t"] or 0
        assert bill.lines == BillLine.objects.filter(bill=bill).count()
        assert (bill.employer, bill.worker, bill.total) == (
            (lines["e"] or 0) + projects, lines["w"] or 0, (lines["t"] or 0) + projects), bill  # fmt: skip


def test_second_adjustment_and_reversal_of_a_back_dated_end(world, rates):
    coordinator = world.users["coordinator"]
    m = world.sites["A"].membership  # PU Rp4,000,000 from January 2025: JKK + JKM + JHT = Rp249,600
    run = billing.run_billing(coordinator, MARCH, payer_id=m.payer_id)
    assert (run.lines, run.adjustments) == (1, 0)
    enrollment.change_terms(coordinator, m, {"wage": 5_000_000}, reason="Koreksi", effective=dt.date(2025, 2, 1))
    assert billing.run_billing(coordinator, MARCH, payer_id=m.payer_id).adjustments == 1
    enrollment.change_terms(coordinator, m, {"wage": 4_500_000}, reason="Koreksi lagi", effective=dt.date(2025, 3, 1))
    assert billing.run_billing(coordinator, MARCH, payer_id=m.payer_id).adjustments == 1  # against regular + first
    lines = list(BillLine.objects.filter(membership=m, month=MARCH.first_day).order_by("revision"))
    assert [(x.revision, x.kind) for x in lines] == [(0, "regular"), (1, "adjustment"), (2, "adjustment")]
    assert [x.total for x in lines] == [249_600, 62_400, -31_200]
    assert sum(x.total for x in lines) == 4_500_000 * 624 // 10_000
    assert lines[2].terms_id > lines[1].terms_id
    _totals_are_lines_plus_projects()
    # another membership ended back-dated before March: its line is reversed, with the terms it used
    c = world.sites["C"].membership
    billing.run_billing(coordinator, MARCH, payer_id=c.payer_id)
    regular = BillLine.objects.get(membership=c, month=MARCH.first_day)
    enrollment.change_status(coordinator, c, "ended", reason="Berhenti", end_reason="resignation",
                             end_date=dt.date(2025, 2, 28))  # fmt: skip
    reversal = billing.run_billing(coordinator, MARCH, payer_id=c.payer_id)
    assert (reversal.lines, reversal.adjustments) == (0, 1)
    last = BillLine.objects.get(membership=c, month=MARCH.first_day, revision=1)
    assert (last.total, last.terms_id, last.rate_ids) == (-regular.total, regular.terms_id, "")
    _totals_are_lines_plus_projects()
    count = BillLine.objects.count()
    for payer in (m.payer_id, c.payer_id):
        again = billing.run_billing(coordinator, MARCH, payer_id=payer)
        assert (again.lines, again.adjustments, BillLine.objects.count()) == (0, 0, count)


def test_totals_move_by_what_was_inserted_across_payers_runs_and_projects(world, rates):
    coordinator = world.users["coordinator"]
    billing.run_billing(coordinator, MARCH)  # every payer
    project = enrollment.register_project(world.users["regency_operator"], {
        "payer_id": world.sites["A"].payer.pk, "name": "Jembatan", "contract_value": 750_000_000,
        "work_order_date": dt.date(2025, 3, 3), "start_date": dt.date(2025, 3, 10), "end_date": dt.date(2025, 9, 30),
        "registered_on": dt.date(2025, 3, 4)}).project  # fmt: skip
    m = world.sites["B"].membership
    enrollment.change_terms(coordinator, m, {"wage": 7_000_000}, reason="Koreksi", effective=dt.date(2025, 1, 1))
    run = billing.run_billing(coordinator, MARCH)
    assert (run.lines, run.adjustments) == (0, 1) and ProjectContribution.objects.get(project=project).total
    _totals_are_lines_plus_projects()


@needs_postgresql
def test_lines_go_to_their_month_partition_and_a_default_row_moves_into_a_new_month(world, rates):
    m = world.sites["A"].membership
    with connection.cursor() as cur:
        assert LINES.is_partitioned(cur) and LINES.partition_of(cur, dt.date(2025, 4, 1)) is None
    # a line written for a month that has no partition yet lands in DEFAULT ...
    bill = Bill.objects.create(payer=m.payer, month=dt.date(2025, 4, 1), created_at=m.created_at,
                               updated_at=m.created_at)  # fmt: skip
    stray = BillLine.objects.create(bill=bill, membership=m, terms=m.terms.get(), month=dt.date(2025, 4, 1),
                                    created_at=m.created_at)  # fmt: skip
    where = "SELECT tableoid::regclass::text FROM contributions_billline WHERE id = %s"
    with connection.cursor() as cur:
        cur.execute(where, [stray.pk])
        assert cur.fetchone()[0] == LINES.default
    # ... and moves into the month's partition when a run creates it
    billing.run_billing(world.users["coordinator"], Month(2025, 3), payer_id=m.payer_id)
    billing.run_billing(world.users["coordinator"], Month(2025, 4), payer_id=m.payer_id)
    with connection.cursor() as cur:
        cur.execute(where, [stray.pk])
        assert cur.fetchone()[0] == "contributions_billline_p202504"
        cur.execute("SELECT DISTINCT tableoid::regclass::text FROM contributions_billline WHERE month = '2025-03-01'")
        assert cur.fetchall() == [("contributions_billline_p202503",)]
        cur.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'contributions_billline'::regclass "
                    "AND contype IN ('p', 'u') ORDER BY 1")  # fmt: skip
        assert [r[0] for r in cur.fetchall()] == ["billline_revision_unique", "contributions_billline_pkey"]


# --- set-based foreign-key checks (PostgreSQL) ----------------------------------------------------------------------


@needs_postgresql
def test_the_lines_and_their_partitions_have_no_trigger_or_rule_but_the_fk_checks(world, rates):
    """If this fails, a trigger or rule was added to the bill lines (or one partition): it would NOT fire during bill
    runs. Make it fire (drop the set-based path) or prove it need not run for billed lines and exempt it here."""
    billing.run_billing(world.users["coordinator"], MARCH)  # a partition exists
    with connection.cursor() as cur:
        tables = fkcheck.with_partitions(cur, [billing.LINES_TABLE])
        assert "contributions_billline_p202503" in tables and LINES.default in tables
        assert fkcheck.other_triggers(cur, tables) == []
        assert fkcheck.foreign_keys(cur, tables) == billing.LINE_FKS
        assert billing.lines_allowed_without_triggers(cur)


@needs_postgresql
def test_a_foreign_key_or_trigger_on_one_partition_turns_the_fast_path_off(world, rates):
    billing.run_billing(world.users["coordinator"], MARCH)
    partition = "contributions_billline_p202503"
    with connection.cursor() as cur:
        cur.execute(f"ALTER TABLE {partition} ADD CONSTRAINT extra_fk FOREIGN KEY (bill_id) "
                    "REFERENCES contributions_bill (id)")  # fmt: skip
        assert not billing.lines_allowed_without_triggers(cur)
        cur.execute(f"ALTER TABLE {partition} DROP CONSTRAINT extra_fk")
        cur.execute("CREATE FUNCTION pg_temp.sijaga_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
        cur.execute(f"CREATE TRIGGER audit_line AFTER INSERT ON {partition} FOR EACH ROW "
                    "EXECUTE FUNCTION pg_temp.sijaga_noop()")  # fmt: skip
        assert not billing.lines_allowed_without_triggers(cur)
        cur.execute(f"DROP TRIGGER audit_line ON {partition}")
        assert billing.lines_allowed_without_triggers(cur)


@needs_postgresql
def test_without_a_unique_key_holding_membership_id_the_terms_lock_does_not_cover_memberships(world, rates):
    with connection.cursor() as cur:
        assert billing.lines_allowed_without_triggers(cur)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the world's deferred FK events would block ALTER
        cur.execute("ALTER TABLE enrollment_membershipterms DROP CONSTRAINT terms_membership_from_unique")
        assert not billing.lines_allowed_without_triggers(cur)


@needs_postgresql
def test_the_run_writes_lines_without_triggers_and_falls_back_when_not_allowed(world, rates, settings):
    coordinator = world.users["coordinator"]
    with CaptureQueriesContext(connection) as queries:
        run = billing.run_billing(coordinator, MARCH)
    assert run.lines == 3 and sum(REPLICA in q["sql"] for q in queries.captured_queries) == 1
    locked = [q["sql"] for q in queries.captured_queries if "FOR KEY SHARE OF t" in q["sql"]]
    assert locked and "enrollment_membershipterms" in locked[0]  # the priced terms, locked while read
    with connection.cursor() as cur:
        cur.execute("SHOW session_replication_role")
        assert cur.fetchone()[0] == "origin"
    settings.IMPORT_SET_BASED_FK = False
    with CaptureQueriesContext(connection) as queries:
        run = billing.run_billing(coordinator, Month(2025, 4))
    assert run.lines == 3 and not any(REPLICA in q["sql"] for q in queries.captured_queries)


@needs_postgresql
def test_a_role_without_the_privilege_bills_with_the_triggers(world, rates):
    role = f"sijaga_test_noset_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} NOLOGIN")
        cur.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cur.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    # the month's partition created by the owner (the role may not create tables)
    billing.run_billing(world.users["coordinator"], Month(2025, 2), payer_id=world.sites["B"].payer.pk)
    with connection.cursor() as cur:
        cur.execute(f"SET ROLE {role}")
    try:
        with CaptureQueriesContext(connection) as queries:
            run = billing.run_billing(world.users["coordinator"], Month(2025, 2), payer_id=world.sites["A"].payer.pk)
        assert run.lines == 1 and not any(REPLICA in q["sql"] for q in queries.captured_queries)
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")


@needs_postgresql
def test_a_reversal_whose_terms_vanished_is_refused_before_writing(world, rates):
    """The terms of reversed lines are checked and locked before the insert; one deleted meanwhile (here: a line
    pointing at terms that never belonged to its membership) refuses the run."""
    from sijaga.core.fkcheck import BrokenReference

    coordinator = world.users["coordinator"]
    a, b = world.sites["A"].membership, world.sites["B"].membership
    billing.run_billing(coordinator, MARCH, payer_id=a.payer_id)
    BillLine.objects.filter(membership=a).update(terms_id=b.terms.get().pk)  # a line lying about its terms
    a.refresh_from_db()
    enrollment.change_status(coordinator, a, "active", reason="Aktif")
    enrollment.change_status(coordinator, a, "ended", reason="Berhenti", end_reason="resignation",
                             end_date=dt.date(2025, 2, 28))  # fmt: skip
    with pytest.raises(BrokenReference, match="terms of reversed lines"):
        billing.run_billing(coordinator, MARCH, payer_id=a.payer_id)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_terms_row_locked_by_the_run_can_neither_be_deleted_nor_moved_to_another_membership(world, rates):
    """What `check_references` relies on: FOR KEY SHARE on a terms row blocks its deletion and, because
    membership_id is in a unique key, moving it to another membership; a wage edit still goes through."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    from sijaga.enrollment.selectors import terms_in_force_sql

    a, b = world.sites["A"].membership, world.sites["B"].membership
    terms = a.terms.get()
    db = connection.settings_dict
    url = make_conninfo(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                        host=db["HOST"] or None, port=db["PORT"] or None)  # fmt: skip

    def attempt(other, sql):
        try:
            other.execute("SET lock_timeout = '300ms'")
            other.execute(sql)
            return "done"
        except psycopg.errors.LockNotAvailable:
            return "blocked"
        finally:
            other.rollback()

    with psycopg.connect(url) as holder, psycopg.connect(url) as other:
        sql, params = terms_in_force_sql(MARCH.first_day, MARCH.last_day, "pay_x", lock=True)
        holder.execute("CREATE TEMP TABLE pay_x (id bigint)")
        holder.execute("INSERT INTO pay_x VALUES (%s)", [a.payer_id])
        assert [r[0] for r in holder.execute(sql, params).fetchall()] == [terms.pk]
        assert attempt(other, f"UPDATE enrollment_membershipterms SET wage = wage + 1 WHERE id = {terms.pk}") == "done"
        assert attempt(other, f"DELETE FROM enrollment_membershipterms WHERE id = {terms.pk}") == "blocked"
        moved = f"UPDATE enrollment_membershipterms SET membership_id = {b.pk} WHERE id = {terms.pk}"
        assert attempt(other, moved) == "blocked"
        holder.rollback()
