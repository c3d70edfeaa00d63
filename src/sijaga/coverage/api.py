"""REST endpoints of the coverage app, mounted at /api/coverage/: the same aggregates as the pages (logged in)."""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.core.periods import Month
from sijaga.coverage import selectors

router = Router(tags=["coverage"])


class RowOut(Schema):
    code: str
    name: str
    level: int
    measure: str
    registered: int | None
    active: int | None
    arrears: int | None
    new: int | None
    target: int | None
    percent: float | None
    over_100: bool
    is_direct: bool
    target_is_demo: bool
    is_current: bool


class RowsIn(Schema):
    measure: Literal["payer", "domicile"] = "domicile"
    level: int = Field(1, ge=0, le=4)
    parent: str | None = Field(None, max_length=13)
    month: str | None = Field(None, max_length=7, description="YYYY-MM; empty: now")


class TrendIn(Schema):
    measure: Literal["payer", "domicile"] = "domicile"
    region: str | None = Field(None, max_length=13)
    since: str | None = Field(None, max_length=7)


class TrendOut(Schema):
    month: str
    registered: int
    active: int | None
    target: int | None
    percent: float | None
    live: bool


def _month(text: str | None) -> Month | None:
    if not text:
        return None
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise Http404 from exc


def _out(r: selectors.CoverageRow) -> dict:
    return {k: getattr(r, k) for k in RowOut.model_fields}


@router.get("/rows", response=list[RowOut], auth=django_auth)
def rows(request, q: Query[RowsIn]):
    actor = Actor.from_request(request, channel="api")
    try:
        found = selectors.coverage_rows(actor, measure=q.measure, level=q.level, parent=q.parent,
                                        month=_month(q.month))  # fmt: skip
    except selectors.CoverageNotFound as exc:
        raise Http404 from exc
    return [_out(r) for r in found]


@router.get("/total", response=RowOut, auth=django_auth)
def total(request, q: Query[RowsIn]):
    actor = Actor.from_request(request, channel="api")
    try:
        return _out(selectors.region_total(actor, measure=q.measure, code=q.parent or "", month=_month(q.month)))
    except selectors.CoverageNotFound as exc:
        raise Http404 from exc


@router.get("/trend", response=list[TrendOut], auth=django_auth)
def trend(request, q: Query[TrendIn]):
    actor = Actor.from_request(request, channel="api")
    try:
        points = selectors.trend(actor, measure=q.measure, region_code=q.region, since=_month(q.since))
    except selectors.CoverageNotFound as exc:
        raise Http404 from exc
    return [
        {
            "month": str(p.month),
            "registered": p.registered,
            "active": p.active,
            "target": p.target,
            "percent": p.percent,
            "live": p.live,
        }
        for p in points
    ]
