"""REST endpoints of the budget app, mounted at /api/budget/: the status of every Pemda the caller sees for a
fiscal year (need, allocated, realised, flags) and the adopted allocation per region — the same selectors as the
lists page and the compliance report."""

from typing import Annotated

from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.budget import presenters, selectors

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
