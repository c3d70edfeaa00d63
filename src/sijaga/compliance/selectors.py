"""Scoped reads of the compliance app: the scorecard (per region and per addressee), the lists, meetings, overdue
follow-ups and reports. Figures from other apps come through `figures.py` only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor
from sijaga.compliance import figures
from sijaga.compliance.models import (
    ActionItem,
    ActionStatus,
    Addressee,
    AddresseeKind,
    CentralDeclaration,
    ChecklistEntry,
    ChecklistItem,
    ComplianceEvent,
    Instruction,
    Meeting,
    ReferenceEvent,
    Report,
)
from sijaga.core.exceptions import NotFound
from sijaga.core.periods import Semester
from sijaga.regions.models import Region

MET, NOT_MET, UNMEASURED = "met", "not_met", "unmeasured"


class MeetingNotFound(NotFound):
    pass


class ActionNotFound(NotFound):
    pass


class ReportNotFound(NotFound):
    pass


class EntryNotFound(NotFound):
    pass


@dataclass
class ItemStatus:
    key: str
    label: str
    measured: bool
    status: str
    figure: str = ""
    entry: ChecklistEntry | None = None


@dataclass
class RegionScore:
    code: str
    name: str
    level: int
    items: list[ItemStatus] = field(default_factory=list)
    met: int = 0
    known: int = 0
    percent: float | None = None
    rank: int | None = None

    def item(self, key: str) -> ItemStatus:
        """The item's status; an item not loaded (reference data missing) counts as not measurable."""
        return next((i for i in self.items if i.key == key), ItemStatus(key, key, True, UNMEASURED))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "met": self.met,
            "known": self.known,
            "percent": self.percent,
            "rank": self.rank,
            "items": [{"key": i.key, "status": i.status, "figure": i.figure} for i in self.items],
        }


def items() -> list[ChecklistItem]:
    return list(ChecklistItem.objects.order_by("order"))


def regions_for(actor: Actor, *, level: int, parent: str | None = None) -> QuerySet[Region]:
    """Regions of `level` the actor may see (a governor: their province and its regencies)."""
    qs = Region.objects.filter(level=level, is_current=True)
    if parent:
        qs = qs.filter(code__startswith=parent + ".")
    return actor.scope.filter(qs, "code").order_by("code")


def _rupiah(n: int) -> str:
    return "Rp" + f"{n:,}".replace(",", ".")


def scorecard(
    actor: Actor, year: int, *, level: int = 2, parent: str | None = None, as_of: dt.date | None = None
) -> list[RegionScore]:
    """Compliance per region for the year: declared items from the entries, measured items from the data (with the
    figure); the percentage counts the items whose status is known (an item not measurable yet is left out)."""
    regions = list(regions_for(actor, level=level, parent=parent).values_list("code", "name"))
    checklist = items()
    entries = {}
    qs = ChecklistEntry.objects.visible_to(actor).filter(year=year).select_related("item", "evidence")
    qs = qs.filter(region__level=level)
    if parent:
        qs = qs.filter(region__code__startswith=parent + ".")
    if as_of is not None:
        qs = qs.filter(declared_at__date__lte=as_of)
    for e in qs:
        entries[(e.region_id, e.item.key)] = e
    enrolment = figures.enrolment_by_region(actor, level=level, as_of=as_of)
    allocations = figures.allocations(actor, year)
    scores = []
    for code, name in regions:
        score = RegionScore(code=code, name=name, level=level)
        counts = enrolment.get(code, {})
        for item in checklist:
            status, figure, entry = UNMEASURED, "", None
            if item.measure == "declared":
                entry = entries.get((code, item.key))
                status = MET if entry is not None and entry.met else NOT_MET
                if entry is not None and entry.doc_number:
                    figure = entry.doc_number
            elif item.measure == "allocation":
                if allocations is None:
                    figure = _("belum dapat diukur")
                else:
                    amount = int(allocations.get(code, 0) or 0)
                    status, figure = (MET if amount > 0 else NOT_MET), _rupiah(amount)
            elif item.measure in ("non_asn", "vulnerable"):
                n = counts.get(item.measure, 0)
                status = MET if n > 0 else NOT_MET
                figure = _("%(n)s peserta") % {"n": n}
                if item.measure == "non_asn" and counts.get("arrears"):
                    figure += " · " + _("%(n)s menunggak") % {"n": counts["arrears"]}
            score.items.append(ItemStatus(item.key, item.label, item.measured, status, figure, entry))
        score.known = sum(1 for i in score.items if i.status != UNMEASURED)
        score.met = sum(1 for i in score.items if i.status == MET)
        score.percent = round(100 * score.met / score.known, 1) if score.known else None
        scores.append(score)
    ranked = sorted((s for s in scores if s.percent is not None), key=lambda s: (-s.percent, s.code))
    for i, s in enumerate(ranked, start=1):
        s.rank = i
    return scores


def no_regulation(scores: list[RegionScore]) -> list[RegionScore]:
    """ "Belum ada regulasi": regions whose supporting regulation is not declared met."""
    return [s for s in scores if s.item("regulation").status != MET]


def not_budgeted(scores: list[RegionScore]) -> list[RegionScore] | None:
    """ "Belum menganggarkan": regions with no APBD allocation, or None while the budget figures are not available."""
    if not scores or any(s.item("allocation").status == UNMEASURED for s in scores):
        return None
    return [s for s in scores if s.item("allocation").status == NOT_MET]


def semester_trend(
    actor: Actor, *, level: int, parent: str | None = None, first: Semester | None = None, last: Semester | None = None
) -> list[dict]:
    """Average compliance % of the actor's regions at the end of each semester (declarations made by then,
    enrolment open at that day, the allocation of that year)."""
    last = last or Semester.of(timezone.localdate())
    first = first or Semester(last.year - 1, 1)
    out = []
    s = first
    while s <= last:
        scores = scorecard(actor, s.year, level=level, parent=parent, as_of=s.last_day)
        known = [x.percent for x in scores if x.percent is not None]
        out.append(
            {
                "semester": str(s),
                "label": _semester_label(s),
                "percent": round(sum(known) / len(known), 1) if known else None,
                "regions": len(known),
            }
        )
        s = Semester(s.year, 2) if s.half == 1 else Semester(s.year + 1, 1)
    return out


def _semester_label(s: Semester) -> str:
    return f"Semester {'I' if s.half == 1 else 'II'} {s.year}"


def addressee_scores(actor: Actor, year: int) -> list[dict]:
    """Compliance % per central addressee (declarations on the instructions addressed to it)."""
    if not actor.scope.national:
        return []
    decls = {
        (d.addressee_id, d.instruction_id): d for d in CentralDeclaration.objects.visible_to(actor).filter(year=year)
    }
    instructions = list(Instruction.objects.all())
    rows = []
    for a in Addressee.objects.filter(kind=AddresseeKind.CENTRAL, is_active=True).order_by("key"):
        mine = [i for i in instructions if i.to in (a.key, "all")]
        met = sum(1 for i in mine if (d := decls.get((a.pk, i.pk))) is not None and d.met)
        rows.append(
            {
                "key": a.key,
                "title": a.title,
                "instructions": len(mine),
                "met": met,
                "percent": round(100 * met / len(mine), 1) if mine else None,
                "verified": a.verified,
            }
        )
    return rows


# --- reference data -----------------------------------------------------------------------------------------------


def addressees(kind: str | None = None) -> QuerySet[Addressee]:
    qs = Addressee.objects.select_related("region")
    return qs.filter(kind=kind) if kind else qs


def instructions() -> QuerySet[Instruction]:
    return Instruction.objects.all()


def reference_history(limit: int = 50) -> QuerySet[ReferenceEvent]:
    return ReferenceEvent.objects.select_related("by")[:limit]


# --- entries, meetings, actions, reports ---------------------------------------------------------------------------


def get_entry(actor: Actor, pk) -> ChecklistEntry:
    try:
        return ChecklistEntry.objects.visible_to(actor).select_related("item", "region", "evidence").get(pk=pk)
    except (ChecklistEntry.DoesNotExist, ValueError) as exc:
        raise EntryNotFound(pk) from exc


def evidence_of(actor: Actor, pk):
    from sijaga.compliance.models import Evidence

    try:
        return Evidence.objects.visible_to(actor).get(pk=pk)
    except (Evidence.DoesNotExist, ValueError) as exc:
        raise NotFound(pk) from exc


def meetings_for(actor: Actor) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(actor).prefetch_related("regions")


def get_meeting(actor: Actor, pk) -> Meeting:
    try:
        return meetings_for(actor).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError) as exc:
        raise MeetingNotFound(pk) from exc


def actions_for(actor: Actor) -> QuerySet[ActionItem]:
    return ActionItem.objects.visible_to(actor).select_related("meeting", "region")


def get_action(actor: Actor, pk) -> ActionItem:
    try:
        return actions_for(actor).get(pk=pk)
    except (ActionItem.DoesNotExist, ValueError) as exc:
        raise ActionNotFound(pk) from exc


def overdue_actions(actor: Actor, *, today: dt.date | None = None) -> QuerySet[ActionItem]:
    """Open follow-ups past their due date, in the actor's scope (the home page lists them)."""
    today = today or timezone.localdate()
    return actions_for(actor).filter(status=ActionStatus.OPEN, due_date__lt=today).order_by("due_date", "id")


def history_for(actor: Actor, object_type: str, object_id: int) -> QuerySet[ComplianceEvent]:
    return ComplianceEvent.objects.visible_to(actor).filter(object_type=object_type, object_id=object_id)


def reports_for(actor: Actor) -> QuerySet[Report]:
    return Report.objects.visible_to(actor).defer("pdf", "xlsx", "snapshot").select_related("region")


def get_report(actor: Actor, pk, *, with_files: bool = False) -> Report:
    qs = Report.objects.visible_to(actor).select_related("region")
    try:
        return qs.get(pk=pk) if with_files else qs.defer("pdf", "xlsx").get(pk=pk)
    except (Report.DoesNotExist, ValueError) as exc:
        raise ReportNotFound(pk) from exc


def checklist_years(today: dt.date | None = None) -> list[int]:
    year = (today or timezone.localdate()).year
    return list(range(year, 2020, -1))
