"""REST endpoints for bulk uploads: /api/imports/… (multipart upload, status polling, confirm, retry, report).

Every decision is in `imports.services`, shared with the web pages and the CLI."""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse, JsonResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.imports import kinds, services
from sijaga.imports.reader import FileRefused

router = Router(tags=["imports"], auth=django_auth)


class BatchOut(Schema):
    id: uuid.UUID
    kind: str
    region_code: str
    payer_id: int | None
    file_name: str
    file_sha256: str
    status: str
    stalled: bool
    phase: str
    progress: int
    dry_run: bool
    all_or_nothing: bool
    options: dict[str, bool]
    read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    notes: list[str]
    error: str
    uploaded_at: dt.datetime
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
    purged: bool
    report_url: str | None

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_stalled(obj) -> bool:
        return obj.is_stalled

    @staticmethod
    def resolve_purged(obj) -> bool:
        return obj.purged_at is not None

    @staticmethod
    def resolve_report_url(obj) -> str | None:
        return f"/api/imports/{obj.pk}/report.xlsx" if obj.report_path and obj.purged_at is None else None


def _actor(request) -> Actor:
    return Actor.from_request(request, channel="api")


@router.get("/", response=list[BatchOut])
@paginate
def list_batches(request):
    return services.batches_for(_actor(request))


@router.post("/", response={202: BatchOut})
def upload(
    request,
    file: File[UploadedFile],
    payer_code: Form[str],
    dry_run: Form[bool] = False,
    all_or_nothing: Form[bool] = False,
    confirm_double_funding: Form[bool] = False,
    kind: Form[str] = kinds.DEFAULT_KIND,
):
    """Upload an XLSX/CSV for one payer; processing runs in the background: poll `GET /api/imports/{id}`."""
    actor = _actor(request)
    try:
        import_kind = kinds.get(kind)
    except kinds.UnknownKind as exc:
        raise ValidationError({"kind": ["Jenis impor tidak dikenal."]}) from exc
    target = import_kind.target(actor, code=payer_code)
    if target is None:
        raise PermissionDenied("Pembayar iuran tidak ditemukan di wilayah tugas Anda.")
    try:
        batch = services.create_batch(
            actor,
            kind=import_kind.slug,
            target=target,
            upload=file,
            file_name=file.name or "unggahan",
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            options={"confirm_double_funding": confirm_double_funding},
        )
    except FileRefused as exc:
        raise ValidationError({"file": [exc.message]}) from exc
    services.enqueue(batch)
    return Status(202, batch)


@router.get("/template.xlsx")
def template(request, kind: str = kinds.DEFAULT_KIND):
    import_kind = kinds.get(kind)
    response = HttpResponse(import_kind.blank_workbook("xlsx"), content_type=services.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="templat-{import_kind.slug}-sijaga.xlsx"'
    return response


@router.get("/{batch_id}", response=BatchOut)
def get_batch(request, batch_id: uuid.UUID):
    return services.get_batch(_actor(request), batch_id)


@router.post("/{batch_id}/import", response={202: BatchOut})
def confirm(request, batch_id: uuid.UUID, confirm_double_funding: Form[bool] = False):
    """Import a batch that was uploaded as a dry run; it runs as (and is credited to) the confirming user.
    `confirm_double_funding` (form field) also imports the rows already funded by another government payer."""
    actor = _actor(request)
    batch = services.get_batch(actor, batch_id)
    options = {"confirm_double_funding": confirm_double_funding}
    return Status(202, services.confirm(actor, batch, options=options))


@router.post("/{batch_id}/retry", response={202: BatchOut})
def retry(request, batch_id: uuid.UUID):
    """Queue a stalled batch (no heartbeat for SIJAGA_IMPORT_STALL_MINUTES) or a failed one again."""
    actor = _actor(request)
    batch = services.get_batch(actor, batch_id)
    return Status(202, services.retry(actor, batch))


@router.get("/{batch_id}/report.xlsx")
def report(request, batch_id: uuid.UUID):
    actor = _actor(request)
    batch = services.get_batch(actor, batch_id)
    try:
        path, name = services.open_report(actor, batch)
    except services.ReportPurged:
        return JsonResponse({"detail": "Berkas laporan sudah dihapus setelah masa simpan berakhir."}, status=410)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=services.XLSX_TYPE)
