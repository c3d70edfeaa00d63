"""REST endpoints for payers and memberships: /api/payers/, /api/memberships/, /api/verify/."""

import datetime as dt

from django.http import Http404, HttpResponse
from ninja import Header, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from sijaga.enrollment import services
from sijaga.registry import services as registry
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


class EventOut(Schema):
    at: dt.datetime
    from_status: str
    to_status: str
    reason: str
    end_reason: str
    by: str | None

    @staticmethod
    def resolve_by(obj) -> str | None:
        return obj.by.username if obj.by else None


class MembershipOut(Schema):
    id: int
    number: str | None
    worker_id: int
    payer_id: int
    segment: str
    programmes: list[str]
    wage: int
    start_date: dt.date
    end_date: dt.date | None
    status: str
    end_reason: str
    verification_url: str
    events: list[EventOut]

    @staticmethod
    def resolve_verification_url(obj) -> str:
        return services.verification_url(obj)

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())


class EnrolIn(Schema):
    worker_id: int | None = None
    worker: WorkerIn | None = None  # the same schema as POST /api/workers/
    payer_id: int
    segment: str
    programmes: list[str]
    wage: int
    start_date: dt.date


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
@paginate(LimitOffsetPagination)
def list_payers(request):
    return services.payers_for(request.user)


@payers_router.post("/", response={201: PayerOut})
def create_payer(request, payload: PayerIn):
    data = payload.dict()
    data["region_id"] = data.pop("region_code")
    return Status(201, services.create_payer(request.user, data))


@payers_router.get("/{payer_id}", response=PayerOut)
def get_payer(request, payer_id: int):
    payer = services.payers_for(request.user).filter(pk=payer_id).first()
    if payer is None:
        raise Http404
    return payer


@router.get("/", response=list[MembershipOut])
@paginate(LimitOffsetPagination)
def list_memberships(request, status: str = "", payer_id: int | None = None):
    qs = services.memberships_for(request.user).prefetch_related("events__by")
    if status:
        qs = qs.filter(status=status)
    if payer_id:
        qs = qs.filter(payer_id=payer_id)
    return qs


@router.post("/", response={201: MembershipOut, 200: MembershipOut})
def enrol(request, payload: EnrolIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Enrol an existing worker (`worker_id`) or a new one (`worker`). Send `Idempotency-Key` to make retries safe."""
    worker = None
    worker_data = None
    if payload.worker_id is not None:
        try:
            worker = registry.get_worker(request.user, payload.worker_id, audit=False)
        except registry.WorkerNotFound as exc:
            raise Http404 from exc
    elif payload.worker is not None:
        worker_data = payload.worker.dict()
        worker_data["domicile_id"] = worker_data.pop("domicile_code")
    result = services.enrol(
        request.user,
        worker=worker,
        worker_data=worker_data,
        payer_id=payload.payer_id,
        segment=payload.segment,
        programmes=payload.programmes,
        wage=payload.wage,
        start_date=payload.start_date,
        submission_key=f"api:{request.user.pk}:{idempotency_key}" if idempotency_key else None,
        channel="api",
    )
    return Status(201 if result.created else 200, result.membership)


def _membership(request, membership_id: int):
    try:
        return services.get_membership(request.user, membership_id)
    except services.MembershipNotFound as exc:
        raise Http404 from exc


@router.get("/{membership_id}", response=MembershipOut)
def get_membership(request, membership_id: int):
    return _membership(request, membership_id)


@router.post("/{membership_id}/status", response=MembershipOut)
def change_status(request, membership_id: int, payload: StatusIn):
    m = _membership(request, membership_id)
    return services.change_status(
        request.user,
        m,
        payload.to_status,
        reason=payload.reason,
        end_reason=payload.end_reason,
        end_date=payload.end_date,
        channel="api",
    )


@router.get("/{membership_id}/card.pdf")
def card(request, membership_id: int):
    m = _membership(request, membership_id)
    response = HttpResponse(services.card_pdf(request.user, m, channel="api"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kartu-{m.number}.pdf"'
    return response


@public_router.get("/{token}", response=VerifyOut, auth=None)
def verify(request, token: str):
    data = services.public_verification(token)
    if data is None:
        raise Http404
    return data
