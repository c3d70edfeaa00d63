"""The worker history range-partitioned by month on PostgreSQL (issue 18): `registry_workerchange_pYYYYMM` plus a
DEFAULT partition (`core.partitions`), primary key `(id, at)`; migration 0012 converts the table. SQLite keeps a
plain table. Retention `SIJAGA_WORKER_CHANGE_RETENTION_MONTHS`, default 0: kept for ever (who changed a worker's
data, and from what, is evidence). No table references these rows. Read per worker by its FK (the history on the
worker page): see `enrollment.partitions` and bench/events.py for what probing the partitions costs.
"""

from __future__ import annotations

from sijaga.core.partitions import MonthlyTable

CHANGES = MonthlyTable("registry_workerchange", "at", retention_setting="WORKER_CHANGE_RETENTION_MONTHS")
