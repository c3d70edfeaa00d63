from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

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
