"""REST endpoints for bulk uploads: /api/imports/… (multipart upload, status polling, report download)."""

import datetime as dt
import uuid
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from sijaga.enrollment import selectors as enrollment
from sijaga.imports import services
from sijaga.imports.models import BatchStatus
from sijaga.imports.reader import FileRefused
from sijaga.imports.template import template_xlsx

router = Router(tags=["imports"], auth=django_auth)


class BatchOut(Schema):
    id: uuid.UUID
    payer_id: int
    file_name: str
    file_sha256: str
    status: str
    phase: str
    progress: int
    dry_run: bool
    all_or_nothing: bool
    read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    notes: list[str]
    error: str
    uploaded_at: dt.datetime
    finished_at: dt.datetime | None
    report_url: str | None

    @staticmethod
    def resolve_report_url(obj) -> str | None:
        return f"/api/imports/{obj.pk}/report.xlsx" if obj.report_path else None


def _batch(request, batch_id: uuid.UUID):
    batch = services.batches_for(request.user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


@router.get("/", response=list[BatchOut])
@paginate
def list_batches(request):
    return services.batches_for(request.user)


@router.post("/", response={202: BatchOut})
def upload(
    request,
    file: File[UploadedFile],
    payer_code: Form[str],
    dry_run: Form[bool] = False,
    all_or_nothing: Form[bool] = False,
):
    """Upload an XLSX/CSV for one payer; processing runs in the background: poll `GET /api/imports/{id}`."""
    payer = enrollment.usable_payers(request.user).filter(code=payer_code).first()
    if payer is None:
        raise PermissionDenied("Pembayar iuran tidak ditemukan di wilayah tugas Anda.")
    try:
        batch = services.create_batch(
            request.user,
            payer=payer,
            upload=file,
            file_name=file.name or "unggahan",
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            channel="api",
        )
    except FileRefused as exc:
        raise ValidationError({"file": [exc.message]}) from exc
    services.enqueue(batch)
    return Status(202, batch)


@router.get("/template.xlsx")
def template(request):
    response = HttpResponse(template_xlsx(), content_type=services.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="templat-kepesertaan-sijaga.xlsx"'
    return response


@router.get("/{batch_id}", response=BatchOut)
def get_batch(request, batch_id: uuid.UUID):
    return _batch(request, batch_id)


@router.post("/{batch_id}/import", response={202: BatchOut})
def confirm(request, batch_id: uuid.UUID):
    """Import a batch that was uploaded as a dry run."""
    batch = _batch(request, batch_id)
    from sijaga.accounts.services import scope_for

    if not scope_for(request.user).can_write:
        raise PermissionDenied("Peran Anda tidak dapat mengimpor data.")
    if batch.status != BatchStatus.VALIDATED or not batch.dry_run:
        raise ValidationError({"status": ["Unggahan ini tidak menunggu konfirmasi impor."]})
    services.confirm(batch)
    return Status(202, batch)


@router.get("/{batch_id}/report.xlsx")
def report(request, batch_id: uuid.UUID):
    batch = _batch(request, batch_id)
    from sijaga.accounts.services import scope_for

    if not scope_for(request.user).can_write:  # only the roles that upload read the reports (F27)
        raise PermissionDenied("Laporan berisi NIK utuh; auditor hanya melihat data tersamar.")
    if not batch.report_path or not Path(batch.report_path).exists():
        raise Http404
    from sijaga.accounts.services import log_access

    log_access(request.user, "export", "import_report", batch.pk, count=batch.rejected, channel="api")
    return FileResponse(
        open(batch.report_path, "rb"),
        as_attachment=True,
        filename=f"laporan-{Path(batch.file_name).stem}.xlsx",
    )
