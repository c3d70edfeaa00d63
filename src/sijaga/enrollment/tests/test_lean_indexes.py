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
