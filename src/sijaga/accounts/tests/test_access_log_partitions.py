"""The access log, partitioned by month on PostgreSQL, with retention by dropping whole months (issue 18)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sijaga.accounts import partitions
from sijaga.accounts.models import AccessLog
from sijaga.accounts.services import log_access

pytestmark = pytest.mark.django_db
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's")


def _log(at: dt.datetime) -> AccessLog:
    log_access(None, "view", "worker", "1")
    row = AccessLog.objects.latest("id")
    AccessLog.objects.filter(pk=row.pk).update(at=at)  # moves the row to that month's partition
    return AccessLog.objects.get(pk=row.pk)


def test_month_arithmetic():
    assert partitions.month_start(dt.date(2026, 1, 31), -1) == dt.date(2025, 12, 1)
    assert partitions.month_start(dt.date(2026, 12, 2), 1) == dt.date(2027, 1, 1)
    assert partitions.month_start(dt.date(2026, 3, 15), -24) == dt.date(2024, 3, 1)


@needs_postgresql
def test_the_migrated_table_is_partitioned_by_month_and_still_works_through_the_orm():
    with connection.cursor() as cur:
        assert partitions.is_partitioned(cur)
        months = [first for _, first in partitions.monthly_partitions(cur)]
    this_month = partitions.month_start(timezone.localdate())
    assert this_month in months and partitions.month_start(this_month, 3) in months
    row = _log(timezone.now())
    assert AccessLog.objects.get(pk=row.pk).object_type == "worker"  # by id alone: every partition's index
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM accounts_accesslog WHERE id = %s", [row.pk])
        assert cur.fetchone()[0] == partitions.partition_name(this_month)


@needs_postgresql
def test_rotation_creates_months_ahead_drops_expired_ones_and_empties_the_default():
    now = timezone.now()
    old = _log(now - dt.timedelta(days=31 * 30))  # ~30 months ago: no partition, lands in DEFAULT
    recent = _log(now)
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM accounts_accesslog WHERE id = %s", [old.pk])
        assert cur.fetchone()[0] == partitions.DEFAULT
        # a month far ahead whose rows sit in DEFAULT: the rotation moves them before attaching
        future = _log(now + dt.timedelta(days=31 * 8))
        done = partitions.rotate(cur, today=timezone.localdate(), months_ahead=9, retention_months=24)
        assert partitions.partition_name(partitions.month_start(future.at.date())) in done.created
        assert done.moved == 1 and done.deleted == 1
        cur.execute("SELECT tableoid::regclass::text FROM accounts_accesslog WHERE id = %s", [future.pk])
        assert cur.fetchone()[0] == partitions.partition_name(partitions.month_start(future.at.date()))
        # a whole expired month is dropped, not deleted row by row
        cur.execute("CREATE TABLE accounts_accesslog_p202001 PARTITION OF accounts_accesslog "
                    "FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')")  # fmt: skip
        ancient = _log(dt.datetime(2020, 1, 15, tzinfo=dt.UTC))
        again = partitions.rotate(cur, today=timezone.localdate(), months_ahead=9, retention_months=24)
        assert again.created == [] and again.dropped == ["accounts_accesslog_p202001"]
    assert set(AccessLog.objects.values_list("pk", flat=True)) >= {recent.pk, future.pk}
    assert not AccessLog.objects.filter(pk__in=[old.pk, ancient.pk]).exists()


def test_the_command_runs_on_either_database(settings):
    settings.ACCESS_LOG_RETENTION_MONTHS = 24
    old = _log(timezone.now() - dt.timedelta(days=31 * 30))
    out = io.StringIO()
    call_command("access_log_partitions", "--dry-run", stdout=out)
    assert AccessLog.objects.filter(pk=old.pk).exists()
    call_command("access_log_partitions", stdout=out)
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert "dihapus" in out.getvalue()
