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


def region_bills(actor, region_code: str) -> QuerySet[Bill]:
    """The bills of the payers in a region (the region itself and every region below it), within the actor's
    scope."""
    return Bill.objects.visible_to(actor).filter(
        Q(payer__region__code=region_code) | Q(payer__region__code__startswith=region_code + ".")
    )


def region_money(actor, region_code: str, months: int = 12) -> dict:
    """Billed, paid and arrears (outstanding) in Rupiah of a region: the totals over every month, and the last
    `months` months one row each. Two aggregate queries, whatever the number of payers or bills."""
    from django.db.models import Count, F, Sum

    bills = region_bills(actor, region_code)
    sums = {
        "s_billed": Sum("total"),
        "s_paid": Sum("paid"),
        "s_arrears": Sum(F("total") - F("paid"), filter=Q(paid__lt=F("total"))),
        "s_payers": Count("payer_id", distinct=True),
        "s_bills": Count("id"),
    }
    keys = ("billed", "paid", "arrears", "payers", "bills")
    totals = bills.aggregate(**sums)
    rows = [
        {"month": Month.of(r["month"]), **{k: r[f"s_{k}"] or 0 for k in keys}}
        for r in bills.values("month").annotate(**sums).order_by("-month")[:months]
    ]
    return {"totals": {k: totals[f"s_{k}"] or 0 for k in keys}, "months": rows}
