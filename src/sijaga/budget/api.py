"""REST endpoints of the budget app, mounted at /api/budget/: the status of every Pemda the caller sees for a
fiscal year (need, allocated, realised, flags) and the adopted allocation per region — the same selectors as the
lists page and the compliance report — and the writes a regional finance system (SIPD) needs: price a year, save a
plan version, record an adopted allocation with its evidence, verify it. Every write goes through the same services
as the pages (scope, roles, immutable versions, verifier ≠ enterer, one event per change)."""

import datetime as dt
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.budget import presenters, rules, selectors, services
from sijaga.budget.models import AllocationSource, DocumentType
from sijaga.budget.pricing import PricingError

router = Router(tags=["budget"])

Year = Annotated[int, Field(ge=2020, le=2100)]


class StatusQuery(Schema):
    year: Year
    list: str = Field("semua", pattern="^(belum|kurang|realisasi|semua)$")
    parent: str | None = Field(None, max_length=13, pattern=r"^\d{2}(\.\d{2}){0,1}$")


class StatusOut(Schema):
    code: str
    name: str
    level: int
    need: int | None
    allocated: int
    own_allocated: int
    village_allocated: int
    villages_budgeted: int
    realised: int
    has_allocation: bool
    below_need: bool
    low_realisation: bool


class StatusPage(Schema):
    year: int
    list: str
    count: int
    items: list[StatusOut]


@router.get("/status", response=StatusPage, auth=django_auth)
def status(request, q: Query[StatusQuery]):
    """One row per province and regency/city the caller sees (``list``: belum = no allocation of its own, kurang =
    allocation below the priced need, realisasi = realisation far below the allocation, semua = all)."""
    actor = Actor.from_request(request, channel="api")
    test = presenters.LISTS[q.list][1]
    rows = [r for r in selectors.budget_status(actor, q.year, parent=q.parent) if test(r)]
    return {"year": q.year, "list": q.list, "count": len(rows), "items": [presenters.status_dict(r) for r in rows]}


class YearQuery(Schema):
    year: Year


@router.get("/allocations/by-region", response=dict[str, int], auth=django_auth)
def allocations_by_region(request, q: Query[YearQuery]):
    """Region code → the Rupiah adopted for the year (the latest document not rejected), for the regions the caller
    sees."""
    return selectors.allocations_by_region(Actor.from_request(request, channel="api"), q.year)


# --- writes: price, plan, allocate, verify ---------------------------------------------------------------------------

RegionCode = Annotated[str, Field(max_length=13, pattern=r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")]


class ErrorOut(Schema):
    detail: str | dict


class TargetIn(Schema):
    category: str = Field(max_length=40, description="non_asn, perangkat_desa, rt_rw, penyelenggara_pemilu, "
                                                     "pekerja_rentan")  # fmt: skip
    people: int = Field(ge=0, le=10_000_000)
    income: int = Field(gt=0, le=1_000_000_000, description="monthly wage or declared income, Rupiah")
    source: str = Field(max_length=10, description="apbd, apbdes or csr")
    segment: str = Field("", max_length=10, description="pu or bpu; empty: the category's default")


class PriceIn(Schema):
    region: RegionCode
    year: Year
    programmes: list[str] = Field(default_factory=lambda: list(rules.DEFAULT_PROGRAMMES), max_length=5)
    include_enrolled: bool = True
    targets: list[TargetIn] = Field(default_factory=list, max_length=50)


class PlanIn(PriceIn):
    title: str = Field("", max_length=200)
    note: str = Field("", max_length=300)
    plan_id: int | None = Field(None, ge=1, le=2**63 - 1, description="a new version of this plan; empty: a new plan")


class MonthOut(Schema):
    month: str
    amount: int


class CategoryOut(Schema):
    category: str
    people: int
    amount: int


class EstimateOut(Schema):
    year: int
    total: int
    people: int
    months: list[MonthOut]
    by_category: list[CategoryOut]


class PlanVersionOut(Schema):
    plan_id: int
    version: int
    region: str
    year: int
    total: int
    people: int
    adopted: bool


def _targets(body: PriceIn) -> list[services.Target]:
    return [services.Target(**t.dict()) for t in body.targets]


def _writer(request, region: str) -> Actor:
    actor = Actor.from_request(request, channel="api")
    if not services.can_budget(actor, region):
        raise PermissionDenied(_("Anda tidak dapat menyusun anggaran wilayah ini."))
    return actor


def _estimate(result: dict) -> dict:
    return {k: result[k] for k in ("year", "total", "people", "months", "by_category")}


@router.post("/price", response={200: EstimateOut, 422: ErrorOut}, auth=django_auth)
def price(request, body: PriceIn):
    """Price a fiscal year for a region (nothing stored): the enrolled workers on their own terms plus the targets,
    month by month through the contribution calculator. A month without a rate in force is a 422 naming the month
    and the programme, never a zero."""
    actor = _writer(request, body.region)
    try:
        estimate = services.simulate(actor, region_code=body.region, year=body.year, targets=_targets(body),
                                     programmes=body.programmes, include_enrolled=body.include_enrolled)  # fmt: skip
    except PricingError as exc:
        return Status(422, {"detail": exc.message})
    return _estimate(estimate.as_dict())


@router.post("/plans", response={201: PlanVersionOut, 422: ErrorOut}, auth=django_auth)
def save_plan(request, body: PlanIn):
    """Save a priced plan version (a new plan, or a new version of ``plan_id``); earlier versions never change."""
    actor = _writer(request, body.region)
    try:
        version = services.save_plan(actor, region_code=body.region, year=body.year, targets=_targets(body),
                                     programmes=body.programmes, include_enrolled=body.include_enrolled,
                                     title=body.title, note=body.note, plan_id=body.plan_id)  # fmt: skip
    except PricingError as exc:
        return Status(422, {"detail": exc.message})
    return Status(201, _version_out(version))


def _version_out(v) -> dict:
    return {"plan_id": v.plan_id, "version": v.number, "region": v.plan.region_id, "year": v.plan.year,
            "total": v.total, "people": v.people, "adopted": v.adopted}  # fmt: skip


class AllocationOut(Schema):
    id: int
    region: str
    year: int
    document_type: str
    document_number: str
    document_date: dt.date
    account_code: str
    amount: int
    status: str
    source: str
    plan_version: int | None
    evidence_name: str
    entered_by: str | None
    verified_by: str | None


def _allocation_out(a) -> dict:
    return {
        "id": a.pk, "region": a.region_id, "year": a.year, "document_type": a.document_type,
        "document_number": a.document_number, "document_date": a.document_date, "account_code": a.account_code,
        "amount": a.amount, "status": a.status, "source": a.source, "plan_version": a.plan_version_id,
        "evidence_name": a.evidence_name,
        "entered_by": a.entered_by.get_username() if a.entered_by else None,
        "verified_by": a.verified_by.get_username() if a.verified_by else None,
    }  # fmt: skip


@router.get("/allocations/{allocation_id}", response=AllocationOut, auth=django_auth)
def allocation(request, allocation_id: int):
    actor = Actor.from_request(request, channel="api")
    return _allocation_out(selectors.get_allocation(actor, allocation_id))


class AllocationIn(Schema):
    region: RegionCode
    year: Year
    document_type: DocumentType
    document_number: str = Field(max_length=100)
    document_date: dt.date
    account_code: str = Field(max_length=60)
    amount: int = Field(gt=0, le=10**13)
    plan_version: int | None = Field(None, ge=1, le=2**63 - 1, description="the plan version it adopts")


@router.post("/allocations", response={201: AllocationOut, 422: ErrorOut}, auth=django_auth)
def record_allocation(request, evidence: File[UploadedFile], form: Form[AllocationIn]):
    """Record an adopted allocation (Perda APBD, Perkada penjabaran or APBDes) with its evidence, a PDF or image of
    at most 20 MB recognised by its first bytes. It waits for verification by someone else."""
    actor = _writer(request, form.region)
    allocation = services.record_allocation(
        actor, region_code=form.region, year=form.year, document_type=form.document_type,
        document_number=form.document_number, document_date=form.document_date, account_code=form.account_code,
        amount=form.amount, evidence=evidence, plan_version_id=form.plan_version, source=AllocationSource.API,
    )  # fmt: skip
    return Status(201, _allocation_out(selectors.get_allocation(actor, allocation.pk)))


class ReviewIn(Schema):
    approve: bool
    reason: str = Field("", max_length=300)


@router.post("/allocations/{allocation_id}/review", response={200: AllocationOut, 422: ErrorOut}, auth=django_auth)
def review_allocation(request, allocation_id: int, body: ReviewIn):
    """Verify, or reject with a reason, an allocation someone else entered."""
    actor = Actor.from_request(request, channel="api")
    allocation = selectors.get_allocation(actor, allocation_id)
    reviewed = services.review_allocation(actor, allocation, approve=body.approve, reason=body.reason)
    return _allocation_out(selectors.get_allocation(actor, reviewed.pk))
