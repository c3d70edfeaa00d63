"""Scoped reads of the budget app, and the figures other apps read: the adopted allocation per region, the status
of every Pemda (need, allocated, realised) and the "belum menganggarkan" list.

Signatures the compliance app depends on (keep them): :func:`allocations_by_region`, :func:`budget_status`,
:func:`not_budgeted`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from sijaga.budget import rules
from sijaga.budget.models import AllocationStatus, BudgetAllocation, BudgetEvent, BudgetPlan, PlanVersion
from sijaga.contributions import selectors as contributions
from sijaga.core.exceptions import NotFound
from sijaga.regions.models import Region

#: Payer kinds whose contributions are paid out of a regional budget (APBD or APBDes).
BUDGET_PAYER_KINDS = ("pemprov", "pemkab", "pemdes")


class PlanNotFound(NotFound):
    pass


class AllocationNotFound(NotFound):
    pass


def plans_for(actor) -> QuerySet[BudgetPlan]:
    return BudgetPlan.objects.visible_to(actor).select_related("region", "created_by")


def get_plan(actor, pk) -> BudgetPlan:
    try:
        return plans_for(actor).get(pk=pk)
    except (BudgetPlan.DoesNotExist, ValueError, TypeError) as exc:
        raise PlanNotFound(pk) from exc


def versions_of(actor, plan: BudgetPlan) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.visible_to(actor).filter(plan=plan).select_related("created_by").order_by("number")


def allocations_for(actor) -> QuerySet[BudgetAllocation]:
    return BudgetAllocation.objects.visible_to(actor).select_related("region", "entered_by", "verified_by")


def get_allocation(actor, pk) -> BudgetAllocation:
    try:
        return allocations_for(actor).get(pk=pk)
    except (BudgetAllocation.DoesNotExist, ValueError, TypeError) as exc:
        raise AllocationNotFound(pk) from exc


def events_of(actor, *, plan=None, allocation=None) -> QuerySet[BudgetEvent]:
    qs = BudgetEvent.objects.visible_to(actor).select_related("by")
    if plan is not None:
        qs = qs.filter(plan=plan)
    if allocation is not None:
        qs = qs.filter(allocation=allocation)
    return qs.order_by("at", "id")


# --- figures per region -------------------------------------------------------------------------------------------


def allocations_by_region(actor, year: int) -> dict[str, int]:
    """Region code of the budgeting Pemda or village → the Rupiah adopted for ``year`` (its latest document not
    rejected: a revised budget replaces the earlier one), for the regions the actor sees."""
    rows = (
        BudgetAllocation.objects.visible_to(actor)
        .filter(year=year)
        .exclude(status=AllocationStatus.REJECTED)
        .order_by("region_id", "document_date", "id")
        .values_list("region_id", "amount")
    )
    latest: dict[str, int] = {}
    for region, amount in rows.iterator(chunk_size=5000):
        latest[region] = amount  # ordered by date: the last one wins
    return latest


def need_by_region(actor, year: int) -> dict[str, int]:
    """Region code → the priced need for ``year``: the total of its adopted plan version, else of its latest one."""
    rows = (
        PlanVersion.objects.visible_to(actor)
        .filter(plan__year=year)
        .order_by("plan__region_id", "adopted", "plan_id", "number")
        .values_list("plan__region_id", "total")
    )
    need: dict[str, int] = {}
    for region, total in rows.iterator(chunk_size=5000):
        need[region] = total  # adopted versions sort last: they win over drafts
    return need


def realised_by_region_month(actor, year: int) -> dict[str, dict[int, int]]:
    """Payer region code → {month number: Rupiah paid} on the budget payers' bills of ``year``
    (`contributions` bills: the paid part of each month's contributions)."""
    rows = (
        contributions.bills_for(actor)
        .filter(month__year=year, payer__kind__in=BUDGET_PAYER_KINDS)
        .values("payer__region_id", "month")
        .annotate(paid=Sum("paid"))
        .order_by()
    )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        out[row["payer__region_id"]][row["month"].month] = row["paid"] or 0
    return out


def months_elapsed(year: int, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month


@dataclass(frozen=True)
class Realisation:
    code: str
    allocated: int
    realised: int
    by_month: dict[int, int]
    months_elapsed: int

    @property
    def remaining(self) -> int:
        return self.allocated - self.realised

    @property
    def absorption_permille(self) -> int | None:
        return None if self.allocated <= 0 else self.realised * 1000 // self.allocated

    @property
    def absorption_percent(self) -> str | None:
        p = self.absorption_permille
        return None if p is None else f"{p // 10},{p % 10}"

    @property
    def runs_out_month(self) -> int | None:
        """The month number (1–12, or more: next year) the allocation runs out at the average monthly spending
        so far; None when nothing was spent yet."""
        months = rules.months_to_run_out(self.allocated, self.realised, self.months_elapsed)
        return None if months is None else int(months) + (0 if months == int(months) else 1)


def realisation(actor, code: str, year: int, *, today: dt.date | None = None) -> Realisation:
    allocated = allocations_by_region(actor, year).get(code, 0)
    by_month = realised_by_region_month(actor, year).get(code, {})
    return Realisation(code, allocated, sum(by_month.values()), by_month, months_elapsed(year, today))


@dataclass(frozen=True)
class BudgetStatus:
    """One Pemda (province or regency/city) for a year. ``allocated`` and ``realised`` of a regency include its
    villages' APBDes; ``has_allocation`` is about the Pemda's own APBD (what Kemendagri's "belum menganggarkan"
    names). ``need`` is the priced need of the plans saved (None: nobody priced it yet)."""

    code: str
    name: str
    level: int
    need: int | None
    allocated: int
    realised: int
    own_allocated: int
    village_allocated: int
    villages_budgeted: int
    has_allocation: bool
    below_need: bool
    low_realisation: bool

    @property
    def absorption_permille(self) -> int | None:
        return None if self.allocated <= 0 else self.realised * 1000 // self.allocated


def _pemda_of(code: str) -> str:
    """The Pemda a budget region reports to: a village → its regency; a province or regency → itself."""
    parts = code.split(".")
    return ".".join(parts[:2]) if len(parts) >= 3 else code


def budget_status(actor, year: int, *, parent: str | None = None, today: dt.date | None = None) -> list[BudgetStatus]:
    """One row per province and regency/city the actor sees (under ``parent`` when given: a province code gives the
    province and its regencies), ordered by code."""
    from sijaga.accounts.actor import as_actor

    scope = as_actor(actor).scope
    regions = Region.objects.filter(level__in=(1, 2), is_current=True)
    if parent:
        regions = regions.filter(Q(code=parent) | Q(code__startswith=parent + "."))
    if not scope.national:
        if not scope.prefixes:
            return []
        regions = regions.filter(scope.q("code"))
    regions = list(regions.order_by("code").values_list("code", "name", "level"))
    if not regions:
        return []
    allocated = allocations_by_region(actor, year)
    needs = need_by_region(actor, year)
    realised_months = realised_by_region_month(actor, year)
    elapsed = months_elapsed(year, today)

    own, villages, villages_n, need, realised = {}, defaultdict(int), defaultdict(int), {}, defaultdict(int)
    for code, amount in allocated.items():
        if rules.region_level(code) == 4:
            villages[_pemda_of(code)] += amount
            villages_n[_pemda_of(code)] += 1
        else:
            own[code] = amount
    for code, total in needs.items():
        key = _pemda_of(code)
        need[key] = need.get(key, 0) + total
    for code, months in realised_months.items():
        realised[_pemda_of(code)] += sum(months.values())

    rows = []
    for code, name, level in regions:
        own_amount = own.get(code, 0)
        total = own_amount + villages.get(code, 0)
        paid = realised.get(code, 0)
        need_amount = need.get(code)
        expected = total * elapsed // 12
        rows.append(
            BudgetStatus(
                code=code, name=name, level=level, need=need_amount, allocated=total, realised=paid,
                own_allocated=own_amount, village_allocated=villages.get(code, 0),
                villages_budgeted=villages_n.get(code, 0), has_allocation=own_amount > 0,
                below_need=need_amount is not None and total < need_amount,
                low_realisation=total > 0 and elapsed > 0
                and paid * 1000 < expected * rules.LOW_REALISATION_PERMILLE,
            )
        )  # fmt: skip
    return rows


def not_budgeted(actor, year: int, *, parent: str | None = None) -> list[BudgetStatus]:
    """The "belum menganggarkan" list: Pemda with no adopted allocation of their own for ``year``."""
    return [row for row in budget_status(actor, year, parent=parent) if not row.has_allocation]


def below_need(actor, year: int, *, parent: str | None = None) -> list[BudgetStatus]:
    return [row for row in budget_status(actor, year, parent=parent) if row.below_need]


def low_realisation(actor, year: int, *, parent: str | None = None) -> list[BudgetStatus]:
    return [row for row in budget_status(actor, year, parent=parent) if row.low_realisation]
