"""Scoped reads of benefit cases, and the sums other apps depend on (coverage pages, the six-monthly report).

`benefits_paid` and `exposure_by_region` are a contract: coverage and compliance call them by these names."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from sijaga.accounts.actor import Actor
from sijaga.benefits.models import (
    OPEN_CASE_STATUSES,
    BenefitCase,
    BenefitFigure,
    CaseEvent,
    LiabilityRule,
)
from sijaga.core.exceptions import NotFound


class CaseNotFound(NotFound):
    pass


def cases_for(actor: Actor) -> QuerySet[BenefitCase]:
    return BenefitCase.objects.visible_to(actor)


def get_case(actor: Actor, pk: int) -> BenefitCase:
    try:
        return cases_for(actor).select_related("worker", "payer", "membership").get(pk=pk)
    except (BenefitCase.DoesNotExist, ValueError, TypeError) as exc:
        raise CaseNotFound(pk) from exc


def history(actor: Actor, case: BenefitCase) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.visible_to(actor).filter(case=case).select_related("by").order_by("at", "id")


def benefits_paid(actor: Actor, *, start: dt.date, end: dt.date) -> dict[str, tuple[int, int]]:
    """Region code (regency of the payer) → (number of cases paid, Rupiah paid), payments dated start..end."""
    rows = (
        cases_for(actor)
        .filter(status="paid", paid_on__gte=start, paid_on__lte=end)
        .values("region_code")
        .annotate(n=Count("id"), amount=Sum("paid_amount"))
        .order_by("region_code")
    )
    return {r["region_code"]: (r["n"], r["amount"] or 0) for r in rows}


def exposure_by_region(actor: Actor) -> dict[str, int]:
    """Region code (regency of the payer) → Rupiah the employers owe on the cases judged so far."""
    rows = (
        cases_for(actor)
        .filter(employer_owes__gt=0)
        .values("region_code")
        .annotate(amount=Sum("employer_owes"))
        .order_by("region_code")
    )
    return {r["region_code"]: r["amount"] or 0 for r in rows}


def exposure_of_payer(actor: Actor, payer_id: int) -> dict:
    qs = cases_for(actor).filter(payer_id=payer_id, employer_owes__gt=0)
    agg = qs.aggregate(
        n=Count("id"), amount=Sum("employer_owes"), unverified=Count("id", filter=Q(rule_verified=False))
    )
    return {"cases": agg["n"], "amount": agg["amount"] or 0, "unverified": agg["unverified"]}


def open_cases(actor: Actor) -> QuerySet[BenefitCase]:
    return cases_for(actor).filter(status__in=OPEN_CASE_STATUSES)


def overdue_cases(actor: Actor, *, days: int, today: dt.date | None = None) -> QuerySet[BenefitCase]:
    today = today or timezone.localdate()
    return open_cases(actor).filter(event_date__lt=today - dt.timedelta(days=days))


def current_figures() -> QuerySet[BenefitFigure]:
    return BenefitFigure.objects.filter(schedule__is_current=True).order_by("key", "valid_from")


def current_liability_rules() -> QuerySet[LiabilityRule]:
    return LiabilityRule.objects.filter(schedule__is_current=True).order_by("situation", "employer", "valid_from")
