"""REST endpoints of the compliance app, mounted at /api/compliance/: the scorecard (same query as the page and its
exports) and the six-monthly reports (list, detail with progress, request)."""

from __future__ import annotations

from ninja import Router, Schema, Status
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.compliance import selectors, services
from sijaga.core.periods import Semester

router = Router(tags=["compliance"])


class ItemOut(Schema):
    key: str
    status: str
    figure: str


class ScoreOut(Schema):
    code: str
    name: str
    level: int
    met: int
    known: int
    percent: float | None
    rank: int | None
    items: list[ItemOut]


class ScorecardOut(Schema):
    year: int
    rows: list[ScoreOut]


@router.get("/scorecard", response=ScorecardOut, auth=django_auth)
def scorecard(request, year: int = 2026, parent: str | None = None):
    """Compliance per region: provinces (national) or the regencies of `parent` / of the caller's province."""
    actor = Actor.from_request(request, channel="api")
    year = min(max(year, 2021), 2100)
    if parent is not None and (len(parent) != 2 or not parent.isdigit()):
        parent = None
    level = 2 if (parent or not actor.scope.national) else 1
    rows = selectors.scorecard(actor, year, level=level, parent=parent)
    return {"year": year, "rows": [r.as_dict() for r in rows]}


class ReportOut(Schema):
    id: int
    semester: str
    region: str | None
    status: str
    progress: int
    message: str
    pdf_sha256: str
    xlsx_sha256: str
    snapshot_sha256: str


def report_out(r) -> dict:
    return {"id": r.pk, "semester": f"{r.year}-S{r.half}", "region": r.region_id, "status": r.status,
            "progress": r.progress, "message": r.message, "pdf_sha256": r.pdf_sha256, "xlsx_sha256": r.xlsx_sha256,
            "snapshot_sha256": r.snapshot_sha256}  # fmt: skip


@router.get("/reports/", response=list[ReportOut], auth=django_auth)
def reports(request):
    return [report_out(r) for r in selectors.reports_for(Actor.from_request(request, channel="api"))[:100]]


@router.get("/reports/{report_id}", response=ReportOut, auth=django_auth)
def report(request, report_id: int):
    return report_out(selectors.get_report(Actor.from_request(request, channel="api"), report_id))


class ReportIn(Schema):
    semester: str
    region: str | None = None


class ErrorOut(Schema):
    detail: str


@router.post("/reports/", response={200: ReportOut, 201: ReportOut, 422: ErrorOut}, auth=django_auth)
def request_report(request, body: ReportIn):
    """Queue the report of a semester (2026-S1); a report already requested is returned as it is (frozen)."""
    try:
        semester = Semester.parse(body.semester)
    except (ValueError, TypeError):
        return Status(422, {"detail": "semester: tulis 2026-S1"})
    report, created = services.request_report(
        Actor.from_request(request, channel="api"), semester, region_code=body.region or None
    )
    return Status(201 if created else 200, report_out(report))
