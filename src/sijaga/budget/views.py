"""Budget pages: the simulator and "what a budget buys", plans and their versions, allocations with evidence and
realisation, and the national/provincial lists (with XLSX, JSON and CSV of the same query)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sijaga.accounts.middleware import actor_of
from sijaga.budget import presenters, rules, selectors, services
from sijaga.budget.forms import AllocationForm, BuysForm, ReviewForm, SimulatorForm
from sijaga.budget.pricing import PricingError
from sijaga.contributions import selectors as contributions
from sijaga.contributions.rates import rupiah
from sijaga.regions.models import Region


def default_year() -> int:
    """From September the next fiscal year is being budgeted (the KUA-PPAS and the APBD are adopted by December)."""
    today = timezone.localdate()
    return today.year + 1 if today.month >= 9 else today.year


def _year(request) -> int:
    try:
        year = int(request.GET.get("tahun", ""))
    except ValueError:
        return default_year()
    return year if 2020 <= year <= 2100 else default_year()


def _own_region(actor) -> str:
    prefixes = actor.scope.prefixes
    return prefixes[0] if prefixes else ""


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    year = _year(request)
    plans = list(selectors.plans_for(actor).filter(year=year).order_by("region_id", "-id")[:50])
    allocations = list(selectors.allocations_for(actor).filter(year=year).order_by("region_id", "-document_date")[:50])
    return render(request, "budget/index.html", {
        "year": year, "plans": plans, "allocations": allocations, "can_budget": services.can_budget(actor),
    })  # fmt: skip


# --- the simulator -------------------------------------------------------------------------------------------------


def _bars(items: list[tuple[str, int]]) -> list[dict]:
    """Rows of a server-side bar chart: label, value, width in per cent of the largest."""
    top = max((v for _, v in items), default=0) or 1
    return [{"label": label, "value": v, "width": round(v * 100 / top, 1)} for label, v in items]


@login_required
def simulate(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    data = request.POST if request.method == "POST" else (request.GET if "region" in request.GET else None)
    initial = {"region": _own_region(actor)}
    plan_id = request.GET.get("rencana")
    if data is None and plan_id:
        plan = selectors.get_plan(actor, plan_id)
        latest = selectors.versions_of(actor, plan).last()
        initial = SimulatorForm.initial_from(plan.region_id, latest.inputs if latest else {}, plan.pk)
        initial["title"] = plan.title
    form = SimulatorForm(data, initial=initial)
    estimate = error = None
    context: dict = {}
    if data is not None and form.is_valid():
        d = form.cleaned_data
        region = d["region"].strip()
        targets = form.targets(region)
        try:
            if request.method == "POST":
                version = services.save_plan(
                    actor, region_code=region, year=d["year"], targets=targets, programmes=d["programmes"],
                    include_enrolled=d["include_enrolled"], title=d["title"], note=d["note"], plan_id=d["plan"],
                )  # fmt: skip
                messages.success(request, _("Versi %(n)s rencana disimpan.") % {"n": version.number})
                return redirect("budget:plan", plan_id=version.plan_id)
            estimate = services.simulate(
                actor, region_code=region, year=d["year"], targets=targets, programmes=d["programmes"],
                include_enrolled=d["include_enrolled"],
            )  # fmt: skip
        except PricingError as exc:
            error = exc.message
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        if estimate is not None:
            context["region"] = Region.objects.filter(code=region).first()
            context["chart"] = _bars([(date_format(m, "M"), a) for m, a in estimate.months])
            context["month_rows"] = [(rules_month_name(m), a) for m, a in estimate.months]
            context["can_save"] = services.can_budget(actor, region)
            if d.get("amount"):
                context["buys"] = _buys(d["amount"], d["year"], rules.DEFAULT_PRIORITY, targets, region)
    return render(request, "budget/simulate.html", {
        "form": form, "estimate": estimate, "error": error, "category_labels": rules.CATEGORY_LABELS,
        "source_labels": rules.SOURCE_LABELS, **context,
    })  # fmt: skip


def rules_month_name(day) -> str:
    return date_format(day, "F Y")


def _dots(n: int) -> str:
    """1200 → 1.200 (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")


# --- what a budget buys -------------------------------------------------------------------------------------------


def _buys(amount: int, year: int, order: tuple[str, ...], targets=None, region: str = "") -> dict:
    """People per category a whole amount protects under each programme set, and the prioritised fill."""
    from sijaga.budget.pricing import per_person_year

    rates = contributions.current_table()
    incomes = {t.category: t.income for t in targets} if targets else {}
    wanted = {t.category: t.people for t in targets if t.people} if targets else {}
    sets = []
    for programmes in rules.PROGRAMME_SETS:
        costs = {}
        for c in rules.CATEGORIES:
            default = rules.CATEGORY_DEFAULTS[c]
            costs[c] = per_person_year(default.segment, programmes, incomes.get(c, default.income), year, rates)
        shares, left = rules.allocate(amount, costs, {c: wanted.get(c) for c in order}, order)
        sets.append({
            "programmes": " + ".join(p.upper() for p in programmes),
            "alone": [(rules.CATEGORY_LABELS[c], costs[c], rules.affordable(amount, costs[c])) for c in order],
            "shares": [(rules.CATEGORY_LABELS[s.category], s.people, s.spend) for s in shares],
            "people": sum(s.people for s in shares),
            "left": left,
            "chart": _bars([(str(rules.CATEGORY_LABELS[s.category]), s.people) for s in shares]),
        })  # fmt: skip
    first = sets[0]
    parts = [f"{_dots(people)} {str(label).lower()}" for label, people, _spend in first["shares"] if people]
    explanation = _(
        "Dengan pagu %(amount)s untuk tahun %(year)s dan program %(programmes)s, anggaran ini melindungi "
        "%(people)s orang menurut urutan prioritas: %(parts)s; sisa %(left)s."
    ) % {"amount": rupiah(amount), "year": year, "programmes": first["programmes"],
         "people": _dots(first["people"]), "parts": ", ".join(parts) or "—",
         "left": rupiah(first["left"])}  # fmt: skip
    return {"amount": amount, "sets": sets, "explanation": explanation, "wanted": bool(wanted)}


@login_required
def buys(request: HttpRequest) -> HttpResponse:
    form = BuysForm(request.GET or None)
    result = error = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            result = _buys(d["amount"], d["year"], d["order"])
        except PricingError as exc:
            error = exc.message
    return render(request, "budget/buys.html", {"form": form, "result": result, "error": error})


# --- plans -----------------------------------------------------------------------------------------------------------


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id)
    versions = list(selectors.versions_of(actor, plan))
    return render(request, "budget/plan.html", {
        "plan": plan, "versions": versions, "latest": versions[-1] if versions else None,
        "events": list(selectors.events_of(actor, plan=plan)), "can_budget": services.can_budget(actor, plan.region_id),
        "category_labels": rules.CATEGORY_LABELS, "source_labels": rules.SOURCE_LABELS,
    })  # fmt: skip


# --- allocations -------------------------------------------------------------------------------------------------


@login_required
def allocation_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not services.can_budget(actor):
        raise PermissionDenied
    initial = {"region": _own_region(actor)}
    version_id = request.GET.get("versi")
    if version_id:
        from sijaga.budget.models import PlanVersion

        version = PlanVersion.objects.visible_to(actor).select_related("plan").filter(pk=version_id).first()
        if version is not None:
            level = rules.region_level(version.plan.region_id)
            initial.update(region=version.plan.region_id, year=version.plan.year, amount=version.total,
                           plan_version=version.pk, document_type=rules.document_types_for(level)[0])  # fmt: skip
    form = AllocationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            allocation = services.record_allocation(
                actor, region_code=d["region"].strip(), year=d["year"], document_type=d["document_type"],
                document_number=d["document_number"], document_date=d["document_date"],
                account_code=d["account_code"], amount=d["amount"], evidence=d.get("evidence"),
                plan_version_id=d.get("plan_version"),
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("Alokasi anggaran dicatat."))
            return redirect("budget:allocation", allocation_id=allocation.pk)
    return render(request, "budget/allocation_form.html", {"form": form})


@login_required
def allocation_detail(request: HttpRequest, allocation_id: int) -> HttpResponse:
    actor = actor_of(request)
    allocation = selectors.get_allocation(actor, allocation_id)
    realisation = selectors.realisation(actor, allocation.region_id, allocation.year)
    chart = _bars([(str(m), realisation.by_month.get(m, 0)) for m in range(1, 13)])
    return render(request, "budget/allocation.html", {
        "allocation": allocation, "realisation": realisation, "chart": chart,
        "events": list(selectors.events_of(actor, allocation=allocation)),
        "can_verify": services.can_verify(actor, allocation), "review_form": ReviewForm(),
    })  # fmt: skip


@login_required
@require_POST
def allocation_review(request: HttpRequest, allocation_id: int) -> HttpResponse:
    actor = actor_of(request)
    allocation = selectors.get_allocation(actor, allocation_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih verifikasi atau tolak."))
        return redirect("budget:allocation", allocation_id=allocation.pk)
    try:
        services.review_allocation(actor, allocation, approve=form.cleaned_data["decision"] == "verify",
                                   reason=form.cleaned_data["reason"])  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Alokasi ditinjau."))
    return redirect("budget:allocation", allocation_id=allocation.pk)


@login_required
def allocation_evidence(request: HttpRequest, allocation_id: int) -> FileResponse:
    actor = actor_of(request)
    allocation = selectors.get_allocation(actor, allocation_id)
    try:
        fh, name, content_type = services.open_evidence(actor, allocation)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(fh, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the lists ---------------------------------------------------------------------------------------------------


def _list_rows(request, actor):
    year = _year(request)
    which = request.GET.get("daftar", "belum")
    if which not in presenters.LISTS:
        which = "belum"
    parent = (request.GET.get("induk") or "").strip() or None
    rows = selectors.budget_status(actor, year, parent=parent)
    rows = [r for r in rows if presenters.LISTS[which][1](r)]
    return year, which, parent, rows


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    year, which, parent, rows = _list_rows(request, actor)
    query = request.GET.urlencode()
    return render(request, "budget/lists.html", {
        "year": year, "which": which, "parent": parent or "", "rows": rows[:1000], "count": len(rows),
        "lists": [(key, label) for key, (label, _test) in presenters.LISTS.items()], "query": query,
        "xlsx": reverse("budget:lists_export", args=["xlsx"]) + "?" + query,
        "json": reverse("budget:lists_export", args=["json"]) + "?" + query,
        "csv": reverse("budget:lists_export", args=["csv"]) + "?" + query,
    })  # fmt: skip


@login_required
def lists_export(request: HttpRequest, fmt: str) -> HttpResponse:
    actor = actor_of(request)
    year, which, _parent, rows = _list_rows(request, actor)
    name = f"anggaran-{which}-{year}"
    if fmt == "json":
        return JsonResponse({"year": year, "list": which, "count": len(rows),
                             "items": [presenters.status_dict(r) for r in rows]})  # fmt: skip
    headers = presenters.headers()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for r in rows:
            writer.writerow([presenters.csv_safe(v) for v in presenters.status_row(r)])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        from sijaga.core.xlsx import write_table

        out, _n = write_table(headers, presenters.WIDTHS, presenters.KINDS, (presenters.status_row(r) for r in rows),
                              sheet=name)  # fmt: skip
        return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx")
    raise Http404
