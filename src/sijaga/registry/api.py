"""REST endpoints for workers: /api/workers/… (session-authenticated, region-scoped, audited)."""

import datetime as dt

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from sijaga.accounts.services import client_ip, log_access, scope_for
from sijaga.registry import services
from sijaga.registry.models import Worker

router = Router(tags=["workers"], auth=django_auth)


class WorkerOut(Schema):
    id: int
    nik: str
    full_name: str
    birth_date: dt.date | None
    gender: str
    domicile_code: str = Field(..., alias="domicile_id")
    phone: str
    occupation: str
    category: str


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


def _out(request, worker: Worker) -> dict:
    """Serialise with the caller's masking rules (auditors see masked NIKs and no birth date or phone)."""
    scope = scope_for(request.user)
    data = {
        "id": worker.pk,
        "nik": services.mask_nik(worker.nik) if scope.masks_nik else worker.nik,
        "full_name": worker.full_name,
        "birth_date": None if scope.masks_nik else worker.birth_date,
        "gender": worker.gender,
        "domicile_id": worker.domicile_id,
        "phone": "" if scope.masks_nik else worker.phone,
        "occupation": worker.occupation,
        "category": worker.category,
    }
    return data


@router.get("/", response=list[WorkerOut])
@paginate(LimitOffsetPagination)
def list_workers(request, q: str = "", region: str = "", category: str = "", status: str = ""):
    qs = services.search_workers(request.user, q=q, region=region, category=category, status=status)
    log_access(request.user, "search", "worker", query=f"q={q} region={region}", channel="api", ip=client_ip(request))
    return [_out(request, w) for w in qs]


@router.get("/nik-check", response=NikCheckOut)
def nik_check(request, nik: str):
    """Validate a NIK; `registered` says whether a worker with it exists (in any region)."""
    result = services.check_nik(nik)
    existing, _visible = services.find_by_nik(request.user, result.nik) if result.valid else (None, False)
    return {**result.as_dict(), "registered": existing is not None}


@router.post("/", response={201: WorkerOut})
def create_worker(request, payload: WorkerIn):
    data = payload.dict()
    data["domicile_id"] = data.pop("domicile_code")
    worker = services.create_worker(request.user, data, channel="api")
    return Status(201, _out(request, worker))


@router.get("/{worker_id}", response=WorkerOut)
def get_worker(request, worker_id: int):
    try:
        worker = services.get_worker(request.user, worker_id, channel="api", ip=client_ip(request))
    except services.WorkerNotFound as exc:
        raise Http404 from exc
    return _out(request, worker)


@router.patch("/{worker_id}", response=WorkerOut)
def update_worker(request, worker_id: int, payload: WorkerPatch):
    try:
        worker = services.get_worker(request.user, worker_id, audit=False)
    except services.WorkerNotFound as exc:
        raise Http404 from exc
    data = {k: v for k, v in payload.dict().items() if v is not None}
    if "domicile_code" in data:
        data["domicile_id"] = data.pop("domicile_code")
        if not scope_for(request.user).covers(data["domicile_id"]):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Domisili berada di luar wilayah tugas Anda.")
    worker = services.update_worker(request.user, worker, data, channel="api")
    return _out(request, worker)
