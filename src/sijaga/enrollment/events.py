"""Membership history writers: one function per event type, used by the services; `bulk.py` writes the same rows
set-based with the SQL below, so a bulk import leaves the same history as the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sijaga.enrollment.models import EventKind, Membership, MembershipEvent, MembershipStatus

#: The terms whose change is recorded (before/after) when a form, the API or a re-upload changes them.
TERMS = ("segment", "jkk", "jkm", "jht", "jp", "jkp", "wage")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def membership_created(membership: Membership, *, actor, reason: str, at=None) -> MembershipEvent:
    return MembershipEvent.objects.create(
        membership=membership, at=at or timezone.now(), by=actor.user, from_status="",
        to_status=MembershipStatus.REGISTERED, reason=reason[:300], kind=EventKind.CREATED,
    )  # fmt: skip


def status_changed(
    membership: Membership, *, actor, from_status: str, to_status: str, reason: str, end_reason: str = "", at=None
) -> MembershipEvent:
    return MembershipEvent.objects.create(
        membership=membership, at=at or timezone.now(), by=actor.user, from_status=from_status, to_status=to_status,
        reason=reason[:300], end_reason=end_reason, kind=EventKind.STATUS,
    )  # fmt: skip


def terms_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [_json(before.get(k)), _json(after[k])] for k in TERMS if k in after and before.get(k) != after[k]}


def terms_changed(membership: Membership, *, actor, changes: dict[str, list[Any]], reason: str) -> MembershipEvent:
    return MembershipEvent.objects.create(
        membership=membership, at=timezone.now(), by=actor.user, from_status=membership.status,
        to_status=membership.status, reason=reason[:300], kind=EventKind.TERMS, changes=changes,
    )  # fmt: skip


# --- the same events, written set-based by a bulk merge (`enrollment.bulk`) -----------------------------------------
# `{stage}` must hold the membership id, its status and, for terms, the before/after JSON computed by the merge.

#: `membership_created` for every staged row that got a new membership (params: at, by, reason)
MEMBERSHIP_CREATED_SELECT = "SELECT {id_col}, %s, %s, '', 'registered', %s, '', 'created' FROM {source}"
MEMBERSHIP_EVENT_COLUMNS = "membership_id, at, by_id, from_status, to_status, reason, end_reason, kind"

#: `terms_changed` for every staged row whose segment, programmes or wage changed (params: at, by, reason)
TERMS_CHANGED_INSERT = (
    f"INSERT INTO enrollment_membershipevent ({MEMBERSHIP_EVENT_COLUMNS}, changes) "
    "SELECT membership_id, %s, %s, membership_status, membership_status, %s, '', 'terms', membership_changes "
    "FROM {stage} WHERE {where}"
)

#: `status_changed` for every moved row of `{source}`, whose columns `{row}membership_id`, `{row}from_status`,
#: `{row}to_status` and `{row}reason` say what moved and why (params: at, by)
STATUS_CHANGED_SELECT = (
    "SELECT {row}membership_id, %s, %s, {row}from_status, {row}to_status, substr({row}reason, 1, 300), '', 'status' "
    "FROM {source}"
)
