"""Reads of the coverage app, for its pages and API and for the apps above it (compliance and its six-monthly report).

Every figure comes from the summary tables (`CoverageRollup`, `CoverageNew`, `CoverageSnapshot`, `TargetRollup`):
a call never reads memberships. The aggregates are not personal data: every signed-in role reads them nationally
(regions compare themselves with their neighbours); a caller without a user (the public transparency page) gets
cells under `SUPPRESS_BELOW` people suppressed (None).

`percent` is active members over the target, None when there is no target (never 0 % or a division by zero);
`over_100` flags a percentage above 100 — shown as it is, never clipped, as a data-quality problem.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.core.exceptions import NotFound
from sijaga.core.periods import Month
from sijaga.coverage.models import (
    CODE_LENGTHS,
    GROUP_CATEGORIES,
    CoverageNew,
    CoverageRollup,
    CoverageSnapshot,
    Measure,
    TargetCategory,
    TargetRollup,
    level_of,
)
from sijaga.coverage.refresh import month_number

MEASURES = tuple(Measure.values)
SUPPRESS_BELOW = 5
COUNT_FIELDS = ("registered", "active", "arrears", "jht", "jp", "jkp")
NATION_CODE = ""


class CoverageNotFound(NotFound, LookupError):
    """An unknown measure, level or region code: answered 404."""


@dataclass(frozen=True)
class CoverageRow:
    code: str  # '' for the nation
    name: str
    level: int  # 0 nation, 1 province, 2 regency/city, 3 district, 4 village
    registered: int | None  # open memberships (terdaftar, aktif, nonaktif)
    active: int | None
    arrears: int | None  # inactive: in arrears
    new: int | None  # memberships started in the month
    target: int | None
    percent: float | None  # active / target × 100; None without a target
    over_100: bool
    measure: str = "payer"
    is_direct: bool = False  # payer measure: payers seated at the parent itself (a province's own government)
    target_is_demo: bool = False
    suppressed: bool = False
    jht: int | None = None
    jp: int | None = None
    jkp: int | None = None
    is_current: bool = True  # False for a code that left the official list (its history stays)

    @property
    def has_target(self) -> bool:
        return self.target is not None

    @property
    def inactive_share(self) -> float | None:
        if not self.registered or self.arrears is None:
            return None
        return 100.0 * self.arrears / self.registered


@dataclass(frozen=True)
class TrendPoint:
    month: Month
    registered: int
    active: int | None  # None for months rebuilt from dates (status then unknown)
    target: int | None
    percent: float | None
    live: bool = False  # the current month, from the live rollup (not yet frozen)


def _check(measure: str, level: int, parent: str | None) -> str:
    if measure not in MEASURES:
        raise CoverageNotFound(measure)
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 4:
        raise CoverageNotFound(level)
    parent = (parent or "").strip()
    if parent and (level == 0 or level_of(parent) != level - 1 or len(parent) != CODE_LENGTHS.get(level - 1, -1)):
        raise CoverageNotFound(parent)
    return parent


def _month(month: Month | None) -> Month:
    return month if month is not None else Month.of(timezone.localdate())


def percent_of(active: int | None, target: int | None) -> float | None:
    if active is None or not target:  # no target, or a target of 0: no percentage
        return None
    return round(100.0 * active / target, 1)


def target_categories(measure: str, category: str | None) -> tuple[str, ...]:
    """Which target categories are the denominator: the workforce for the population (domicile) measure, the target
    groups for the payer measure; one category when filtered."""
    if category:
        return (category,) if category in TargetCategory.values else ()
    return (TargetCategory.WORKFORCE,) if measure == Measure.DOMICILE else GROUP_CATEGORIES


def targets_for(codes: list[str], *, year: int, categories: tuple[str, ...]) -> dict[str, tuple[int, bool]]:
    """code → (target, demo?) from the latest year ≤ `year` that has a figure for that code and category."""
    if not codes or not categories:
        return {}
    rows = (
        TargetRollup.objects.filter(code__in=codes, category__in=categories, year__lte=year)
        .order_by("code", "category", "-year")
        .values_list("code", "category", "count", "is_demo")
    )
    seen: set[tuple[str, str]] = set()
    out: dict[str, list] = {}
    for code, category, count, demo in rows:
        if (code, category) in seen:
            continue
        seen.add((code, category))
        slot = out.setdefault(code, [0, False])
        slot[0] += count
        slot[1] = slot[1] or demo
    return {k: (v[0], v[1]) for k, v in out.items()}


def _names(codes: list[str]) -> dict[str, tuple[str, bool]]:
    from sijaga.regions.models import Region

    real = [c for c in codes if c]
    found = {
        c: (n, cur) for c, n, cur in Region.objects.filter(code__in=real).values_list("code", "name", "is_current")
    }
    if NATION_CODE in codes:
        found[NATION_CODE] = ("Indonesia", True)
    return found


def _live_counts(measure: str, *, level: int, parent: str, codes: list[str] | None, category, segment):
    qs = CoverageRollup.objects.filter(measure=measure, level=level)
    if codes is not None:
        qs = qs.filter(code__in=codes)
    elif level >= 1 and (parent or level == 1):
        qs = qs.filter(parent=parent)
    if category:
        qs = qs.filter(category=category)
    if segment:
        qs = qs.filter(segment=segment)
    rows = qs.values("code").annotate(**{f: Sum(f) for f in COUNT_FIELDS})
    return {r["code"]: {f: int(r[f] or 0) for f in COUNT_FIELDS} for r in rows}


def _new_counts(measure: str, *, level: int, parent: str, codes: list[str] | None, month: Month):
    qs = CoverageNew.objects.filter(measure=measure, level=level, month=month_number(month))
    if codes is not None:
        qs = qs.filter(code__in=codes)
    elif level >= 1 and (parent or level == 1):
        qs = qs.filter(parent=parent)
    return dict(qs.values_list("code", "new"))


def _snapshot_counts(measure: str, *, level: int, parent: str, codes: list[str] | None, month: Month):
    qs = CoverageSnapshot.objects.filter(measure=measure, level=level, month=month_number(month))
    if codes is not None:
        qs = qs.filter(code__in=codes)
    elif level >= 1 and (parent or level == 1):
        qs = qs.filter(parent=parent)
    out = {}
    for code, registered, active, arrears, new in qs.values_list("code", "registered", "active", "arrears", "new"):
        out[code] = {"registered": registered, "active": active, "arrears": arrears, "new": new,
                     "jht": None, "jp": None, "jkp": None}  # fmt: skip
    return out


def _uses_snapshot(month: Month | None, category, segment) -> bool:
    return month is not None and month < Month.of(timezone.localdate()) and not category and not segment


def _figures(measure, *, level, parent, codes, month, category, segment):
    """code → dict of counts (live rollup, or the month's snapshot for a past month without filters)."""
    if _uses_snapshot(month, category, segment):
        return _snapshot_counts(measure, level=level, parent=parent, codes=codes, month=month)
    figures = _live_counts(measure, level=level, parent=parent, codes=codes, category=category, segment=segment)
    if not category and not segment:
        new = _new_counts(measure, level=level, parent=parent, codes=codes, month=_month(month))
        for code, n in new.items():
            figures.setdefault(code, dict.fromkeys(COUNT_FIELDS, 0))["new"] = int(n)
    for f in figures.values():
        f.setdefault("new", 0 if not category and not segment else None)
    return figures


def _row(code, name, level, f, target, *, measure, demo=False, is_direct=False, is_current=True) -> CoverageRow:
    active = f.get("active")
    percent = percent_of(active, target)
    return CoverageRow(
        code=code, name=name, level=level, registered=f.get("registered", 0), active=active,
        arrears=f.get("arrears"), new=f.get("new"), target=target, percent=percent,
        over_100=percent is not None and percent > 100.0, measure=measure, is_direct=is_direct,
        target_is_demo=demo, jht=f.get("jht"), jp=f.get("jp"), jkp=f.get("jkp"), is_current=is_current,
    )  # fmt: skip


def _suppress(row: CoverageRow) -> CoverageRow:
    small = [v for v in (row.registered, row.active, row.arrears, row.new) if v is not None and 0 < v < SUPPRESS_BELOW]
    if not small:
        return row
    return replace(row, registered=None, active=None, arrears=None, new=None, percent=None, over_100=False,
                   jht=None, jp=None, jkp=None, suppressed=True)  # fmt: skip


def _is_public(actor: Actor) -> bool:
    return actor.user is None and not actor.is_system


def coverage_rows(
    actor,
    *,
    measure: str,
    level: int,
    parent: str | None = None,
    month: Month | None = None,
    category: str | None = None,
    segment: str | None = None,
) -> list[CoverageRow]:
    """The regions at `level` (under `parent`, or all of that level when None), with their figures and targets.

    Regions of the official list without members appear with zeros (a village with nobody is a finding); regions
    with members that left the list keep their figures (`is_current` False). For the payer measure, payers seated
    at the parent itself (a province's own government) come as one extra row with `is_direct`, so the children
    plus that row add up to the parent."""
    actor = as_actor(actor)
    parent = _check(measure, level, parent)
    if level == 0:
        return [national_total(actor, measure=measure, month=month, category=category, segment=segment)]
    figures = _figures(measure, level=level, parent=parent, codes=None, month=month, category=category,
                       segment=segment)  # fmt: skip
    from sijaga.regions.models import Region

    official = Region.objects.filter(level=level, is_current=True)
    if parent:
        official = official.filter(parent_id=parent)
    codes = sorted(set(official.values_list("code", flat=True)) | set(figures))
    names = _names(codes + ([parent] if parent else []))
    year = _month(month).year
    cats = target_categories(measure, category)
    targets = targets_for(codes, year=year, categories=cats)
    zero = dict.fromkeys(COUNT_FIELDS, 0) | {"new": 0}
    rows = []
    for code in codes:
        name, current = names.get(code, (code, False))
        target, demo = targets.get(code, (None, False))
        rows.append(_row(code, name, level, figures.get(code, zero), target, measure=measure, demo=demo,
                         is_current=current))  # fmt: skip
    if measure == Measure.PAYER and (parent or level == 1):
        direct = _direct_row(measure, level, parent, figures, month, category, segment, names)
        if direct is not None:
            rows.append(direct)
    if _is_public(actor):
        rows = [_suppress(r) for r in rows]
    return rows


def _direct_row(measure, level, parent, figures, month, category, segment, names) -> CoverageRow | None:
    """The parent's total minus its children: payers seated at the parent itself."""
    total = _figures(measure, level=level - 1, parent="", codes=[parent], month=month, category=category,
                     segment=segment).get(parent)  # fmt: skip
    if not total:
        return None
    rest = {}
    for key, value in total.items():
        if value is None:
            rest[key] = None
            continue
        rest[key] = value - sum((f.get(key) or 0) for f in figures.values())
    if not any(rest.get(k) for k in ("registered", "active", "arrears", "new")):
        return None
    name = names.get(parent, ("Indonesia", True))[0] if parent else "Indonesia"
    label = _("%(name)s — pembayar di tingkat ini") % {"name": name}
    return _row(parent, label, level - 1, rest, None, measure=measure, is_direct=True)


def national_total(
    actor, *, measure: str, month: Month | None = None, category: str | None = None, segment: str | None = None
) -> CoverageRow:
    """The nation's figures (level 0, code '')."""
    actor = as_actor(actor)
    _check(measure, 0, None)
    return region_total(actor, measure=measure, code=NATION_CODE, month=month, category=category, segment=segment)


def region_total(
    actor,
    *,
    measure: str,
    code: str,
    month: Month | None = None,
    category: str | None = None,
    segment: str | None = None,
) -> CoverageRow:
    """One region's own figures (any level; '' is the nation)."""
    actor = as_actor(actor)
    code = (code or "").strip()
    level = level_of(code)
    if measure not in MEASURES or (code and len(code) != CODE_LENGTHS.get(level, -1)):
        raise CoverageNotFound(code)
    figures = _figures(measure, level=level, parent="", codes=[code], month=month, category=category,
                       segment=segment)  # fmt: skip
    f = figures.get(code) or (dict.fromkeys(COUNT_FIELDS, 0) | {"new": 0})
    names = _names([code])
    if code and code not in names:
        raise CoverageNotFound(code)
    target, demo = targets_for([code], year=_month(month).year, categories=target_categories(measure, category)).get(
        code, (None, False)
    )
    name, current = names[code]
    row = _row(code, name, level, f, target, measure=measure, demo=demo, is_current=current)
    return _suppress(row) if _is_public(actor) else row


def trend(actor, *, measure: str, region_code: str | None, since: Month | dt.date | None = None) -> list[TrendPoint]:
    """Month-end snapshots of a region (None: the nation) since `since` (default January 2021), then the current
    month from the live rollup."""
    actor = as_actor(actor)
    code = (region_code or "").strip()
    level = level_of(code)
    if measure not in MEASURES or (code and len(code) != CODE_LENGTHS.get(level, -1)):
        raise CoverageNotFound(code)
    if isinstance(since, dt.date):
        since = Month.of(since)
    since = since or Month(2021, 1)
    now = Month.of(timezone.localdate())
    snaps = list(
        CoverageSnapshot.objects.filter(measure=measure, code=code, month__gte=month_number(since))
        .order_by("month")
        .values_list("month", "registered", "active")
    )
    cats = target_categories(measure, None)
    years = sorted({m // 100 for m, _r, _a in snaps} | {now.year})
    by_year = {y: targets_for([code], year=y, categories=cats).get(code, (None, False))[0] for y in years}
    points = []
    public = _is_public(actor)
    for month, registered, active in snaps:
        m = Month(month // 100, month % 100)
        if m >= now:
            continue
        target = by_year.get(m.year)
        if public and (0 < registered < SUPPRESS_BELOW):
            continue
        points.append(TrendPoint(m, registered, active, target, percent_of(active, target)))
    live = region_total(actor, measure=measure, code=code)
    if live.registered is not None:
        points.append(TrendPoint(now, live.registered, live.active, live.target, live.percent, live=True))
    return points


def ranking(actor, *, measure: str, level: int = 2, parent: str | None = None, month: Month | None = None):
    """Regions of a level by coverage, highest first; regions without a target last (no percentage to rank)."""
    rows = [r for r in coverage_rows(actor, measure=measure, level=level, parent=parent, month=month)
            if not r.is_direct]  # fmt: skip
    return sorted(rows, key=lambda r: (r.percent is None, -(r.percent or 0), r.code))


def lagging(
    actor,
    *,
    measure: str,
    level: int = 2,
    parent: str | None = None,
    threshold: float = 50.0,
    month: Month | None = None,
) -> list[tuple[CoverageRow, str, float | None]]:
    """Regions below `threshold` % or whose active members fell since the previous month's snapshot:
    (row, reason, change in active members)."""
    month = _month(month)
    rows = [r for r in coverage_rows(actor, measure=measure, level=level, parent=parent, month=month)
            if not r.is_direct]  # fmt: skip
    previous = dict(
        CoverageSnapshot.objects.filter(
            measure=measure, level=level, month=month_number(month.prev()), code__in=[r.code for r in rows]
        ).values_list("code", "active")
    )
    out = []
    for r in rows:
        before = previous.get(r.code)
        change = (r.active - before) if (before is not None and r.active is not None) else None
        if r.percent is not None and r.percent < threshold:
            out.append((r, "below", change))
        elif change is not None and change < 0:
            out.append((r, "falling", change))
    return sorted(out, key=lambda t: (t[0].percent if t[0].percent is not None else 1e9, t[0].code))


def by_category(actor, *, measure: str, code: str = "", month: Month | None = None) -> list[CoverageRow]:
    """Target vs actual per target category for one region ('' the nation): `region_total` of each category, read
    in three queries for all of them (a region page shows the four; one `region_total` each took four queries)."""
    from sijaga.registry.models import TargetCategory as WorkerCategory

    actor = as_actor(actor)
    code = (code or "").strip()
    level = level_of(code)
    if measure not in MEASURES or (code and len(code) != CODE_LENGTHS.get(level, -1)):
        raise CoverageNotFound(code)
    names = _names([code])
    if code and code not in names:
        raise CoverageNotFound(code)
    _name, current = names[code]
    categories = [c for c, _label in WorkerCategory.choices]
    counts = {
        r["category"]: {f: int(r[f] or 0) for f in COUNT_FIELDS}
        for r in CoverageRollup.objects.filter(measure=measure, level=level, code=code, category__in=categories)
        .values("category")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
    }
    targets: dict[str, tuple[int, bool]] = {}
    for category, count, demo in (
        TargetRollup.objects.filter(code=code, category__in=categories, year__lte=_month(month).year)
        .order_by("category", "-year")
        .values_list("category", "count", "is_demo")
    ):
        targets.setdefault(category, (count, demo))  # the latest year with a figure
    out = []
    for category, label in WorkerCategory.choices:
        # as `region_total`: new enrolments are not kept per category (None), a region without rows reads 0
        f = counts[category] | {"new": None} if category in counts else dict.fromkeys(COUNT_FIELDS, 0) | {"new": 0}
        target, demo = targets.get(category, (None, False))
        row = _row(code, str(label), level, f, target, measure=measure, demo=demo, is_current=current)
        row = replace(row, code=category)
        out.append(_suppress(row) if _is_public(actor) else row)
    return out


def by_segment(actor, *, measure: str, code: str = "") -> dict[str, CoverageRow]:
    from sijaga.enrollment.models import Segment

    return {s: region_total(actor, measure=measure, code=code, segment=s) for s in Segment.values}


def all_levels_totals(measure: str) -> dict[tuple[int, str], int]:
    """(level, code) → registered, for the tests' independent counts."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for level, code, registered in CoverageRollup.objects.filter(measure=measure).values_list(
        "level", "code", "registered"
    ):
        totals[(level, code)] += registered
    return dict(totals)
