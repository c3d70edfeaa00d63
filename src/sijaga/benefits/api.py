"""REST endpoints of the benefits app, mounted at /api/benefits/: cases (scoped by the payer's region and the
worker's domicile), the claim steps, the sums per region, and the public benefit figures and liability rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import audit
from sijaga.benefits import selectors, services
from sijaga.benefits.presenters import case_out
from sijaga.core.listing import DbId, Window, window

router = Router(tags=["benefits"])


class FigureOut(Schema):
    key: str
    unit: str
    value: int
    valid_from: dt.date
    valid_to: dt.date | None
    regulation: str
    article: str
    verified: bool


class RuleOut(Schema):
    key: str
    situation: str
    employer: str
    segment: str
    min_months: int
    outcome: str
    fine_bp: int
    valid_from: dt.date
    valid_to: dt.date | None
    regulation: str
    article: str
    note: str
    verified: bool


class RulesOut(Schema):
    figures: list[FigureOut]
    liability: list[RuleOut]


@router.get("/rules/", response=RulesOut)
def benefit_rules(request):
    """The benefit figures and liability rules in force, with their citations and whether they were verified."""
    return {"figures": list(selectors.current_figures()), "liability": list(selectors.current_liability_rules())}


class HeirIn(Schema):
    name: str
    relation: str
    nik: str
    birth_date: dt.date | None = None
    school_level: str = ""
    bank_name: str = ""
    account_number: str = ""


class CaseIn(Schema):
    worker_id: DbId
    event_type: Literal["death", "work_accident", "occupational_disease"]
    event_date: dt.date
    cause: str
    outcome: str = ""
    place: str = ""
    payer_id: DbId | None = None
    wage: int | None = None
    heirs: list[HeirIn] = []
    disability_percent: int | None = None
    incapacity_months: int | None = None
    transport_mode: Literal["", "land", "sea", "air"] = ""
    transport_cost: int = 0
    home_care_cost: int = 0


class CaseOut(Schema):
    id: int
    number: str
    worker_id: int
    payer_id: int
    membership_id: int | None
    region: str
    event_type: str
    outcome: str
    event_date: dt.date
    status: str
    claim_number: str
    eligibility: str
    entitlement: int | None = Field(None, description="hidden (null) for roles that may not see wages")
    scholarship_max: int
    contribution_months: int
    arrears_months: int
    paid_on: dt.date | None
    paid_amount: int | None
    days: int | None
    overpaid: bool
    liable: str
    employer_owes: int | None = Field(None, description="hidden (null) for roles that may not see wages")
    rule: str
    rule_verified: bool
    heirs: list[dict[str, Any]] = []


class CasePage(Schema):
    items: list[CaseOut]
    count: int


@router.get("/cases/", response=CasePage, auth=django_auth)
def list_cases(request, w: Query[Window], status: Literal["", "open", "overdue", "paid"] = "",
               payer_id: DbId | None = None):  # fmt: skip
    """Cases the caller may see, newest event first; ``status`` open, overdue (open longer than the service
    level) or paid; ``payer_id`` narrows to one employer."""
    actor = Actor.from_request(request, channel="api")
    qs = filtered(actor, status).select_related("worker", "payer")
    if payer_id:
        qs = qs.filter(payer_id=payer_id)
    items, count = window(qs, w)
    audit(actor, "search", "benefit_case", count=len(items))
    return {"items": [case_out(actor, c) for c in items], "count": count}


def filtered(actor, status: str):
    if status == "open":
        return selectors.open_cases(actor)
    if status == "overdue":
        return selectors.overdue_cases(actor, days=services.overdue_days())
    if status == "paid":
        return selectors.cases_for(actor).filter(status="paid")
    return selectors.cases_for(actor)


@router.post("/cases/", response={201: CaseOut}, auth=django_auth)
def create_case(request, payload: CaseIn):
    """Record a case (the same service as the page): judged at once; a death ends the membership. A second report
    of the same case answers 422 naming the first."""
    actor = Actor.from_request(request, channel="api")
    data = payload.dict()
    data["heirs"] = [h for h in data["heirs"]]
    case = services.record_case(actor, **data)
    return Status(201, case_out(actor, selectors.get_case(actor, case.pk), heirs=True))


@router.get("/cases/{case_id}", response=CaseOut, auth=django_auth)
def get_case(request, case_id: DbId):
    actor = Actor.from_request(request, channel="api")
    case = selectors.get_case(actor, case_id)
    audit(actor, "view", "benefit_case", case.pk)
    return case_out(actor, case, heirs=True)


class ClaimIn(Schema):
    action: Literal["submit", "decide", "pay", "rejudge"]
    on: dt.date | None = None
    claim_number: str = ""
    approved: bool = True
    amount: int = 0
    paid_to: str = ""
    reason: str = ""


@router.post("/cases/{case_id}/claim", response=CaseOut, auth=django_auth)
def claim_step(request, case_id: DbId, payload: ClaimIn):
    """One step of the claim: ``submit`` (on, claim_number), ``decide`` (on, approved), ``pay`` (on, amount,
    paid_to: an amount above the entitlement is kept and flagged), ``rejudge``."""
    actor = Actor.from_request(request, channel="api")
    selectors.get_case(actor, case_id)  # 404 before anything else
    on = payload.on or timezone.localdate()
    if payload.action == "submit":
        services.submit_claim(actor, case_id, submitted_on=on, claim_number=payload.claim_number)
    elif payload.action == "decide":
        services.decide_claim(actor, case_id, decided_on=on, approved=payload.approved, reason=payload.reason)
    elif payload.action == "pay":
        services.record_claim_payment(actor, case_id, paid_on=on, amount=payload.amount, paid_to=payload.paid_to)
    else:
        services.rejudge(actor, case_id)
    return case_out(actor, selectors.get_case(actor, case_id), heirs=True)


class RegionSum(Schema):
    region: str
    cases: int
    amount: int


@router.get("/paid", response=list[RegionSum], auth=django_auth)
def paid(request, start: dt.date, end: dt.date):
    """Benefits paid from ``start`` to ``end`` per region (regency of the payer) in the caller's scope."""
    actor = Actor.from_request(request, channel="api")
    sums = selectors.benefits_paid(actor, start=start, end=end)
    return [{"region": r, "cases": n, "amount": a} for r, (n, a) in sorted(sums.items())]


class ExposureOut(Schema):
    region: str
    amount: int


@router.get("/exposure", response=list[ExposureOut], auth=django_auth)
def exposure(request):
    """What employers owe per region on the cases judged so far (not registered, or in arrears)."""
    actor = Actor.from_request(request, channel="api")
    return [{"region": r, "amount": a} for r, a in sorted(selectors.exposure_by_region(actor).items())]
