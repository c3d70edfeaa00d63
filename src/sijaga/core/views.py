from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sijaga.regions import services as regions


def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"stats": regions.region_stats()}
    if request.user.is_authenticated:
        from sijaga.accounts.services import scope_for
        from sijaga.enrollment import services as enrollment
        from sijaga.enrollment.models import Status
        from sijaga.registry import services as registry

        scope = scope_for(request.user)
        counts = enrollment.status_counts(scope)
        context.update(
            scope=scope,
            scope_regions=[regions.get_region(c) for c in scope.prefixes],
            worker_count=registry.visible_workers(scope).count(),
            status_rows=[(s, Status(s).label, counts[s]) for s in Status.values],
        )
    return render(request, "core/home.html", context)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for operators and load balancers: the database answers and regions are loaded."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"database": connection.vendor, "regions_loaded": regions.regions_loaded()})
