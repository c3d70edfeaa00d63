"""REST endpoints for payers and memberships: /api/payers/, /api/memberships/, /api/verify/."""

import datetime as dt

from django.http import Http404, HttpResponse
from ninja import Header, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import audit
from sijaga.core.listing import DbId, Window, window
from sijaga.core.public_url import public_base_url
from sijaga.enrollment import selectors, services
from sijaga.enrollment.presenters import MEMBERSHIP_POLICY
from sijaga.registry import selectors as registry_selectors
from sijaga.registry.api import WorkerIn

router = Router(tags=["memberships"], auth=django_auth)
payers_router = Router(tags=["payers"], auth=django_auth)
public_router = Router(tags=["public"])


class PayerOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    funding_source: str
    npp: str
    is_active: bool

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region_id


class PayerIn(Schema):
    code: str
    name: str
    kind: str
    region_code: str
    funding_source: str
    npp: str = ""


def _actor(request) -> Actor:
    return Actor.from_request(request, channel="api")


class EventOut(Schema):
    at: dt.datetime
    kind: str
    changes: dict | None
    from_status: str
    to_status: str
    reason: str
    end_reason: str
    by: str | None


class MembershipOut(Schema):
    id: int
    number: str | None
    worker_id: int
    payer_id: int
    segment: str
    programmes: list[str]
    wage: int | None  # null for roles that may not see wages (auditors)
    start_date: dt.date
    end_date: dt.date | None
    status: str
    end_reason: str
    verification_url: str
    events: list[EventOut]


class MembershipPage(Schema):
    items: list[MembershipOut]
    count: int


def _membership_out(request, m) -> dict:
    """One serialiser for every membership response, masked by the caller's role (MEMBERSHIP_POLICY)."""
    actor = _actor(request)
    hide_wage = not MEMBERSHIP_POLICY.visible(actor, "wage")
    events = [
        {"at": e.at, "kind": e.kind, "from_status": e.from_status, "to_status": e.to_status, "reason": e.reason,
         "end_reason": e.end_reason, "by": e.by.username if e.by else None,
         "changes": {k: v for k, v in (e.changes or {}).items() if not (hide_wage and k == "wage")} or None}
        for e in m.events.all()
    ]  # fmt: skip
    return {
        "id": m.pk, "number": m.number, "worker_id": m.worker_id, "payer_id": m.payer_id, "segment": m.segment,
        "programmes": m.programmes, "wage": MEMBERSHIP_POLICY.present(actor, "wage", m.wage),
        "start_date": m.start_date, "end_date": m.end_date, "status": m.status, "end_reason": m.end_reason,
        "verification_url": services.verification_url(m, public_base_url(request)), "events": events,
    }  # fmt: skip


class TermsIn(Schema):
    segment: str | None = None
    programmes: list[str] | None = None
    wage: int | None = None
    reason: str


class EnrolIn(Schema):
    worker_id: int | None = None
    worker: WorkerIn | None = None  # the same schema as POST /api/workers/
    payer_id: int
    segment: str
    programmes: list[str]
    wage: int
    start_date: dt.date
    confirm_double_funding: bool = False


class StatusIn(Schema):
    to_status: str
    reason: str
    end_reason: str = ""
    end_date: dt.date | None = None


class VerifyOut(Schema):
    number: str | None
    name: str
    nik: str
    status: str
    status_label: str
    programmes: list[str]
    payer: str
    start_date: dt.date
    end_date: dt.date | None


@payers_router.get("/", response=list[PayerOut])
@paginate
def list_payers(request):
    return selectors.payers_for(_actor(request))


@payers_router.post("/", response={201: PayerOut})
def create_payer(request, payload: PayerIn):
    return Status(201, services.create_payer(_actor(request), payload.dict()))


class PayerPatch(Schema):
    name: str | None = None
    region_code: str | None = None
    funding_source: str | None = None
    npp: str | None = None
    is_active: bool | None = None


@payers_router.get("/{payer_id}", response=PayerOut)
def get_payer(request, payer_id: int):
    return selectors.get_payer(_actor(request), payer_id)


@payers_router.patch("/{payer_id}", response=PayerOut)
def update_payer(request, payer_id: int, payload: PayerPatch):
    actor = _actor(request)
    payer = selectors.get_payer(actor, payer_id)
    return services.update_payer(actor, payer, {k: v for k, v in payload.dict().items() if v is not None})


@router.get("/", response=MembershipPage)
def list_memberships(request, w: Query[Window], status: str = "", payer_id: DbId | None = None):
    actor = _actor(request)
    qs = selectors.memberships_for(actor).prefetch_related("events__by")
    if status:
        qs = qs.filter(status=status[:12])
    if payer_id:
        qs = qs.filter(payer_id=payer_id)
    items, count = window(qs, w)
    audit(actor, "search", "membership", count=len(items), query=f"status={status} payer={payer_id}")
    return {"items": [_membership_out(request, m) for m in items], "count": count}


@router.post("/", response={201: MembershipOut, 200: MembershipOut})
def enrol(request, payload: EnrolIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Enrol an existing worker (`worker_id`) or a new one (`worker`). Send `Idempotency-Key` to make retries safe."""
    actor = _actor(request)
    worker = None
    worker_data = None
    if payload.worker_id is not None:
        worker = registry_selectors.get_worker(actor, payload.worker_id, audit_read=False)
    elif payload.worker is not None:
        worker_data = payload.worker.dict()
    result = services.enrol(
        actor,
        worker=worker,
        worker_data=worker_data,
        payer_id=payload.payer_id,
        segment=payload.segment,
        programmes=payload.programmes,
        wage=payload.wage,
        start_date=payload.start_date,
        submission_key=f"api:{request.user.pk}:{idempotency_key[:40]}" if idempotency_key else None,
        confirm_double_funding=payload.confirm_double_funding,
    )
    return Status(201 if result.created else 200, _membership_out(request, result.membership))


@router.get("/{membership_id}", response=MembershipOut)
def get_membership(request, membership_id: int):
    actor = _actor(request)
    m = selectors.get_membership(actor, membership_id)
    audit(actor, "view", "membership", m.pk)
    return _membership_out(request, m)


@router.post("/{membership_id}/status", response=MembershipOut)
def change_status(request, membership_id: int, payload: StatusIn):
    actor = _actor(request)
    m = selectors.get_membership(actor, membership_id)
    m = services.change_status(
        actor, m, payload.to_status, reason=payload.reason, end_reason=payload.end_reason, end_date=payload.end_date
    )
    return _membership_out(request, m)


@router.patch("/{membership_id}/terms", response=MembershipOut)
def change_terms(request, membership_id: int, payload: TermsIn):
    """Change segment, programmes or wage; one history event records the before/after values."""
    actor = _actor(request)
    m = selectors.get_membership(actor, membership_id)
    data = {k: v for k, v in payload.dict().items() if v is not None and k != "reason"}
    return _membership_out(request, services.change_terms(actor, m, data, reason=payload.reason))


@router.get("/{membership_id}/card.pdf")
def card(request, membership_id: int):
    actor = _actor(request)
    m = selectors.get_membership(actor, membership_id)
    pdf = services.card_pdf(actor, m, base_url=public_base_url(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kartu-{m.number}.pdf"'
    return response


@public_router.get("/{token}", response=VerifyOut, auth=None)
def verify(request, token: str):
    data = services.public_verification(token)
    if data is None:
        raise Http404
    return data


# --- construction projects (Jakon): /api/projects/ --------------------------------------------------------------------

projects_router = Router(tags=["projects"], auth=django_auth)


class ProjectOut(Schema):
    id: int
    payer_id: int
    name: str
    contract_value: int
    work_order_date: dt.date
    start_date: dt.date
    end_date: dt.date
    priced_on: str
    registered_on: dt.date
    late: bool


class ProjectPage(Schema):
    items: list[ProjectOut]
    count: int | None


class ProjectIn(Schema):
    payer_id: DbId
    name: str
    contract_value: int
    work_order_date: dt.date
    start_date: dt.date
    end_date: dt.date
    priced_on: str = "contract"


class ProjectCreated(Schema):
    project: ProjectOut
    warnings: list[str]


class AttachIn(Schema):
    membership_id: DbId


@projects_router.get("/", response=ProjectPage)
def list_projects(request, w: Query[Window], payer_id: DbId | None = None):
    actor = _actor(request)
    qs = selectors.projects_for(actor)
    if payer_id:
        qs = qs.filter(payer_id=payer_id)
    items, count = window(qs, w)
    return {"items": items, "count": count}


@projects_router.post("/", response={201: ProjectCreated})
def create_project(request, payload: ProjectIn):
    result = services.register_project(_actor(request), payload.dict())
    return Status(201, {"project": result.project, "warnings": [str(w) for w in result.warnings]})


@projects_router.post("/{project_id}/memberships", response=MembershipOut)
def attach_membership(request, project_id: DbId, payload: AttachIn):
    actor = _actor(request)
    project = selectors.projects_for(actor).filter(pk=project_id).first()
    if project is None:
        raise Http404
    m = selectors.get_membership(actor, payload.membership_id)
    services.attach_to_project(actor, m, project)
    return _membership_out(request, selectors.get_membership(actor, m.pk))
