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
    target = forms.IntegerField(error_messages={"required": gettext_lazy("Pilih salah satu dari daftar."),
                                                "invalid": gettext_lazy("Pilih salah satu dari daftar.")})  # fmt: skip
    file = forms.FileField(label=gettext_lazy("Berkas Excel (.xlsx/.xls) atau CSV"))
    dry_run = forms.BooleanField(label=gettext_lazy("Uji coba dulu (validasi saja, belum disimpan)"), required=False)
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("Semua atau tidak sama sekali (batalkan jika ada baris ditolak)"), required=False
    )

    def __init__(self, *args, kind, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.actor, self.chosen = kind, actor, None
        self.fields["target"].label = kind.target_label
        for name, label in kind.options.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)
        self.option_names = list(kind.options)

    def clean_target(self):
        # no preselected payer: the uploader must pick one (a wrong default is a silent mistake)
        self.chosen = self.kind.target(self.actor, pk=self.cleaned_data["target"])
        if self.chosen is None:
            raise forms.ValidationError(_("Pilih salah satu dari daftar."))
        return self.chosen.pk

    def picker(self) -> dict:
        """The target picker (a payer for enrolment): the words typed, the chosen one first, at most 20 matches."""
        source = self.data if self.is_bound else self.initial
        query, selected = str(source.get("target_q") or ""), str(source.get("target") or "")
        errors = self["target"].errors if self.is_bound else ""
        return target_picker(self.kind, self.actor, query, selected, label=self.fields["target"].label, errors=errors)

    def options(self) -> dict:
        return {name: self.cleaned_data.get(name, False) for name in self.option_names}

    def option_fields(self):
        return [self[name] for name in self.option_names]


def target_picker(kind, actor: Actor, query: str, selected: str, *, label="", errors="") -> dict:
    from django.urls import reverse

    found, hint = kind.targets(actor, query)
    options = [(str(t.pk), t.label, "") for t in found]
    if selected.isdigit() and all(o[0] != selected for o in options):
        chosen = kind.target(actor, pk=int(selected))
        options = ([(str(chosen.pk), chosen.label, "")] if chosen else []) + options
    return {"name": "target", "label": label, "url": reverse("imports:target_options") + f"?jenis={kind.slug}",
            "query": query, "selected": selected, "options": options, "hint": hint, "errors": errors}  # fmt: skip


def _upload_form(request: HttpRequest, kind, actor: Actor) -> tuple[UploadForm, bool]:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    # the old field name `payer` still works (bookmarked forms, scripts)
    if data is not None and "target" not in data and "payer" in data:
        data = data.copy()
        data["target"] = data["payer"]
    if data is not None and "_search_target" in data:  # the picker's "Cari" without JavaScript: search only
        return UploadForm(None, initial=data.dict(), kind=kind, actor=actor), True
    return UploadForm(data, files, kind=kind, actor=actor), False


@login_required
def target_options(request: HttpRequest) -> HttpResponse:
    """The upload form's target picker (htmx): at most 20 of what the actor may upload for, matching the words."""
    actor = Actor.from_request(request)
    kind = kinds.get(request.GET.get("jenis") or kinds.DEFAULT_KIND)
    picker = target_picker(kind, actor, request.GET.get("target_q", ""), request.GET.get("target", ""))
    return render(request, "picker/_options.html", {"picker": picker})


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    kind = kinds.get(request.GET.get("jenis") or kinds.DEFAULT_KIND)
    form, searching = _upload_form(request, kind, actor)
    if request.method == "POST" and not searching:
        if not actor.can_write:
            raise PermissionDenied
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                batch = services.create_batch(
                    actor,
                    kind=kind.slug,
                    target=form.chosen,
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
