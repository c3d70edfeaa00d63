from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.accounts.middleware import actor_of
from sijaga.accounts.services import audit
from sijaga.core.db_router import replica_reads
from sijaga.core.listing import BadWindow, KeysetWindow, keyset_window
from sijaga.core.xlsx import XLSX_TYPE, write_table
from sijaga.regions import services as regions
from sijaga.registry import presenters, selectors, services
from sijaga.registry.filters import WorkerFilters
from sijaga.registry.models import TargetCategory
from sijaga.registry.panels import worker_panels
from sijaga.registry.rules import check_nik

PAGE_SIZE = 50
#: Pages 1–MAX_PAGE_NUMBER are numbered (OFFSET, cheap on the name index); beyond, the list pages by key.
MAX_PAGE_NUMBER = 20
STATUS_CHOICES = [
    ("registered", gettext_lazy("Terdaftar")),
    ("active", gettext_lazy("Aktif")),
    ("inactive", gettext_lazy("Nonaktif (menunggak)")),
    ("ended", gettext_lazy("Berakhir")),
]


def _page_request(request: HttpRequest) -> KeysetWindow:
    """`?page=n` (1–MAX_PAGE_NUMBER) or `?cursor=…`; anything else is a BadWindow (400 with a message)."""
    cursor = request.GET.get("cursor", "")
    if cursor:
        return KeysetWindow(limit=PAGE_SIZE, cursor=cursor[:600])
    raw = request.GET.get("page", "1") or "1"
    if not raw.isdigit() or not 1 <= int(raw[:6]) <= MAX_PAGE_NUMBER:
        raise BadWindow(
            _("Halaman %(max)s ke atas dibuka dengan tombol Berikutnya, bukan dengan nomor halaman.")
            % {"max": MAX_PAGE_NUMBER + 1}
        )
    return KeysetWindow(limit=PAGE_SIZE, offset=(int(raw) - 1) * PAGE_SIZE)


@login_required
def worker_list(request: HttpRequest) -> HttpResponse:
    """First pages by number, later ones by key ("Berikutnya"/"Sebelumnya" carry a signed cursor); the count is
    exact up to 10,000 and "more than 10,000" (the planner's estimate) above: no COUNT over millions of rows."""
    actor = actor_of(request)
    filters = WorkerFilters.from_params(request.GET)
    qs = presenters.annotate(selectors.search_workers(actor, filters), actor)
    try:
        page = keyset_window(
            qs,
            _page_request(request),
            selectors.worker_keyset(filters),
            count_qs=selectors.count_queryset(actor, filters),
            rows_qs=presenters.annotate(selectors.visible_workers(actor), actor),
            count_cap=selectors.count_cap(filters),
            count_with_keys=bool(filters.q),
        )
    except BadWindow as exc:
        return render(request, "400.html", {"message": str(exc)}, status=400)
    cols = presenters.columns(actor)
    rows = [(w.pk, presenters.row(w, actor, cols)) for w in page.items]
    audit(actor, "search", "worker", count=len(rows), query=str(filters.as_dict()))
    number = page.offset // PAGE_SIZE + 1 if page.offset is not None else None
    if number is not None and number < MAX_PAGE_NUMBER:
        next_link = {"page": number + 1} if page.next_cursor else None
    else:
        next_link = {"cursor": page.next_cursor} if page.next_cursor else None
    if number is not None:
        previous_link = {"page": number - 1} if number > 1 else None
    else:
        previous_link = {"cursor": page.previous_cursor} if page.previous_cursor else {"page": 1}
    context = {
        "page": page,
        "page_number": number,
        "next_link": next_link,
        "previous_link": previous_link,
        "count_cap": f"{selectors.count_cap(filters):,}".replace(",", "."),
        "rows": rows,
        "columns": [c for c in cols if c.key not in ("domicile_code", "gender", "regency", "occupation")],
        "filters": filters.as_dict(),
        "categories": TargetCategory.choices,
        "statuses": STATUS_CHOICES,
        "can_write": actor.can_write,
        "region_hint": filters.region_hint(actor),
    }
    template = "registry/_worker_table.html" if request.htmx else "registry/worker_list.html"
    return render(request, template, context)


@login_required
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    worker = selectors.get_worker(actor, pk)
    fields = presenters.worker_fields(worker, actor)
    history = [(c, presenters.present_changes(c, actor)) for c in selectors.worker_history(actor, worker)[:50]]
    return render(
        request,
        "registry/worker_detail.html",
        {
            "worker": worker,
            "fields": fields,
            "path": regions.ancestors(worker.domicile),
            "actor": actor,
            "can_edit": actor.can_write and selectors.editable_workers(actor).filter(pk=worker.pk).exists(),
            "panels": worker_panels(request, actor, worker),
            "history": history,
            "today": timezone.localdate(),
        },
    )


class WorkerEditForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Nama lengkap"), max_length=150)
    domicile = forms.CharField(label=gettext_lazy("Domisili (kode desa/kelurahan)"), max_length=13)
    phone = forms.CharField(label=gettext_lazy("Nomor HP"), max_length=20, required=False)
    category = forms.ChoiceField(label=gettext_lazy("Kategori sasaran"), choices=TargetCategory.choices)
    occupation = forms.CharField(label=gettext_lazy("Pekerjaan"), max_length=100, required=False)
    reason = forms.CharField(label=gettext_lazy("Alasan perubahan"), max_length=300)


@login_required
def worker_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    worker = selectors.get_worker(actor, pk, audit_read=False)
    if not actor.can_write:
        raise PermissionDenied
    initial = {"full_name": worker.full_name, "domicile": worker.domicile_id, "phone": worker.phone,
               "category": worker.category, "occupation": worker.occupation}  # fmt: skip
    form = WorkerEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            services.update_worker(actor, worker, data, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("Di luar wilayah tugas Anda."))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = {"domicile_id": "domicile"}.get(field, field)
                form.add_error(target if target in form.fields else None, errors)
        else:
            messages.success(request, _("Data tenaga kerja diperbarui."))
            return redirect("registry:detail", pk=worker.pk)
    return render(request, "registry/worker_edit.html", {"form": form, "worker": worker})


@login_required
@replica_reads
def worker_export(request: HttpRequest) -> FileResponse:
    """The filtered list as XLSX: the list's columns and masking, streamed from a temporary file, audited.

    Read from the streaming replica when one is configured and current (`core.db_router`)."""
    actor = actor_of(request)
    filters = WorkerFilters.from_params(request.GET)
    cols = presenters.columns(actor)
    qs = presenters.annotate(selectors.search_workers(actor, filters), actor)
    rows = ([c.present(actor, w) for c in cols] for w in qs.iterator(chunk_size=2000))
    out, n = write_table([str(c.header) for c in cols], [c.width for c in cols], [c.kind for c in cols], rows,
                         sheet=_("Tenaga kerja"))  # fmt: skip
    audit(actor, "export", "worker", count=n, query=str(filters.as_dict()))
    return FileResponse(
        out, as_attachment=True, filename=f"tenaga-kerja-{timezone.localdate():%Y%m%d}.xlsx", content_type=XLSX_TYPE
    )


@login_required
def nik_check(request: HttpRequest) -> HttpResponse:
    """Live NIK check for the enrolment form (htmx): verdict, duplicates, and pre-filled birth date/gender.

    Only roles that enrol may ask; whether a NIK is registered elsewhere is answered only for a complete valid NIK,
    and every such look-up is logged (security review F9)."""
    actor = actor_of(request)
    if not actor.can_write:
        raise PermissionDenied
    raw = request.GET.get("nik", "")
    result = check_nik(raw) if raw.strip() else None
    existing, visible = (None, False)
    if result is not None and result.valid:
        existing, visible = selectors.find_by_nik(actor, result.nik)
        audit(actor, "search", "nik_check", existing.pk if existing and visible else "",
              count=int(existing is not None), query=result.nik[:6] + "…")  # fmt: skip
    region = regions.get_region(result.district_code) if result and result.district_code else None
    return render(
        request,
        "registry/_nik_check.html",
        {"result": result, "existing": existing if visible else None, "registered_elsewhere": bool(existing)
         and not visible, "visible": visible, "nik_region": region},
    )  # fmt: skip


@login_required
def domicile_options(request: HttpRequest) -> HttpResponse:
    """Village options for the domicile picker: region search limited to villages in the actor's scope."""
    actor = actor_of(request)
    q = WorkerFilters.from_params({"q": request.GET.get("domicile_q", "")}).q
    results = regions.search_in_scope(q, actor.scope, level=4, limit=100) if len(q) >= 2 else []
    return render(request, "registry/_domicile_options.html", {"results": results, "q": q})
