"""Bill lines range-partitioned by month on PostgreSQL (issue 13): `contributions_billline_pYYYYMM`, one per billed
month, plus a DEFAULT partition (`core.partitions`). Migration 0006 converts the table; the bill run creates its
month's partition when missing, in a short transaction of its own before the run (ATTACH holds locks on the
referenced tables until commit, `core.partitions`). A month's run then reads and writes one partition, whose indexes
hold that month only, and nothing ever scans the other months. SQLite keeps a plain table.
"""

from __future__ import annotations

from django.db import connection, transaction

from sijaga.core.partitions import MonthlyTable
from sijaga.core.periods import Month

LINES = MonthlyTable("contributions_billline", "month")


def ensure_month(month: Month) -> bool:
    """PostgreSQL: the month's partition exists (created now if missing; True then). One creator at a time (an
    advisory lock), so concurrent runs of one new month do not race. Inside a caller's transaction the partition
    is created in it; otherwise in its own."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic(), connection.cursor() as cur:
        if not LINES.is_partitioned(cur) or LINES.partition_of(cur, month.first_day):
            return False
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LINES.table])
        return LINES.ensure(cur, month.first_day)
