"""Judge a case from the terms and the payments in force on its event date: the entitlement (rules.jkm/jkk), the
eligibility (covered, in arrears, not registered) and who carries it (rules.liability).

* The membership: the worker's membership whose period contains the event date (the case's payer's first).
* The wage and segment: the `MembershipTerms` in force on the event date (the case's own wage when not registered).
* Arrears on the event date: the membership's lines in bills of months before the event month that the payments
  made on or before the event date had not paid in full (a payment recorded later but dated before the event
  counts: the case is re-judged when it arrives, `apps.py`).
* Contribution months (the scholarship's 3 years): months from the worker's first membership start to the event
  month, less the months in arrears.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from sijaga.benefits import rules
from sijaga.benefits.models import BenefitCase, BenefitFigure, BenefitSchedule, EventType, LiabilityRule


def current_table() -> rules.Table:
    figures = [f.as_row() for f in BenefitFigure.objects.filter(schedule__is_current=True)]
    liability = [r.as_row() for r in LiabilityRule.objects.filter(schedule__is_current=True)]
    types: dict[str, str] = {}
    for t in BenefitSchedule.objects.filter(is_current=True).values_list("employer_types", flat=True):
        types |= t or {}
    return rules.Table(figures, liability, types)


@dataclass
class Facts:
    membership_id: int | None
    wage: int | None
    segment: str
    contribution_months: int
    arrears_months: int
    arrears_amount: int


def _months_between(first: dt.date, last: dt.date) -> int:
    return max(0, (last.year * 12 + last.month) - (first.year * 12 + first.month))


def membership_on(worker_id: int, payer_id: int | None, day: dt.date):
    from sijaga.enrollment.models import Membership

    qs = Membership.objects.filter(worker_id=worker_id, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    if payer_id is not None:
        mine = qs.filter(payer_id=payer_id).order_by("-start_date", "-id").first()
        if mine is not None:
            return mine
    return qs.order_by("-start_date", "-id").first()


def arrears_on(membership_id: int, payer_id: int, day: dt.date) -> tuple[int, int]:
    """(months, Rupiah) of the membership's lines in bills before the event month not paid in full by then."""
    from sijaga.contributions.models import Allocation, BillLine

    first = day.replace(day=1)
    paid = dict(
        Allocation.objects.filter(bill__payer_id=payer_id, bill__month__lt=first, payment__paid_on__lte=day)
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .values_list("bill_id", "s")
    )
    lines = (
        BillLine.objects.filter(membership_id=membership_id, month__lt=first, bill__payer_id=payer_id)
        .values("bill_id", "bill__total", "month")
        .annotate(amount=Sum("total"))
    )
    months: set[dt.date] = set()
    amount = 0
    for row in lines:
        if paid.get(row["bill_id"], 0) < row["bill__total"] and row["amount"] > 0:
            months.add(row["month"])
            amount += row["amount"]
    return len(months), amount


def facts(case: BenefitCase) -> Facts:
    from sijaga.enrollment.models import Membership, MembershipTerms

    day = case.event_date
    m = membership_on(case.worker_id, case.payer_id, day)
    starts = Membership.objects.filter(worker_id=case.worker_id, start_date__lte=day).order_by("start_date")
    first = starts.values_list("start_date", flat=True).first()
    if m is None:
        return Facts(None, case.wage, "", 0, 0, 0)
    terms = (
        MembershipTerms.objects.filter(membership=m, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )
    wage, segment = (terms.wage, terms.segment) if terms else (m.wage, m.segment)
    months, amount = arrears_on(m.pk, m.payer_id, day)
    contribution = max(0, _months_between(first, day) - months) if first else 0
    return Facts(m.pk, wage, segment, contribution, months, amount)


def entitlement(case: BenefitCase, table: rules.Table, f: Facts, levels: list[str]) -> rules.Entitlement:
    if case.event_type == EventType.DEATH:
        return rules.jkm(table, case.event_date, contribution_months=f.contribution_months, school_levels=levels)
    return rules.jkk(
        table,
        case.event_date,
        outcome=case.outcome,
        wage=f.wage or 0,
        disability_percent=case.disability_percent,
        incapacity_months=case.incapacity_months,
        transport_mode=case.transport_mode,
        transport_cost=case.transport_cost,
        home_care_cost=case.home_care_cost,
        contribution_months=f.contribution_months,
        school_levels=levels,
    )


JUDGED = (
    "membership_id",
    "wage",
    "segment",
    "contribution_months",
    "arrears_months",
    "arrears_amount",
    "eligibility",
    "entitlement",
    "scholarship_max",
    "liable",
    "employer_owes",
    "rule_key",
    "rule_citation",
    "rule_verified",
    "overpaid",
)


def judge(case: BenefitCase, table: rules.Table | None = None) -> dict[str, list]:
    """Set the case's judgement fields (not saved); returns {field: [before, after]} of what changed."""
    table = table or current_table()
    before = {k: getattr(case, k) for k in JUDGED}
    f = facts(case)
    levels = [h.school_level for h in case.heirs.all().order_by("id") if h.relation == "child" and h.school_level]
    ent = entitlement(case, table, f, levels)
    if f.membership_id is None:
        eligibility = "not_registered"
    elif f.arrears_months:
        eligibility = "arrears"
    else:
        eligibility = "covered"
    from sijaga.enrollment.models import Payer

    payer_kind = Payer.objects.values_list("kind", flat=True).get(pk=case.payer_id)
    li = rules.liability(
        table,
        eligibility=eligibility,
        payer_kind=payer_kind,
        segment=f.segment,
        day=case.event_date,
        entitlement=ent.total + ent.scholarship_max,
        arrears_months=f.arrears_months,
        arrears_amount=f.arrears_amount,
    )
    case.membership_id = f.membership_id
    case.wage = f.wage
    case.segment = f.segment
    case.contribution_months = f.contribution_months
    case.arrears_months = f.arrears_months
    case.arrears_amount = f.arrears_amount
    case.eligibility = eligibility
    case.entitlement = ent.total
    case.scholarship_max = ent.scholarship_max
    case.liable = li.liable
    case.employer_owes = li.employer_owes
    case.rule_key = li.rule.key if li.rule else ("" if eligibility == "covered" else "none")
    case.rule_citation = li.citation[:300]
    case.rule_verified = bool(li.rule.verified) if li.rule else eligibility == "covered"
    case.overpaid = bool(case.paid_amount and case.paid_amount > ent.total + ent.scholarship_year_one)
    case.detail = {
        "parts": ent.parts,
        "citations": ent.citations,
        "unverified": ent.unverified,
        "scholarship_year_one": ent.scholarship_year_one,
        "rule_note": li.rule.note if li.rule else "",
        "rule_outcome": li.rule.outcome if li.rule else "",
    }
    case.judged_at = timezone.now()
    after = {k: getattr(case, k) for k in JUDGED}
    return {k: [before[k], after[k]] for k in JUDGED if before[k] != after[k]}
