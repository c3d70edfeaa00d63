from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sijaga.accounts import selectors as accounts
from sijaga.accounts.middleware import actor_of
from sijaga.accounts.models import AccessLog
from sijaga.accounts.services import audit
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
        if actor.can_write:  # an operator's day starts with their uploads and the workers needing a look
            from sijaga.imports.services import batches_for

            attention = list(enrollment.needing_attention(actor)[:ATTENTION_ROWS])
            context.update(recent_uploads=list(batches_for(actor).order_by("-uploaded_at")[:5]), attention=attention,
                           stale_days=enrollment.STALE_REGISTRATION_DAYS)  # fmt: skip
            if attention:
                audit(actor, "search", "membership", count=len(attention), query="home:attention")
        if actor.scope.national or actor.role in COMPLIANCE_HOME_ROLES:  # follow-ups past their due date
            from sijaga.compliance.selectors import overdue_actions

            context["overdue"] = list(overdue_actions(actor)[:OVERDUE_ROWS])
        if actor.scope.reads_access_log:  # an auditor's starts with what their scope's users did
            context["recent_access"] = [
                (row, accounts.shown_query(actor, row.query)) for row in accounts.access_log(actor)[:10]
            ]
    return render(request, "portal/home.html", context)


ATTENTION_ROWS = 10
OVERDUE_ROWS = 10
#: Roles whose home lists their region's overdue follow-ups of monitoring meetings (the coordinator sees all).
COMPLIANCE_HOME_ROLES = frozenset({"coordinator", "province_admin", "regency_operator"})
ACCESS_PAGE = 50


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    """The access log of the actor's scope (who read, searched, exported or printed what), for auditors."""
    actor = actor_of(request)
    if not actor.scope.reads_access_log:
        raise PermissionDenied
    filters = accounts.AccessLogFilters.from_params(request.GET)
    page = Paginator(accounts.access_log(actor, filters), ACCESS_PAGE).get_page(request.GET.get("page"))
    rows = [(row, accounts.shown_query(actor, row.query)) for row in page.object_list]
    return render(
        request,
        "portal/access_log.html",
        {"page": page, "rows": rows, "filters": filters, "actions": AccessLog.Action.choices},
    )


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for operators and load balancers: the database answers and regions are loaded."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"database": connection.vendor, "regions_loaded": regions.regions_loaded()})
