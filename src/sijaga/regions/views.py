from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sijaga.regions import services
from sijaga.regions.panels import region_panels


def _rows(regions) -> list[dict]:
    regions = list(regions)
    counts = services.descendant_counts([r.code for r in regions]) if regions else {}
    return [{"region": r, "counts": counts.get(r.code, {})} for r in regions]


def region_index(request: HttpRequest) -> HttpResponse:
    provinces = services.children(None)
    return render(
        request,
        "regions/index.html",
        {"rows": _rows(provinces), "stats": services.region_stats(), "iso": services.iso3166_codes()},
    )


def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = services.get_region(code)
    if region is None:
        raise Http404
    page = Paginator(services.children(region.code), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "path": services.ancestors(region)[:-1],
            "rows": _rows(page.object_list) if region.level < 3 else [{"region": r, "counts": {}} for r in page],
            "page": page,
            "counts": services.descendant_counts([region.code])[region.code],
            "iso": services.iso3166_codes().get(region.code),
            "panels": region_panels(request, region),
        },
    )


def region_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    within = request.GET.get("dalam") or None
    results = list(services.search(q, within=within, limit=100)) if len(q.strip()) >= 2 else []
    template = "regions/_results.html" if request.htmx else "regions/search.html"
    return render(request, template, {"q": q, "results": results, "within": within})
