from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sijaga.accounts.services import client_ip, log_access, scope_for
from sijaga.enrollment import selectors as enrollment
from sijaga.imports import services
from sijaga.imports.models import BatchStatus
from sijaga.imports.reader import FileRefused
from sijaga.imports.template import template_csv, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    payer = forms.TypedChoiceField(label=gettext_lazy("Pembayar iuran"), coerce=int)
    file = forms.FileField(label=gettext_lazy("Berkas Excel (.xlsx/.xls) atau CSV"))
    dry_run = forms.BooleanField(label=gettext_lazy("Uji coba dulu (validasi saja, belum disimpan)"), required=False)
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("Semua atau tidak sama sekali (batalkan jika ada baris ditolak)"), required=False
    )

    def __init__(self, *args, payers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].choices = [(p.pk, f"{p.name} ({p.code})") for p in payers]


def _batch(request: HttpRequest, pk):
    batch = services.batches_for(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    payers = enrollment.usable_payers(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, payers=payers)
    if request.method == "POST":
        if not scope.can_write:
            raise PermissionDenied
        if form.is_valid():
            payer = payers.get(pk=form.cleaned_data["payer"])
            upload_file = form.cleaned_data["file"]
            try:
                batch = services.create_batch(
                    request.user,
                    payer=payer,
                    upload=upload_file,
                    file_name=upload_file.name,
                    dry_run=form.cleaned_data["dry_run"],
                    all_or_nothing=form.cleaned_data["all_or_nothing"],
                )
            except FileRefused as exc:
                form.add_error("file", exc.message)
            else:
                services.enqueue(batch)
                return redirect("imports:detail", pk=batch.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "batches": services.batches_for(request.user)[:50], "can_write": scope.can_write},
    )


@login_required
def detail(request: HttpRequest, pk) -> HttpResponse:
    batch = _batch(request, pk)
    template = "imports/_status.html" if request.htmx else "imports/detail.html"
    preview = services.rejection_preview(batch) if batch.is_finished else []
    return render(request, template, {"batch": batch, "events": batch.events.all(), "preview": preview})


@login_required
@require_POST
def confirm(request: HttpRequest, pk) -> HttpResponse:
    """Import a batch that was validated as a dry run (the same stored file; the merge is idempotent)."""
    batch = _batch(request, pk)
    if not scope_for(request.user).can_write:
        raise PermissionDenied
    if batch.status != BatchStatus.VALIDATED or not batch.dry_run:
        messages.error(request, _("Unggahan ini tidak menunggu konfirmasi impor."))
        return redirect("imports:detail", pk=batch.pk)
    services.confirm(batch)
    return redirect("imports:detail", pk=batch.pk)


@login_required
def report(request: HttpRequest, pk) -> FileResponse:
    batch = _batch(request, pk)
    if not scope_for(request.user).can_write:  # only the roles that upload read the reports (F27)
        raise PermissionDenied  # the report repeats NIKs as uploaded; auditors see masked data only
    if not batch.report_path or not Path(batch.report_path).exists():
        raise Http404
    log_access(request.user, "export", "import_report", batch.pk, count=batch.rejected, ip=client_ip(request))
    return FileResponse(
        open(batch.report_path, "rb"),
        as_attachment=True,
        filename=f"laporan-{Path(batch.file_name).stem}.xlsx",
        content_type=XLSX,
    )


def template_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="templat-kepesertaan-sijaga.csv"'
    else:
        response = HttpResponse(template_xlsx(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="templat-kepesertaan-sijaga.xlsx"'
    return response
