"""Reads of the rates (public regulation: no scope applies) and of bills and payments (scoped by payer region)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sijaga.contributions.models import Bill, BillLine, Payment, Rate, RateEvent, RateSchedule
from sijaga.contributions.rates import RateTable
from sijaga.core.exceptions import NotFound
from sijaga.core.periods import Month


class RateNotFound(NotFound):
    pass


def current_rates() -> QuerySet[Rate]:
    """The rows of every current schedule version: what the calculator uses."""
    return Rate.objects.filter(schedule__is_current=True).select_related("schedule")


def current_table() -> RateTable:
    """The current rates as a checked :class:`RateTable` whose row ids are the database ids (for bills)."""
    return RateTable(r.as_row() for r in current_rates().order_by("id"))


def rates_in_force(month: Month) -> QuerySet[Rate]:
    first = month.first_day
    return (
        current_rates()
        .filter(valid_from__lte=first)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("segment", "programme", "kind", "party", "risk_class", "lower", "key")
    )


def rates_by_id(ids) -> dict[int, Rate]:
    """Any version's rows (a bill may point at a superseded one)."""
    return {r.pk: r for r in Rate.objects.filter(pk__in=list(ids)).select_related("schedule")}


def get_current_rate(pk: int) -> Rate:
    try:
        return current_rates().get(pk=pk)
    except (Rate.DoesNotExist, ValueError, TypeError) as exc:
        raise RateNotFound(pk) from exc


def schedules() -> QuerySet[RateSchedule]:
    return RateSchedule.objects.select_related("created_by")


def history(limit: int = 50) -> QuerySet[RateEvent]:
    return RateEvent.objects.select_related("schedule", "by").order_by("-at", "-id")[:limit]


def bills_for(actor) -> QuerySet[Bill]:
    return Bill.objects.visible_to(actor).order_by("-month", "payer_id")


def lines_for(actor) -> QuerySet[BillLine]:
    return BillLine.objects.visible_to(actor)


def payments_for(actor) -> QuerySet[Payment]:
    return Payment.objects.visible_to(actor)
