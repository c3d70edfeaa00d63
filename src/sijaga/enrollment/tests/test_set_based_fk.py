"""Set-based foreign-key checks on the bulk merge (PostgreSQL, `sijaga.core.fkcheck`, issue 18).

`session_replication_role = replica` switches off EVERY ordinary trigger and rule of the session: these tests fail
as soon as a trigger or rule, or a foreign key the merge does not check itself, is added to the merged tables; they
check that the merge refuses a broken reference, and that it falls back to the RI triggers when the database role
may not set the parameter or the setting is off.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijaga.core import fkcheck
from sijaga.enrollment.bulk import CHECKED_FKS, MERGED_TABLES, check_references
from sijaga.enrollment.models import Membership, MembershipEvent
from sijaga.imports import services
from sijaga.imports.tests.test_pipeline import row, write_csv
from sijaga.registry.models import Worker

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="session_replication_role is PostgreSQL's"),
]

REPLICA = "session_replication_role = replica"


def _replica_sets(queries) -> int:
    return sum(REPLICA in q["sql"] for q in queries)


def test_the_merged_tables_have_no_trigger_or_rule_but_the_fk_checks():
    """If this fails, a trigger or rule was added to a merged table: it would NOT fire during bulk imports. Either
    make it fire (drop the set-based path) or prove it need not run for imported rows and exempt it here."""
    with connection.cursor() as cur:
        assert fkcheck.other_triggers(cur, MERGED_TABLES) == []


def test_the_checked_foreign_keys_are_exactly_the_declared_ones():
    """A new FK on a merged table must get a set-based check in `enrollment.bulk.check_references` (and here)."""
    with connection.cursor() as cur:
        assert fkcheck.foreign_keys(cur, MERGED_TABLES) == CHECKED_FKS


def test_an_added_trigger_is_seen_and_turns_the_fast_path_off():
    with connection.cursor() as cur:
        assert fkcheck.skip_triggers_allowed(cur, MERGED_TABLES, CHECKED_FKS)
        cur.execute("CREATE FUNCTION pg_temp.sijaga_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
        cur.execute("CREATE TRIGGER audit_worker AFTER INSERT ON registry_worker "
                    "FOR EACH ROW EXECUTE FUNCTION pg_temp.sijaga_noop()")  # fmt: skip
        assert fkcheck.other_triggers(cur, MERGED_TABLES) == ["registry_worker.audit_worker"]
        assert not fkcheck.skip_triggers_allowed(cur, MERGED_TABLES, CHECKED_FKS)
        cur.execute("DROP TRIGGER audit_worker ON registry_worker")
        cur.execute("CREATE RULE no_delete AS ON DELETE TO enrollment_membershipevent DO INSTEAD NOTHING")
        assert fkcheck.other_triggers(cur, MERGED_TABLES) == ["enrollment_membershipevent.no_delete"]
        cur.execute("DROP RULE no_delete ON enrollment_membershipevent")


def test_an_unchecked_foreign_key_turns_the_fast_path_off():
    with connection.cursor() as cur:
        assert fkcheck.skip_triggers_allowed(cur, MERGED_TABLES, CHECKED_FKS)
        assert not fkcheck.skip_triggers_allowed(cur, MERGED_TABLES, CHECKED_FKS - {next(iter(CHECKED_FKS))})


def test_the_import_checks_set_based_and_writes_valid_references(world, tmp_path):
    payer = world.sites["A"].payer
    operator = world.users["regency_operator"]
    with CaptureQueriesContext(connection) as queries:
        batch = services.import_file(write_csv(tmp_path, [row(1), row(2)]), payer_code=payer.code, user=operator)
    assert batch.created == 2
    assert _replica_sets(queries.captured_queries) == 1
    with connection.cursor() as cur:
        cur.execute("SHOW session_replication_role")
        assert cur.fetchone()[0] == "origin"  # reset inside the merge, before the batch bookkeeping
    new = Membership.objects.filter(payer=payer, worker__full_name__startswith="Pekerja Nomor")
    assert new.count() == 2
    assert all(m.worker.domicile_id and m.created_by_id == operator.pk for m in new)
    assert MembershipEvent.objects.filter(membership__in=new, by=operator).count() == 2
    # a re-upload that changes a worker and a membership: history rows reference stored rows, checked and locked
    changed = [row(1, wage="4.250.000"), row(2, full_name="Pekerja Nomor 2 Baru")]
    again = services.import_file(write_csv(tmp_path, changed, "v2.csv"), payer_code=payer.code, user=operator)
    assert (again.updated, again.created) == (2, 0)
    assert Worker.objects.get(full_name="Pekerja Nomor 2 Baru").changes.count() == 1


def _stage(cur, rows):
    cur.execute(
        "CREATE TEMP TABLE fk_stage (domicile_id text, worker_id bigint, worker_state text, membership_id bigint, "
        "membership_changed boolean, rejected text) ON COMMIT DROP"
    )
    cur.executemany("INSERT INTO fk_stage VALUES (%s, %s, %s, %s, %s, %s)", rows)


def test_a_missing_region_worker_or_payer_fails_the_batch_before_writing(world):
    site = world.sites["A"]
    village = site.worker.domicile_id
    with connection.cursor() as cur:
        _stage(cur, [(village, None, None, None, None, None), (village, site.worker.pk, "same", None, None, None),
                     ("99.99.99.9999", None, None, None, None, "nik_elsewhere")])  # fmt: skip
        check_references(cur, "fk_stage", payer_id=site.payer.pk, user_id=None)  # rejected rows are not checked
        cur.execute("INSERT INTO fk_stage VALUES ('99.99.99.9999', NULL, NULL, NULL, NULL, NULL)")
        with pytest.raises(fkcheck.BrokenReference, match=r"regions_region\.code"):
            check_references(cur, "fk_stage", payer_id=site.payer.pk, user_id=None)
        cur.execute("DELETE FROM fk_stage WHERE domicile_id = '99.99.99.9999'")
        cur.execute("INSERT INTO fk_stage VALUES (%s, 987654321, 'same', NULL, NULL, NULL)", [village])
        with pytest.raises(fkcheck.BrokenReference, match=r"registry_worker\.id"):
            check_references(cur, "fk_stage", payer_id=site.payer.pk, user_id=None)
        cur.execute("DELETE FROM fk_stage WHERE worker_id = 987654321")
        with pytest.raises(fkcheck.BrokenReference, match=r"enrollment_payer\.id"):
            check_references(cur, "fk_stage", payer_id=987654321, user_id=None)
        with pytest.raises(fkcheck.BrokenReference, match=r"accounts_user\.id"):
            check_references(cur, "fk_stage", payer_id=site.payer.pk, user_id=987654321)
    assert "terhapus selama impor" in services.failure_message(fkcheck.BrokenReference("x"))


def test_a_role_without_the_privilege_falls_back_to_the_triggers(world, tmp_path):
    """A real non-superuser role: it may not set the parameter, so the import writes with the RI triggers."""
    role = f"sijaga_test_noset_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} NOLOGIN")
        cur.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cur.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cur.execute(f"SET ROLE {role}")
    try:
        with connection.cursor() as cur:
            assert not fkcheck.role_may_skip_triggers(cur)
        with CaptureQueriesContext(connection) as queries:
            batch = services.import_file(write_csv(tmp_path, [row(1), row(2)]), payer_code=world.sites["A"].payer.code)
        assert batch.created == 2
        assert _replica_sets(queries.captured_queries) == 0
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")


def test_the_setting_turns_the_set_based_path_off(world, tmp_path, settings):
    settings.IMPORT_SET_BASED_FK = False
    with CaptureQueriesContext(connection) as queries:
        batch = services.import_file(write_csv(tmp_path, [row(1)]), payer_code=world.sites["A"].payer.code)
    assert batch.created == 1
    assert _replica_sets(queries.captured_queries) == 0
