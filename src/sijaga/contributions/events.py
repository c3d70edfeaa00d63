"""Rate history writers: one function per event kind, used by the services (the only writers of rates)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sijaga.contributions.models import EventKind, RateEvent, RateSchedule


def _event(schedule: RateSchedule, kind: str, *, actor, reason: str = "", changes: Any = None) -> RateEvent:
    return RateEvent.objects.create(
        schedule=schedule, at=timezone.now(), by=actor.user, channel=actor.channel, kind=kind, reason=reason[:300],
        changes=changes,
    )  # fmt: skip


def schedule_loaded(schedule: RateSchedule, *, actor) -> RateEvent:
    return _event(schedule, EventKind.LOADED, actor=actor, reason=f"{schedule.code}.toml")


def schedule_updated(schedule: RateSchedule, *, actor, changes: dict, superseded: RateSchedule) -> RateEvent:
    reason = f"{schedule.code}.toml changed (replaces v{superseded.version}, {superseded.get_origin_display()})"
    return _event(schedule, EventKind.UPDATED, actor=actor, reason=reason, changes=changes)


def rate_corrected(schedule: RateSchedule, *, actor, reason: str, changes: dict) -> RateEvent:
    return _event(schedule, EventKind.CORRECTED, actor=actor, reason=reason, changes=changes)


def schedule_retired(schedule: RateSchedule, *, actor) -> RateEvent:
    return _event(schedule, EventKind.RETIRED, actor=actor, reason=f"{schedule.code}.toml is no longer in the data")
