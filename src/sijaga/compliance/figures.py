"""Every figure compliance reads from another app, in one place.

Enrolment and arrears come from `enrollment` (on main). Coverage (issue 15), budget (issue 14) and benefits (issue 17)
are read through the selector functions those apps promised; while an app does not offer them yet, the reader returns
`None` and the item is shown as "belum dapat diukur" (not measurable yet) — never a made-up figure. Each reader is a
thin adapter: the fallback is the `except (ImportError, AttributeError)` branch, nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr

from sijaga.accounts.actor import Actor
from sijaga.core.periods import Month

#: Membership statuses that count as enrolled (open); "inactive" is in arrears (menunggak).
OPEN = ("registered", "active", "inactive")


def _optional(module: str, name: str):
    """The other app's function, or None while it is not delivered (the one place a figure may be missing)."""
    try:
        mod = __import__(module, fromlist=[name])
        return getattr(mod, name)
    except (ImportError, AttributeError):
        return None


# --- enrolment and arrears (enrollment, on main) -------------------------------------------------------------------


def enrolment_by_region(actor: Actor, *, level: int, as_of: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Per region of `level` (1 province, 2 regency/city) of the payer: open memberships of non-ASN staff, of
    vulnerable workers, of every category, and those in arrears (status inactive). Set-based: one grouped query.
    With `as_of`, memberships started on or before that day and not ended before it (the status is today's)."""
    from sijaga.enrollment.selectors import memberships_for

    length = 2 if level == 1 else 5
    qs = memberships_for(actor).filter(status__in=OPEN)
    if as_of is not None:
        qs = qs.filter(Q(start_date__lte=as_of) & (Q(end_date__isnull=True) | Q(end_date__gt=as_of)))
    rows = (
        qs.order_by()
        .annotate(code=Substr("payer__region__code", 1, length))
        .values("code")
        .annotate(
            total=Count("id"),
            non_asn=Count("id", filter=Q(worker__category="non_asn")),
            vulnerable=Count("id", filter=Q(worker__category="pekerja_rentan")),
            arrears=Count("id", filter=Q(status="inactive")),
        )
    )
    return {r["code"]: {k: r[k] for k in ("total", "non_asn", "vulnerable", "arrears")} for r in rows}


def target_groups(actor: Actor, *, prefix: str | None = None, as_of: dt.date | None = None) -> dict[str, int]:
    """Open memberships per target category (worker category), optionally under one region prefix."""
    from sijaga.enrollment.selectors import memberships_for

    qs = memberships_for(actor).filter(status__in=OPEN)
    if prefix:
        qs = qs.filter(Q(payer__region__code=prefix) | Q(payer__region__code__startswith=prefix + "."))
    if as_of is not None:
        qs = qs.filter(Q(start_date__lte=as_of) & (Q(end_date__isnull=True) | Q(end_date__gt=as_of)))
    return dict(qs.order_by().values_list("worker__category").annotate(n=Count("id")))


# --- budget (issue 14) ---------------------------------------------------------------------------------------------


def allocations(actor: Actor, year: int) -> dict[str, int] | None:
    """Per province and regency/city the actor sees: the Pemda's OWN adopted APBD allocation for the year (0 when it
    has none — Kemendagri's "belum menganggarkan"), or None while budget does not offer it."""
    fn = _optional("sijaga.budget.selectors", "budget_status")
    if fn is None:
        return None
    return {row.code: (int(row.own_allocated or 0) if row.has_allocation else 0) for row in fn(actor, year)}


def budget_rows(actor: Actor, year: int, *, parent: str | None = None) -> list[dict[str, Any]] | None:
    """Need, allocated and realised per region (budget_status), or None while budget does not offer it."""
    fn = _optional("sijaga.budget.selectors", "budget_status")
    if fn is None:
        return None
    keys = ("code", "name", "need", "allocated", "realised", "has_allocation", "below_need", "low_realisation")
    return [{k: getattr(row, k, None) for k in keys} for row in fn(actor, year, parent=parent)]


def budget_lists_url() -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("budget:lists")
    except NoReverseMatch:
        return None


# --- coverage (issue 15) -------------------------------------------------------------------------------------------

#: Coverage is counted where the payer sits (the region that funds the contributions is the one the Inpres binds).
MEASURE = "payer"
COVERAGE_KEYS = ("code", "name", "level", "registered", "active", "arrears", "new", "target", "percent", "over_100")


def _row(row) -> dict[str, Any]:
    return {k: getattr(row, k, None) for k in COVERAGE_KEYS}


def coverage_rows(actor: Actor, *, level: int, parent: str | None = None, month: Month | None = None):
    fn = _optional("sijaga.coverage.selectors", "coverage_rows")
    if fn is None:
        return None
    return [_row(r) for r in fn(actor, measure=MEASURE, level=level, parent=parent, month=month)]


def national_coverage(actor: Actor, *, month: Month | None = None) -> dict[str, Any] | None:
    fn = _optional("sijaga.coverage.selectors", "national_total")
    return None if fn is None else _row(fn(actor, measure=MEASURE, month=month))


def coverage_trend(actor: Actor, *, region_code: str | None, since: Month) -> list[dict[str, Any]] | None:
    fn = _optional("sijaga.coverage.selectors", "trend")
    if fn is None:
        return None
    points = fn(actor, measure=MEASURE, region_code=region_code, since=since)
    keys = ("registered", "active", "target", "percent")
    return [{"month": str(p.month), **{k: getattr(p, k, None) for k in keys}} for p in points]


def choropleth_svg(rows: list[dict[str, Any]], *, level: int, parent: str | None) -> str | None:
    fn = _optional("sijaga.coverage.maps", "choropleth_svg")
    if fn is None:
        return None
    from types import SimpleNamespace

    return fn([SimpleNamespace(**r) for r in rows], level=level, parent=parent)


# --- benefits (issue 17) -------------------------------------------------------------------------------------------


def benefits_paid(
    actor: Actor, *, start: dt.date, end: dt.date, level: int = 1, parent: str | None = None
) -> dict[str, tuple[int, int]] | None:
    """(cases paid, Rupiah paid) in the period per region of `level` (benefits reports per regency of the payer;
    provinces are their sums), under `parent` when given; None while benefits does not offer it."""
    fn = _optional("sijaga.benefits.selectors", "benefits_paid")
    if fn is None:
        return None
    out: dict[str, tuple[int, int]] = {}
    for code, (cases, paid) in fn(actor, start=start, end=end).items():
        code = str(code or "")
        if parent and not code.startswith(parent + "."):
            continue
        key = code[:2] if level == 1 else code[:5]
        before = out.get(key, (0, 0))
        out[key] = (before[0] + int(cases), before[1] + int(paid or 0))
    return out
