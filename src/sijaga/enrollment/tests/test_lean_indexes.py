"""The always-NULL-on-import user columns carry no index (issue 18), and deleting a user still empties them."""

import pytest
from django.db import connection

from sijaga.enrollment.models import Membership, MembershipEvent
from sijaga.registry.models import Worker

pytestmark = pytest.mark.django_db

UNINDEXED = [(Worker, "created_by_id"), (Membership, "created_by_id"), (MembershipEvent, "by_id")]


@pytest.mark.parametrize(("model", "column"), UNINDEXED)
def test_user_columns_of_the_bulk_tables_have_no_index(model, column):
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, model._meta.db_table)
    indexed = [name for name, c in constraints.items() if c["index"] and c["columns"] == [column]]
    assert indexed == [], f"{model.__name__}.{column}: every imported row pays for this index"


def test_deleting_a_user_still_sets_their_rows_to_null(world):
    site = world.sites["A"]
    user = world.users["coordinator"]
    Worker.objects.filter(pk=site.worker.pk).update(created_by=user)
    Membership.objects.filter(pk=site.membership.pk).update(created_by=user)
    MembershipEvent.objects.filter(membership=site.membership).update(by=user)
    user.delete()
    assert Worker.objects.get(pk=site.worker.pk).created_by_id is None
    assert Membership.objects.get(pk=site.membership.pk).created_by_id is None
    assert not MembershipEvent.objects.filter(membership=site.membership, by__isnull=False).exists()


def _indexes(table: str, column: str) -> list[dict]:
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, table)
    # a UNIQUE constraint's index is reported as the constraint (`unique`), not as an index
    return [c for c in constraints.values() if (c["index"] or c["unique"]) and c["columns"] == [column]]


@pytest.mark.parametrize(("table", "column"), [("registry_worker", "nik"), ("registry_worker", "domicile_id")])
def test_nik_and_domicile_have_one_index_each(table, column):
    """Django's plain index + `_like` twin became one `varchar_pattern_ops` index (issue 18): every imported worker
    paid for both."""
    assert len(_indexes(table, column)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="operator classes and plans are PostgreSQL's")
def test_the_one_nik_index_serves_equality_prefix_and_uniqueness(world):
    from django.db import IntegrityError, transaction

    site = world.sites["A"]
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_sort = off")  # a few rows here: ask whether the index *can* give the order
        for sql, value in [
            ("EXPLAIN SELECT id FROM registry_worker WHERE nik = %s", site.worker.nik),
            ("EXPLAIN SELECT id FROM registry_worker WHERE nik LIKE %s", site.worker.nik[:6] + "%"),
            # the order of a search by NIK comes from the index too (the column is COLLATE "C"): no Sort node
            ("EXPLAIN SELECT id FROM registry_worker WHERE nik LIKE %s ORDER BY nik, id LIMIT 51", "64%"),
        ]:
            cur.execute(sql, [value])
            plan = " ".join(row[0] for row in cur.fetchall())
            assert "worker_nik_unique" in plan and "->  Sort " not in plan, plan  # an Incremental Sort is fine
        cur.execute("EXPLAIN SELECT id FROM registry_worker WHERE domicile_id LIKE '64.%%'")
        assert "worker_domicile" in " ".join(row[0] for row in cur.fetchall())
    with pytest.raises(IntegrityError), transaction.atomic():
        Worker.objects.filter(pk=world.sites["B"].worker.pk).update(nik=site.worker.nik)


def test_null_kpj_and_project_are_not_indexed():
    if connection.vendor != "postgresql":
        pytest.skip("partial indexes are checked on PostgreSQL")
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'enrollment_membership' "
                    "AND indexdef ~ '\\((kpj|project_id)\\)'")  # fmt: skip
        found = dict(cur.fetchall())
    assert set(found) == {"membership_kpj_unique", "membership_project"}
    assert all("IS NOT NULL" in definition for definition in found.values()), found


def test_every_declared_index_and_constraint_exists_in_the_database():
    """Each index and constraint the models declare exists in the migrated database (a Django migration once
    dropped `terms_one_open_per_membership` while its state kept it: `makemigrations --check` cannot see that)."""
    from django.apps import apps

    missing = []
    with connection.cursor() as cur:
        for model in apps.get_models():
            if not model.__module__.startswith("sijaga.") or model._meta.proxy or not model._meta.managed:
                continue
            existing = set(connection.introspection.get_constraints(cur, model._meta.db_table))
            for item in [*model._meta.indexes, *model._meta.constraints]:
                if item.name not in existing:
                    missing.append(f"{model._meta.label}: {item.name}")
    assert not missing, missing
