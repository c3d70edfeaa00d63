"""Budget history writers: one row per state change of a plan or an allocation (the only writers of BudgetEvent)."""

from __future__ import annotations

from django.utils import timezone

from sijaga.budget.models import BudgetAllocation, BudgetEvent, BudgetEventKind, BudgetPlan


def _event(kind: str, *, actor, region_id: str, plan=None, allocation=None, detail=None) -> BudgetEvent:
    return BudgetEvent.objects.create(
        region_id=region_id, plan=plan, allocation=allocation, kind=kind, at=timezone.now(), by=actor.user,
        channel=actor.channel, detail=detail,
    )  # fmt: skip


def plan_saved(plan: BudgetPlan, *, actor, number: int, total: int) -> BudgetEvent:
    return _event(BudgetEventKind.PLAN_SAVED, actor=actor, region_id=plan.region_id, plan=plan,
                  detail={"version": number, "total": total})  # fmt: skip


def plan_adopted(plan: BudgetPlan, *, actor, number: int, allocation: BudgetAllocation | None) -> BudgetEvent:
    return _event(BudgetEventKind.PLAN_ADOPTED, actor=actor, region_id=plan.region_id, plan=plan,
                  allocation=allocation, detail={"version": number})  # fmt: skip


def allocation_entered(allocation: BudgetAllocation, *, actor) -> BudgetEvent:
    return _event(BudgetEventKind.ENTERED, actor=actor, region_id=allocation.region_id, allocation=allocation,
                  detail={"amount": allocation.amount, "document": allocation.document_number})  # fmt: skip


def allocation_reviewed(allocation: BudgetAllocation, *, actor, reason: str = "") -> BudgetEvent:
    kind = BudgetEventKind.VERIFIED if allocation.status == "verified" else BudgetEventKind.REJECTED
    return _event(kind, actor=actor, region_id=allocation.region_id, allocation=allocation,
                  detail={"reason": reason[:300]} if reason else None)  # fmt: skip
