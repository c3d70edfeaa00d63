"""Bulk upload pages (htmx). Every decision is in `imports.services`, shared with the API and the CLI."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sijaga.accounts.actor import Actor
from sijaga.imports import kinds, services
from sijaga.imports.reader import FileRefused

XLSX = services.XLSX_TYPE


class UploadForm(forms.Form):
    target = forms.TypedChoiceField(coerce=int)
    file = forms.FileField(label=gettext_lazy("Berkas Excel (.xlsx/.xls) atau CSV"))
    dry_run = forms.BooleanField(label=gettext_lazy("Uji coba dulu (validasi saja, belum disimpan)"), required=False)
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("Semua atau tidak sama sekali (batalkan jika ada baris ditolak)"), required=False
    )

    def __init__(self, *args, kind, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        field.label = kind.target_label
        # no preselected payer: the uploader must pick one (a wrong default is a silent mistake)
        field.choices = [("", "—")] + [(t.pk, t.label) for t in targets]
        for name, label in kind.options.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)
        self.option_names = list(kind.options)

    def options(self) -> dict:
        return {name: self.cleaned_data.get(name, False) for name in self.option_names}

    def option_fields(self):
        return [self[name] for name in self.option_names]


def _upload_form(request: HttpRequest, kind, actor: Actor) -> tuple[UploadForm, dict]:
    targets = {t.pk: t for t in kind.targets(actor)}
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    # the old field name `payer` still works (bookmarked forms, scripts)
    if data is not None and "target" not in data and "payer" in data:
        data = data.copy()
        data["target"] = data["payer"]
    return UploadForm(data, files, kind=kind, targets=targets.values()), targets


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    kind = kinds.get(request.GET.get("jenis") or kinds.DEFAULT_KIND)
    form, targets = _upload_form(request, kind, actor)
    if request.method == "POST":
        if not actor.can_write:
            raise PermissionDenied
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                batch = services.create_batch(
                    actor,
                    kind=kind.slug,
                    target=targets[form.cleaned_data["target"]],
                    upload=upload_file,
                    file_name=upload_file.name,
                    dry_run=form.cleaned_data["dry_run"],
                    all_or_nothing=form.cleaned_data["all_or_nothing"],
                    options=form.options(),
                )
            except FileRefused as exc:
                form.add_error("file", exc.message)
            except PermissionDenied as exc:
                form.add_error("target", str(exc))
            else:
                services.enqueue(batch)
                return redirect("imports:detail", pk=batch.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "kind": kind, "batches": services.batches_for(actor)[:50], "can_write": actor.can_write},
    )


@login_required
def detail(request: HttpRequest, pk) -> HttpResponse:
    actor = Actor.from_request(request)
    batch, preview = services.view_batch(actor, pk, poll=bool(request.htmx))
    kind = kinds.get(batch.kind)
    template = "imports/_status.html" if request.htmx else "imports/detail.html"
    return render(
        request,
        template,
        {
            "batch": batch,
            "events": batch.events.select_related("by"),
            "preview": preview,
            "can_write": actor.can_write,
            "option_labels": list(kind.options.items()),
        },
    )


@login_required
@require_POST
def confirm(request: HttpRequest, pk) -> HttpResponse:
    """Import a batch that was validated as a dry run (the same stored file; the merge is idempotent)."""
    actor = Actor.from_request(request)
    batch = services.get_batch(actor, pk)
    kind = kinds.get(batch.kind)
    try:
        services.confirm(actor, batch, options={name: bool(request.POST.get(name)) for name in kind.options})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=batch.pk)


@login_required
@require_POST
def retry(request: HttpRequest, pk) -> HttpResponse:
    """Queue a stalled (or failed) batch again."""
    actor = Actor.from_request(request)
    batch = services.get_batch(actor, pk)
    try:
        services.retry(actor, batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=batch.pk)


@login_required
def report(request: HttpRequest, pk) -> HttpResponse:
    actor = Actor.from_request(request)
    batch = services.get_batch(actor, pk)
    try:
        path, name = services.open_report(actor, batch)
    except services.ReportPurged:
        return HttpResponse(_("Berkas laporan sudah dihapus setelah masa simpan berakhir."), status=410,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)


def template_download(request: HttpRequest, fmt: str) -> HttpResponse:
    kind = kinds.get(request.GET.get("jenis") or kinds.DEFAULT_KIND)
    csv = fmt == "csv"
    response = HttpResponse(
        kind.blank_workbook("csv" if csv else "xlsx"), content_type="text/csv; charset=utf-8" if csv else XLSX
    )
    response["Content-Disposition"] = f'attachment; filename="templat-{kind.slug}-sijaga.{"csv" if csv else "xlsx"}"'
    return response
