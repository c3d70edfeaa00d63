from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from sijaga.accounts.middleware import actor_of
from sijaga.enrollment import selectors as enrollment
from sijaga.enrollment.models import MembershipStatus
from sijaga.regions import services as regions
from sijaga.registry.selectors import visible_workers


def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"stats": regions.region_stats()}
    if request.user.is_authenticated:
        actor = actor_of(request)
        counts = enrollment.status_counts(actor)
        context.update(
            scope=actor.scope,
            actor=actor,
            scope_regions=[regions.get_region(c) for c in actor.scope.prefixes],
            worker_count=visible_workers(actor).count(),
            status_rows=[(s, MembershipStatus(s).label, counts[s]) for s in MembershipStatus.values],
        )
    return render(request, "portal/home.html", context)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for operators and load balancers: the database answers and regions are loaded."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"database": connection.vendor, "regions_loaded": regions.regions_loaded()})


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Search engines stay away from personal data: the verification pages and the API."""
    return HttpResponse("User-agent: *\nDisallow: /v/\nDisallow: /api/\n", content_type="text/plain; charset=utf-8")


# --- error pages: Indonesian HTML (templates/400.html …), JSON under /api/ --------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, detail: str, template: str, context: dict | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, template, context or {}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    from sijaga.core.uploads import UploadTooLarge

    if isinstance(exception, UploadTooLarge):
        return _error(request, 413, str(exception), "413.html", {"message": str(exception)})
    return _error(request, 400, _("Permintaan tidak valid."), "400.html")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403, _("Anda tidak berwenang membuka halaman ini."), "403.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404, _("Halaman tidak ditemukan."), "404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without a request context: the error may come from the database, a context processor or the session."""
    if _is_api(request):
        return JsonResponse({"detail": _("Terjadi kesalahan pada server.")}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)
