from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sijaga.accounts.services import client_ip, log_access, scope_for
from sijaga.enrollment import services as enrollment
from sijaga.enrollment.models import Status
from sijaga.regions import services as regions
from sijaga.registry import services
from sijaga.registry.models import Category

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in ("q", "region", "category", "status")}


@login_required
def worker_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = services.search_workers(request.user, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access(
        request.user,
        "search",
        "worker",
        count=len(page.object_list),
        query=str(filters),
        ip=client_ip(request),
    )
    scope = scope_for(request.user)
    context = {
        "page": page,
        "filters": filters,
        "categories": Category.choices,
        "statuses": Status.choices,
        "masked": scope.masks_nik,
        "querystring": request.GET.copy(),
        "can_write": scope.can_write,
    }
    template = "registry/_worker_table.html" if request.htmx else "registry/worker_list.html"
    return render(request, template, context)


@login_required
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        worker = services.get_worker(request.user, pk, ip=client_ip(request))
    except services.WorkerNotFound as exc:
        raise Http404 from exc
    scope = scope_for(request.user)
    memberships = list(enrollment.memberships_of(request.user, worker))
    for m in memberships:
        m.transitions = enrollment.allowed_transitions(m)
    return render(
        request,
        "registry/worker_detail.html",
        {
            "worker": worker,
            "memberships": memberships,
            "path": regions.ancestors(worker.domicile),
            "scope": scope,
            "masked": scope.masks_nik,
            "today": timezone.localdate(),
        },
    )


@login_required
def worker_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as XLSX: same scope as the list, and the export itself is audited."""
    import io

    import xlsxwriter

    filters = _filters(request)
    scope = scope_for(request.user)
    qs = services.search_workers(request.user, **filters)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Tenaga kerja")
    bold = book.add_format({"bold": True, "bg_color": "#E8F4EF"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    headers = ["NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "Kode Desa", "Desa/Kelurahan",
               "Kategori", "Pekerjaan", "No HP"]  # fmt: skip
    sheet.write_row(0, 0, headers, bold)
    n = 0
    for n, w in enumerate(qs.iterator(chunk_size=2000), start=1):
        nik = services.mask_nik(w.nik) if scope.masks_nik else w.nik
        sheet.write_string(n, 0, nik)
        sheet.write_string(n, 1, w.full_name)
        sheet.write_datetime(n, 2, timezone.datetime.combine(w.birth_date, timezone.datetime.min.time()), date)
        sheet.write_row(n, 3, [w.get_gender_display(), w.domicile_id, w.domicile.name, w.get_category_display(),
                               w.occupation, w.phone])  # fmt: skip
    sheet.autofilter(0, 0, max(n, 1), len(headers) - 1)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 19)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 8, 16)
    book.close()
    log_access(request.user, "export", "worker", count=n, query=str(filters), ip=client_ip(request))
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="tenaga-kerja-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
def nik_check(request: HttpRequest) -> HttpResponse:
    """Live NIK check for the enrolment form (htmx): verdict, duplicates, and pre-filled birth date/gender."""
    raw = request.GET.get("nik", "")
    result = services.check_nik(raw) if raw.strip() else None
    existing, visible = (None, False)
    if result is not None and result.valid:
        existing, visible = services.find_by_nik(request.user, result.nik)
    region = regions.get_region(result.district_code) if result and result.district_code else None
    return render(
        request,
        "registry/_nik_check.html",
        {"result": result, "existing": existing, "visible": visible, "nik_region": region},
    )


@login_required
def domicile_options(request: HttpRequest) -> HttpResponse:
    """Village options for the domicile picker: region search limited to villages in the user's scope."""
    scope = scope_for(request.user)
    q = request.GET.get("domicile_q", "").strip()
    results = []
    if len(q) >= 2:
        if scope.national:
            results = list(regions.search(q, level=4, limit=100))
        else:
            for prefix in scope.prefixes:
                results += [r for r in regions.search(q, level=4, within=prefix, limit=100) if scope.covers(r.code)]
    return render(request, "registry/_domicile_options.html", {"results": results, "q": q})
