"""Scoped reads of workers. Every read starts from `Worker.objects.visible_to(actor)`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.services import audit
from sijaga.core.exceptions import NotFound
from sijaga.core.listing import COUNT_CAP, Keyset
from sijaga.registry.filters import WorkerFilters
from sijaga.registry.models import OPEN_MEMBERSHIP_STATUSES, Worker, WorkerChange


class WorkerNotFound(NotFound):
    """A worker that does not exist *or* is outside the actor's scope (indistinguishable on purpose)."""


#: The worker list's order, served by the `(full_name, id)` index; its cursors are signed for this list only.
WORKER_KEYSET = Keyset(("full_name", "id"), salt="sijaga.registry.workers.cursor")
#: A search by NIK digits lists by NIK (the unique NIK index walks the prefix in order and stops after a page; by
#: name it had to read and sort a whole district: 37,037 workers at 20M). Its own salt: cursors do not cross lists.
WORKER_NIK_KEYSET = Keyset(("nik", "id"), salt="sijaga.registry.workers.nik-cursor", max_text=16)


#: A search (NIK digits or name words) is counted exactly up to here, the whole list up to `COUNT_CAP`: past a
#: thousand matches the answer is "narrow the search", and counting a district's 37,037 NIK matches to 10,000 read
#: 10,000 rows for a number nobody needs (bench/README.md).
SEARCH_COUNT_CAP = 1_000


def count_cap(filters: WorkerFilters) -> int:
    return SEARCH_COUNT_CAP if filters.q else COUNT_CAP


def worker_keyset(filters: WorkerFilters) -> Keyset:
    """The list's order for these filters: by NIK for a search by NIK digits, by name otherwise."""
    return WORKER_NIK_KEYSET if filters.by_nik else WORKER_KEYSET


def visible_workers(actor: Actor) -> QuerySet[Worker]:
    """Workers the actor may see: domicile in scope, or an open membership with a payer in scope."""
    return Worker.objects.visible_to(actor).select_related("domicile__parent__parent__parent")


def search_workers(actor: Actor, filters: WorkerFilters | None = None, **params: str) -> QuerySet[Worker]:
    actor = as_actor(actor)
    filters = filters or WorkerFilters.from_params(params)
    return filters.apply(visible_workers(actor), actor)  # ordered by the filters (a name search ranks)


def count_queryset(actor: Actor, filters: WorkerFilters | None = None) -> QuerySet:
    """What the list counts (capped, `core.listing.capped_count`): the same rows as `search_workers`.

    For a regional actor written as a UNION ALL of two disjoint halves (living in scope; funded from the scope and
    living elsewhere) so each half is an index scan and the count stops at the cap: 4 ms against 47–213 ms for
    the row-wise scope at 1M workers (bench/README.md)."""
    actor = as_actor(actor)
    filters = filters or WorkerFilters()
    scope = actor.scope
    if scope.national or not scope.prefixes:
        return filters.apply(Worker.objects.visible_to(actor), actor).values("pk")
    living, funded = Worker.scope_branches(scope)
    first = filters.apply(Worker.objects.filter(living), actor).order_by().values("pk")
    second = filters.apply(Worker.objects.filter(funded).exclude(living), actor).order_by().values("pk")
    return first.union(second, all=True)


def get_worker(actor: Actor, pk: int, *, audit_read: bool = True) -> Worker:
    actor = as_actor(actor)
    try:
        worker = visible_workers(actor).get(pk=pk)
    except (Worker.DoesNotExist, ValueError, TypeError) as exc:
        raise WorkerNotFound(pk) from exc
    if audit_read:
        audit(actor, "view", "worker", worker.pk)
    return worker


def editable_workers(actor: Actor) -> QuerySet[Worker]:
    """Workers whose identity data the actor may change: visible, and either living in the actor's scope or
    funded only by payers in it. An employer region may correct its employee's name; it may not rename a person
    whom another region also funds (security review F27)."""
    actor = as_actor(actor)
    qs = Worker.objects.visible_to(actor)
    if actor.scope.national:
        return qs
    foreign_funding = Worker.objects.filter(memberships__status__in=OPEN_MEMBERSHIP_STATUSES).exclude(
        actor.scope.q("memberships__payer__region__code")
    )
    return qs.filter(actor.scope.q("domicile__code") | ~Q(pk__in=foreign_funding.values("pk")))


#: NIK look-ups an actor may make per window (an operator types a few dozen an hour; enumeration needs thousands).
NIK_CHECKS_PER_WINDOW = 120
NIK_CHECK_WINDOW_SECONDS = 600


def find_by_nik(actor: Actor, nik: str) -> tuple[Worker | None, bool]:
    """(worker, visible): the worker holding this NIK if any, and whether the actor may open it.

    Throttled per actor: "is this NIK registered?" must not become an enumeration oracle (F9)."""
    from sijaga.accounts.throttle import throttle

    actor = as_actor(actor)
    if actor.user is not None:
        throttle(f"nik:{actor.user.pk}", limit=NIK_CHECKS_PER_WINDOW, window_seconds=NIK_CHECK_WINDOW_SECONDS)
    worker = Worker.objects.filter(nik=nik.strip()).first()
    if worker is None:
        return None, False
    return worker, Worker.objects.visible_to(actor).filter(pk=worker.pk).exists()


def worker_history(actor: Actor, worker: Worker) -> QuerySet[WorkerChange]:
    return WorkerChange.objects.filter(worker=worker).select_related("by")
