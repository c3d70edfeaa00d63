"""One writer for the case history (`CaseEvent`): every state change of a case writes one row here."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sijaga.benefits.models import BenefitCase, CaseEvent


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def case_event(
    case: BenefitCase, *, actor, kind: str, from_status: str, reason: str, changes: dict | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        by=getattr(actor, "user", None),
        kind=kind,
        from_status=from_status,
        to_status=case.status,
        reason=reason[:300],
        changes=_json(changes) if changes else None,
    )
