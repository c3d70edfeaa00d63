"""Worker history writers: one function per event type, used by the services and the bulk import alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sijaga.registry.models import Worker, WorkerChange

#: The columns whose changes are recorded (the NIK never changes; a wrong NIK is a new registration).
TRACKED = ("full_name", "birth_date", "gender", "domicile_id", "phone", "occupation", "category")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [_json(before.get(k)), _json(after[k])] for k in TRACKED if k in after and before.get(k) != after[k]}


def worker_changed(worker: Worker, *, actor, changes: dict[str, list[Any]], reason: str = "") -> WorkerChange | None:
    if not changes:
        return None
    return WorkerChange.objects.create(
        worker=worker, at=timezone.now(), by=actor.user, channel=actor.channel, changes=changes, reason=reason[:300]
    )


#: The same event, written set-based by a bulk merge: `stage` must hold worker_id and the before/after JSON.
WORKER_CHANGED_INSERT = (
    "INSERT INTO registry_workerchange (worker_id, at, by_id, channel, changes, reason) "
    "SELECT worker_id, %s, %s, %s, {changes_expr}, %s FROM {stage} WHERE {where}"
)
