"""The membership history range-partitioned by month on PostgreSQL (issue 18): `enrollment_membershipevent_pYYYYMM`
plus a DEFAULT partition (`core.partitions`), primary key `(id, at)`; migration 0017 converts the table. SQLite keeps
a plain table.

One row per membership created, status change (the status refresh after a bill run moves hundreds of thousands of
memberships a month) and terms change: the table grows like a log. Partitions keep each month's indexes small and
make a retention a `DROP TABLE`; `SIJAGA_MEMBERSHIP_EVENT_RETENTION_MONTHS` defaults to 0, keep for ever: the history
is the evidence of who registered, moved or ended a membership and why, and a membership's rows outlive any clock.
No table references these rows (a foreign key to a partitioned table must hold the partition column).

The history is read per membership by its FK, with no month: the planner plans, locks and probes every monthly
partition (bench/events.py, bench/README.md: one membership's history 0.3 ms plain, 0.75 ms over 24 partitions,
2.8 ms over 120; a page of 50, 3.6 → 11 → 24 ms). Bounding `at` by the membership's creation would prune the months
before it, but it is not a bound the data guarantees (a service writes the creation event with the `now` taken
before the membership's own `created_at`; a history loaded from an older system predates it) and it gained little
(120 partitions: 1.9 ms instead of 2.8): the readers do not use it. The cost grows with the number of partitions;
a retention caps it.
"""

from __future__ import annotations

import datetime as dt

from sijaga.core.partitions import MonthlyTable, ensure_current

EVENTS = MonthlyTable("enrollment_membershipevent", "at", retention_setting="MEMBERSHIP_EVENT_RETENTION_MONTHS")


def ensure_this_month(day: dt.date) -> list[str]:
    """Before a big write of history rows (an import, the status refresh): ``day``'s month has its partitions,
    best effort (`core.partitions.ensure_current`). The registry's worker history is written by the same imports."""
    from sijaga.registry.partitions import CHANGES

    return ensure_current([EVENTS, CHANGES], day=day)
