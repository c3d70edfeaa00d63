"""Pages of the compliance app: the scorecard and its lists (with .json/.csv/.xlsx of the same query), a region's
checklist, the Inpres reference data, meetings and follow-up, and the six-monthly reports."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sijaga.accounts.middleware import actor_of
from sijaga.compliance import figures, selectors, services
from sijaga.compliance.models import ActionStatus, ReportStatus
from sijaga.core.periods import Semester
from sijaga.core.xlsx import XLSX_TYPE, write_table
from sijaga.regions.models import Region


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("tahun") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2021), timezone.localdate().year + 1)


def _level_parent(request: HttpRequest, actor) -> tuple[int, str | None]:
    """National: provinces, or the regencies of ?induk=; a province admin: their regencies; a regency: itself."""
    parent = (request.GET.get("induk") or "").strip() or None
    if parent and not Region.objects.filter(code=parent, level=1).exists():
        parent = None
    if actor.scope.national:
        return (2, parent) if parent else (1, None)
    provinces = [p for p in actor.scope.prefixes if len(p) == 2]
    return 2, (parent if parent in provinces else (provinces[0] if len(provinces) == 1 else None))


def _scores(request):
    actor = actor_of(request)
    year = _year(request)
    level, parent = _level_parent(request, actor)
    return actor, year, level, parent, selectors.scorecard(actor, year, level=level, parent=parent)


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    actor, year, level, parent, scores = _scores(request)
    ranked = sorted(scores, key=lambda s: (s.rank is None, s.rank or 0, s.code))
    return render(
        request,
        "compliance/scorecard.html",
        {
            "year": year,
            "level": level,
            "parent": parent,
            "scores": ranked,
            "items": selectors.items(),
            "no_regulation": selectors.no_regulation(scores),
            "not_budgeted": selectors.not_budgeted(scores),
            "trend": selectors.semester_trend(actor, level=level, parent=parent),
            "addressees": selectors.addressee_scores(actor, year),
            "budget_lists": figures.budget_lists_url(),
            "years": selectors.checklist_years(),
            "can_report": actor.role in services.MEETING_ROLES,
        },
    )


SCORE_HEADERS = ["peringkat", "kode", "wilayah", "persen", "terpenuhi", "terukur"]


def _score_rows(scores, items):
    for s in sorted(scores, key=lambda s: (s.rank is None, s.rank or 0, s.code)):
        yield [s.rank, s.code, s.name, s.percent, s.met, s.known] + [
            f"{s.item(i.key).status} {s.item(i.key).figure}".strip() for i in items
        ]


@login_required
def scorecard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("json", "csv", "xlsx"):
        raise Http404
    _actor, year, _level, _parent, scores = _scores(request)
    items = selectors.items()
    headers = SCORE_HEADERS + [i.key for i in items]
    if fmt == "json":
        return JsonResponse({"year": year, "rows": [s.as_dict() for s in scores]})
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(headers)
        for row in _score_rows(scores, items):
            w.writerow(["" if v is None else v for v in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="kepatuhan-{year}.csv"'
        return response
    kinds = ["number", "text", "text", "text", "number", "number"] + ["text"] * len(items)
    rows = ([("" if v is None else v) for v in row] for row in _score_rows(scores, items))
    fh, _n = write_table(headers, [10, 10, 30, 8, 10, 10] + [24] * len(items), kinds, rows, sheet="Kepatuhan")
    return FileResponse(fh, as_attachment=True, filename=f"kepatuhan-{year}.xlsx", content_type=XLSX_TYPE)


@login_required
def checklist(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A region's checklist for a year; POST declares one item (with its evidence)."""
    actor = actor_of(request)
    region = Region.objects.filter(code=code, level__lte=2).first()
    if region is None or not actor.covers(code) or not 2021 <= year <= 2100:
        raise Http404
    if request.method == "POST":
        try:
            doc_date = dt.date.fromisoformat(request.POST["doc_date"]) if request.POST.get("doc_date") else None
            services.declare(
                actor, region_code=code, year=year, item_key=request.POST.get("item", ""),
                met=request.POST.get("met") == "1", doc_number=request.POST.get("doc_number", "")[:120],
                doc_date=doc_date, note=request.POST.get("note", "")[:500], upload=request.FILES.get("evidence"),
            )  # fmt: skip
            messages.success(request, _("Isian disimpan."))
            return redirect("compliance:checklist", code=code, year=year)
        except ValidationError as exc:
            for errs in exc.message_dict.values():
                for e in errs:
                    messages.error(request, e)
        except ValueError:
            messages.error(request, _("Tanggal tidak sah."))
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
    score = selectors.scorecard(actor, year, level=region.level, parent=region.parent_id)
    score = next(s for s in score if s.code == code)
    can_verify = actor.scope.national or (actor.role in services.VERIFY_ROLES and code not in actor.scope.prefixes)
    context = {"region": region, "year": year, "score": score, "can_verify": can_verify,
               "can_declare": actor.role in services.DECLARE_ROLES}  # fmt: skip
    return render(request, "compliance/checklist.html", context)


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    entry = selectors.get_entry(actor, pk)
    try:
        services.verify(actor, entry)
        messages.success(request, _("Isian diverifikasi."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("compliance:checklist", code=entry.region_id, year=entry.year)


@login_required
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.evidence_of(actor_of(request), pk)
    try:
        fh = open(doc.path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        raise Http404 from None
    return FileResponse(fh, as_attachment=True, filename=doc.file_name, content_type=doc.content_type)


@login_required
def inpres(request: HttpRequest) -> HttpResponse:
    """The Inpres's addressees and instructions; the national coordinator corrects them (with history)."""
    actor = actor_of(request)
    if request.method == "POST":
        if not actor.scope.national:
            raise PermissionDenied
        try:
            changes = {"text": request.POST.get("text", "")} if request.POST.get("type") == "instruction" else {}
            if request.POST.get("type") == "addressee":
                changes = {"title": request.POST.get("title", ""), "office": request.POST.get("office", "")}
            changes["verified"] = request.POST.get("verified") == "1"
            if request.POST.get("type") == "instruction":
                changes["unconfirmed"] = request.POST.get("unconfirmed") == "1"
            services.correct_reference(actor, request.POST.get("type", ""), request.POST.get("key", ""), changes,
                                       reason=request.POST.get("reason", ""))  # fmt: skip
            messages.success(request, _("Koreksi disimpan."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except (KeyError, ObjectDoesNotExist):
            raise Http404 from None
        return redirect("compliance:inpres")
    return render(
        request,
        "compliance/inpres.html",
        {"central": selectors.addressees("central"), "instructions": selectors.instructions(),
         "heads": {k: selectors.addressees(k).count() for k in ("governor", "regent", "mayor")},
         "history": selectors.reference_history(30), "can_edit": actor.scope.national},
    )  # fmt: skip


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        try:
            services.create_meeting(
                actor, date=dt.date.fromisoformat(request.POST.get("date", "")), title=request.POST.get("title", ""),
                place=request.POST.get("place", ""), online=request.POST.get("online") == "1",
                participants=request.POST.get("participants", ""),
                region_codes=[c for c in request.POST.getlist("regions") if c][:50],
                minutes=request.FILES.get("minutes"),
            )  # fmt: skip
            messages.success(request, _("Rapat dicatat."))
            return redirect("compliance:meetings")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ValueError:
            messages.error(request, _("Tanggal tidak sah."))
    return render(
        request,
        "compliance/meetings.html",
        {"meetings": selectors.meetings_for(actor)[:100], "overdue": selectors.overdue_actions(actor)[:50],
         "can_create": actor.role in services.MEETING_ROLES},
    )  # fmt: skip


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    obj = selectors.get_meeting(actor, pk)
    if request.method == "POST":
        try:
            services.add_action(
                actor, obj, decision=request.POST.get("decision", ""), owner=request.POST.get("owner", ""),
                region_code=request.POST.get("region") or None,
                due_date=dt.date.fromisoformat(request.POST.get("due_date", "")),
            )  # fmt: skip
            messages.success(request, _("Tindak lanjut ditambahkan."))
            return redirect("compliance:meeting", pk=pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ValueError:
            messages.error(request, _("Tanggal tidak sah."))
    return render(
        request,
        "compliance/meeting.html",
        {"meeting": obj, "actions": selectors.actions_for(actor).filter(meeting=obj),
         "can_add": actor.role in services.MEETING_ROLES, "today": timezone.localdate(),
         "statuses": ActionStatus.choices},
    )  # fmt: skip


@login_required
@require_POST
def action(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    item = selectors.get_action(actor, pk)
    try:
        services.update_action(actor, item, status=request.POST.get("status", ""), upload=request.FILES.get("evidence"),
                               note=request.POST.get("note", ""))  # fmt: skip
        messages.success(request, _("Tindak lanjut diperbarui."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("compliance:meeting", pk=item.meeting_id)


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        try:
            semester = Semester.parse(request.POST.get("semester", ""))
            region = request.POST.get("region") or None
            report, created = services.request_report(actor, semester, region_code=region)
            messages.success(request, _("Laporan diminta.") if created else _("Laporan ini sudah ada (dibekukan)."))
            return redirect("compliance:report", pk=report.pk)
        except ValueError:
            messages.error(request, _("Semester tidak sah; tulis 2026-S1."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    today = timezone.localdate()
    current = Semester.of(today)
    return render(
        request,
        "compliance/reports.html",
        {"reports": selectors.reports_for(actor)[:100], "can_request": actor.role in services.MEETING_ROLES,
         "semesters": [current.prev().prev(), current.prev(), current], "provinces": [
             p for p in actor.scope.prefixes if len(p) == 2]},
    )  # fmt: skip


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.get_report(actor_of(request), pk)
    if obj.status == ReportStatus.RUNNING and services.reap_stalled_reports(obj.pk):
        obj = selectors.get_report(actor_of(request), pk)  # its runner died: show it failed, with the retry button
    template = "compliance/_report_status.html" if request.headers.get("HX-Request") else "compliance/report.html"
    return render(
        request,
        template,
        {
            "report": obj,
            "running": obj.status in (ReportStatus.QUEUED, ReportStatus.RUNNING),
            "can_retry": obj.status == ReportStatus.FAILED and services.may_retry(actor_of(request), obj),
        },
    )


@login_required
@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """A failed report (an error, or its worker died) is generated again; a finished one is frozen."""
    obj = selectors.get_report(actor_of(request), pk)
    try:
        services.retry_report(actor_of(request), obj)
        messages.success(request, _("Laporan dibuat ulang."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("compliance:report", pk=obj.pk)


@login_required
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The frozen file, byte-identical to what was archived (its SHA-256 is on the report page)."""
    obj = selectors.get_report(actor_of(request), pk, with_files=True)
    if obj.status != ReportStatus.DONE or fmt not in ("pdf", "xlsx", "json"):
        raise Http404
    name = f"laporan-inpres-2-2021-{obj.year}-S{obj.half}{'-' + obj.scope_key if obj.scope_key else ''}"
    if fmt == "json":
        return JsonResponse(obj.snapshot, json_dumps_params={"ensure_ascii": False, "sort_keys": True})
    data, ctype = (bytes(obj.pdf), "application/pdf") if fmt == "pdf" else (bytes(obj.xlsx), XLSX_TYPE)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"{name}.{fmt}", content_type=ctype)
