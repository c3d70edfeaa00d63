"""Pages of coverage monitoring: the national map → a province's regencies → a regency's districts → a district's
villages; trend, ranking, the lagging list, target vs actual per category, targets, and a public page.

Every table is reachable as `.json`, `.csv` and `.xlsx` of the same query (`table_data`), every page names its
measure. The pages read the summary tables through the selectors only.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sijaga.accounts.actor import Actor
from sijaga.core.periods import Month
from sijaga.core.xlsx import XLSX_TYPE, write_table
from sijaga.coverage import maps, selectors, services
from sijaga.coverage.models import CODE_LENGTHS, Measure, Target, TargetCategory, level_of

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def level_label(level: int) -> str:
    labels = {0: _("Nasional"), 1: _("Provinsi"), 2: _("Kabupaten/Kota"), 3: _("Kecamatan"), 4: _("Desa/Kelurahan")}
    return labels[level]


def _measure(request: HttpRequest) -> str:
    value = request.GET.get("ukuran", Measure.DOMICILE)
    return value if value in Measure.values else Measure.DOMICILE


def _month(request: HttpRequest) -> Month | None:
    text = request.GET.get("bulan", "").strip()
    if not text:
        return None
    try:
        return Month.parse(text)
    except ValueError:
        return None


def _region_code(code: str) -> str:
    code = (code or "").strip()
    if code and len(code) != CODE_LENGTHS.get(level_of(code), -1):
        raise Http404
    return code


def _breadcrumbs(code: str) -> list[tuple[str, str]]:
    from sijaga.regions.models import Region

    codes = [code[: CODE_LENGTHS[lvl]] for lvl in range(1, level_of(code) + 1)]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [("", "Indonesia")] + [(c, names.get(c, c)) for c in codes]


COLUMNS = (
    ("code", "Kode"),
    ("name", "Wilayah"),
    ("registered", "Terdaftar"),
    ("active", "Aktif"),
    ("arrears", "Nonaktif menunggak"),
    ("new", "Pendaftaran baru bulan ini"),
    ("target", "Sasaran"),
    ("percent", "Cakupan (%)"),
    ("over_100", "Di atas 100% (periksa data)"),
)


def _column_labels() -> list[str]:
    labels = {
        "code": _("Kode"),
        "name": _("Wilayah"),
        "registered": _("Terdaftar"),
        "active": _("Aktif"),
        "arrears": _("Nonaktif menunggak"),
        "new": _("Pendaftaran baru bulan ini"),
        "target": _("Sasaran"),
        "percent": _("Cakupan (%)"),
        "over_100": _("Di atas 100% (periksa data)"),
    }
    return [labels[k] for k, _label in COLUMNS]


def _row_dict(r: selectors.CoverageRow) -> dict:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "measure": r.measure,
        "registered": r.registered,
        "active": r.active,
        "arrears": r.arrears,
        "new": r.new,
        "target": r.target,
        "percent": r.percent,
        "over_100": r.over_100,
        "is_direct": r.is_direct,
        "target_is_demo": r.target_is_demo,
        "suppressed": r.suppressed,
        "is_current": r.is_current,
    }


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export(rows: list[dict], fmt: str, *, name: str, measure: str, extra: dict | None = None) -> HttpResponse:
    """The same rows as JSON, CSV or XLSX (text cells never become formulas)."""
    if fmt == "json":
        return JsonResponse({"measure": measure, **(extra or {}), "rows": rows}, json_dumps_params={"indent": 1})
    keys = [k for k, _label in COLUMNS]
    labels = _column_labels()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(labels)
        for r in rows:
            writer.writerow([_safe(r.get(k)) for k in keys])
        response = HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        kinds = ["text", "text", "number", "number", "number", "number", "number", "text", "text"]
        values = [
            [r.get(k) if k not in ("percent", "over_100") else _fmt_extra(k, r.get(k)) for k in keys] for r in rows
        ]
        book, _n = write_table(labels, [14, 36, 12, 12, 14, 14, 12, 12, 14], kinds, values, sheet="Cakupan")
        return FileResponse(book, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)
    raise Http404


def _fmt_extra(key: str, value) -> str:
    if key == "over_100":
        return _("ya") if value else ""
    return "" if value is None else f"{value:.1f}"


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _province_home(actor: Actor) -> str | None:
    if actor.role != "province_admin" or actor.scope.national:
        return None
    provinces = {p[:2] for p in actor.scope.prefixes}
    return next(iter(provinces)) if len(provinces) == 1 else None


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    home = _province_home(actor)
    if home and "nasional" not in request.GET:
        return redirect(reverse("coverage:region", args=[home]) + "?" + request.GET.urlencode())
    return _region_page(request, actor, "")


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    code = _region_code(code)
    if not code or level_of(code) > 3:
        raise Http404
    return _region_page(request, _actor(request), code)


def _region_page(request, actor, code: str, *, public: bool = False) -> HttpResponse:
    measure = _measure(request)
    month = _month(request)
    level = level_of(code) + 1
    try:
        total = selectors.region_total(actor, measure=measure, code=code, month=month)
        rows = selectors.coverage_rows(actor, measure=measure, level=level, parent=code or None, month=month)
    except selectors.CoverageNotFound as exc:
        raise Http404 from exc
    rows.sort(key=lambda r: (r.is_direct, r.code))
    points = selectors.trend(actor, measure=measure, region_code=code or None)
    categories = [] if public else selectors.by_category(actor, measure=measure, code=code, month=month)
    query = {"ukuran": measure, "tingkat": level, "induk": code}
    if month:
        query["bulan"] = str(month)
    from urllib.parse import urlencode

    qs = urlencode(query)
    base = "coverage:public_table" if public else "coverage:table"
    chart = {
        "rows": [
            {"code": r.code, "name": r.name, "value": r.percent, "registered": r.registered, "active": r.active}
            for r in rows
            if not r.is_direct
        ],
        "trend": [
            {"month": str(p.month), "registered": p.registered, "active": p.active, "percent": p.percent}
            for p in points
        ],
        "categories": [
            {"name": c.name, "active": c.active, "registered": c.registered, "target": c.target} for c in categories
        ],
        "mapUrl": reverse("coverage:geo") + "?" + urlencode({"induk": code}) if level <= 2 else "",
        "drillUrl": _drill_url(public, level, measure),
        "labels": {
            "percent": _("Cakupan (%)"),
            "registered": _("Terdaftar"),
            "active": _("Aktif"),
            "target": _("Sasaran"),
            "save": _("Unduh PNG"),
            "noTarget": _("belum ada data sasaran"),
        },
    }
    return render(
        request,
        "coverage/region.html",
        {
            "public": public,
            "code": code,
            "level": level,
            "level_label": level_label(level),
            "total": total,
            "rows": rows,
            "measure": measure,
            "measure_label": Measure(measure).label,
            "measures": Measure.choices,
            "crumbs": _breadcrumbs(code) if code else [("", "Indonesia")],
            "data_urls": {fmt: reverse(base, args=[fmt]) + "?" + qs for fmt in ("json", "csv", "xlsx")},
            "trend_urls": {
                fmt: reverse("coverage:trend_data", args=[fmt]) + "?" + urlencode({"ukuran": measure, "wilayah": code})
                for fmt in ("json", "csv")
            },
            "chart": chart,
            "month": month,
            "has_map": level <= 2,
            "categories": categories,
        },
    )


def _drill_url(public: bool, level: int, measure: str) -> str:
    if public:
        return reverse("coverage:public") + f"?ukuran={measure}&wilayah=CODE" if level == 1 else ""
    return reverse("coverage:region", args=["CODE"]) + f"?ukuran={measure}" if level <= 3 else ""


def _table_rows(actor, request) -> tuple[list[dict], str, dict]:
    measure = request.GET.get("ukuran", Measure.DOMICILE)
    try:
        level = int(request.GET.get("tingkat", "1"))
    except ValueError as exc:
        raise Http404 from exc
    parent = request.GET.get("induk", "").strip() or None
    try:
        rows = selectors.coverage_rows(actor, measure=measure, level=level, parent=parent, month=_month(request))
    except selectors.CoverageNotFound as exc:
        raise Http404 from exc
    return [_row_dict(r) for r in rows], measure, {"level": level, "parent": parent or ""}


@login_required
def table_data(request: HttpRequest, fmt: str) -> HttpResponse:
    rows, measure, extra = _table_rows(_actor(request), request)
    return export(rows, fmt, name=f"cakupan-{measure}-{extra['level']}-{extra['parent'] or 'ID'}", measure=measure,
                  extra=extra)  # fmt: skip


def public_table(request: HttpRequest, fmt: str) -> HttpResponse:
    rows, measure, extra = _table_rows(Actor.nobody(), request)
    return export(rows, fmt, name=f"cakupan-publik-{measure}-{extra['level']}", measure=measure, extra=extra)


def trend_data(request: HttpRequest, fmt: str) -> HttpResponse:
    actor = _actor(request) if request.user.is_authenticated else Actor.nobody()
    measure = request.GET.get("ukuran", Measure.DOMICILE)
    try:
        points = selectors.trend(actor, measure=measure, region_code=request.GET.get("wilayah") or None)
    except selectors.CoverageNotFound as exc:
        raise Http404 from exc
    rows = [
        {
            "month": str(p.month),
            "registered": p.registered,
            "active": p.active,
            "target": p.target,
            "percent": p.percent,
            "live": p.live,
        }
        for p in points
    ]
    if fmt == "json":
        return JsonResponse({"measure": measure, "rows": rows})
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow([_("Bulan"), _("Terdaftar"), _("Aktif"), _("Sasaran"), _("Cakupan (%)")])
        for r in rows:
            writer.writerow([r["month"], r["registered"], r["active"], r["target"], r["percent"]])
        return HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    raise Http404


def geo(request: HttpRequest) -> JsonResponse:
    """Boundaries of the children of `induk` (provinces for the nation, regencies for a province): public data."""
    parent = _region_code(request.GET.get("induk", ""))
    from sijaga.regions.models import Region

    level = level_of(parent) + 1
    if level > 2:
        raise Http404
    codes = Region.objects.filter(level=level)
    if parent:
        codes = codes.filter(parent_id=parent)

    class _R:
        def __init__(self, code):
            self.code = code

    data = maps.geojson([_R(c) for c in codes.values_list("code", flat=True)], level=level, parent=parent)
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    measure = _measure(request)
    level = 2 if request.GET.get("tingkat") != "1" else 1
    rows = selectors.ranking(actor, measure=measure, level=level)
    if request.GET.get("format") in ("json", "csv", "xlsx"):
        return export([_row_dict(r) for r in rows], request.GET["format"], name=f"peringkat-{measure}-{level}",
                      measure=measure)  # fmt: skip
    return render(request, "coverage/ranking.html", {"rows": rows, "measure": measure,
                  "measure_label": Measure(measure).label, "measures": Measure.choices, "level": level,
                  "level_label": level_label(level), "title": _("Peringkat cakupan")})  # fmt: skip


@login_required
def lagging(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    measure = _measure(request)
    try:
        threshold = max(0.0, min(1000.0, float(request.GET.get("ambang", "50"))))
    except ValueError:
        threshold = 50.0
    found = selectors.lagging(actor, measure=measure, level=2, threshold=threshold)
    if request.GET.get("format") in ("json", "csv", "xlsx"):
        return export([_row_dict(r) | {"reason": reason, "change": change} for r, reason, change in found],
                      request.GET["format"], name=f"tertinggal-{measure}", measure=measure)  # fmt: skip
    return render(request, "coverage/lagging.html", {"found": found, "measure": measure, "threshold": threshold,
                  "measure_label": Measure(measure).label, "measures": Measure.choices})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        try:
            item = services.TargetInput(
                region_code=request.POST.get("region_code", "").strip(),
                year=int(request.POST.get("year", "0")),
                category=request.POST.get("category", ""),
                count=int(request.POST.get("count", "")),
                source=request.POST.get("source", ""),
            )
            if item.category not in TargetCategory.values:
                raise ValidationError(_("Kategori sasaran tidak dikenal."))
            services.set_target(actor, item)
            messages.success(request, _("Sasaran disimpan."))
            return redirect("coverage:targets")
        except (ValueError, TypeError):
            messages.error(request, _("Tahun dan jumlah harus bilangan bulat."))
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    code = request.GET.get("wilayah", "").strip()
    qs = Target.objects.order_by("region_code", "-year", "category")
    if code:
        qs = qs.filter(region_code__startswith=code)
    return render(request, "coverage/targets.html", {
        "targets": list(qs[:300]), "categories": TargetCategory.choices, "can_edit": services.can_edit_targets(actor),
        "wilayah": code,
    })  # fmt: skip


def public(request: HttpRequest) -> HttpResponse:
    """Transparency without login: aggregates only, cells under 5 people suppressed."""
    code = _region_code(request.GET.get("wilayah", ""))
    if level_of(code) > 1:
        raise Http404
    return _region_page(request, Actor.nobody(), code, public=True)
