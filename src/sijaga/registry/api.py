"""REST endpoints for workers: /api/workers/… (session-authenticated, region-scoped, masked per role, audited)."""

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import audit
from sijaga.core.listing import BadWindow, KeysetWindow, keyset_window
from sijaga.registry import presenters, selectors, services
from sijaga.registry.filters import WorkerFilters
from sijaga.registry.rules import check_nik

router = Router(tags=["workers"], auth=django_auth)


def _actor(request) -> Actor:
    return Actor.from_request(request, channel="api")


class WorkerOut(Schema):
    """Fields hidden from the caller's role are null (see docs/architecture.md, "Who sees what")."""

    id: int
    nik: str
    full_name: str
    birth_date: dt.date | None
    gender: str
    domicile_code: str
    phone: str | None
    occupation: str
    category: str


class WorkerPage(Schema):
    """`count` is exact when `count_exact`; above 10,000 matching workers it is the database's estimate.
    Page on with `cursor=next_cursor` (or `previous_cursor`): the same speed on every page."""

    items: list[WorkerOut]
    count: int
    count_exact: bool
    next_cursor: str | None
    previous_cursor: str | None


class WorkerIn(Schema):
    nik: str
    full_name: str
    birth_date: dt.date
    gender: str
    domicile_code: str
    phone: str = ""
    occupation: str = ""
    category: str


class WorkerPatch(Schema):
    full_name: str | None = None
    domicile_code: str | None = None
    phone: str | None = None
    occupation: str | None = None
    category: str | None = None
    reason: str = ""


class FilterIn(Schema):
    q: str = ""
    region: str = ""
    category: str = ""
    status: str = ""


class NikCheckOut(Schema):
    nik: str
    valid: bool
    errors: list[dict]
    warnings: list[dict]
    province_code: str | None
    regency_code: str | None
    district_code: str | None
    birth_date: str | None
    gender: str | None
    registered: bool


@router.get("/", response={200: WorkerPage, 400: dict})
def list_workers(request, filters: Query[FilterIn], w: Query[KeysetWindow]):
    actor = _actor(request)
    parsed = WorkerFilters.from_params(filters.dict())
    try:
        page = keyset_window(
            selectors.search_workers(actor, parsed),
            w,
            selectors.worker_keyset(parsed),
            count_qs=selectors.count_queryset(actor, parsed),
            rows_qs=selectors.visible_workers(actor),
            count_cap=selectors.count_cap(parsed),
            count_with_keys=bool(parsed.q),
        )
    except BadWindow as exc:
        raise HttpError(400, str(exc)) from exc
    audit(actor, "search", "worker", count=len(page.items), query=str(parsed.as_dict()))
    return {
        "items": [presenters.worker_fields(x, actor) for x in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
    }


@router.get("/nik-check", response=NikCheckOut)
def nik_check(request, nik: str):
    """Validate a NIK. `registered` (a worker with it exists, in any region) is answered only to roles that enrol,
    for a complete valid NIK, and the look-up is logged (security review F9)."""
    actor = _actor(request)
    result = check_nik(nik)
    registered = False
    if result.valid and actor.can_write:
        existing, visible = selectors.find_by_nik(actor, result.nik)
        registered = existing is not None
        audit(actor, "search", "nik_check", existing.pk if existing and visible else "", count=int(registered),
              query=result.nik[:6] + "…")  # fmt: skip
    return {**result.as_dict(), "registered": registered}


@router.post("/", response={201: WorkerOut})
def create_worker(request, payload: WorkerIn):
    actor = _actor(request)
    worker = services.create_worker(actor, payload.dict())
    return Status(201, presenters.worker_fields(worker, actor))


@router.get("/{worker_id}", response=WorkerOut)
def get_worker(request, worker_id: int):
    actor = _actor(request)
    return presenters.worker_fields(selectors.get_worker(actor, worker_id), actor)


@router.patch("/{worker_id}", response=WorkerOut)
def update_worker(request, worker_id: int, payload: WorkerPatch):
    actor = _actor(request)
    worker = selectors.get_worker(actor, worker_id, audit_read=False)
    data = {k: v for k, v in payload.dict().items() if v is not None and k != "reason"}
    worker = services.update_worker(actor, worker, data, reason=payload.reason)
    return presenters.worker_fields(worker, actor)
