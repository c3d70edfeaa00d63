"""Pages: the rates in force for a month (public regulation) and a calculator for one line (logged in)."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.contributions import selectors
from sijaga.contributions.calculate import ContributionError, Terms, contribution
from sijaga.contributions.forms import CalculatorForm
from sijaga.contributions.rates import SEGMENTS
from sijaga.core.periods import Month
from sijaga.enrollment.models import Segment
from sijaga.enrollment.rules import PROGRAMME_NAMES


def _month(request: HttpRequest) -> Month:
    text = request.GET.get("bulan", "").strip()
    if text:
        try:
            return Month.parse(text)
        except ValueError:
            messages.error(request, _("Bulan tidak sah; tulis 2026-03 atau 03/2026."))
    return Month.of(timezone.localdate())


def rates(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    rows = list(selectors.rates_in_force(month))
    rows.sort(key=lambda r: SEGMENTS.index(r.segment))
    labels = dict(Segment.choices)
    groups = [(labels.get(segment, segment), list(items)) for segment, items in groupby(rows, key=lambda r: r.segment)]
    return render(
        request,
        "contributions/rates.html",
        {
            "month": month,
            "prev": month.prev(),
            "next": month.next(),
            "groups": groups,
            "programme_names": PROGRAMME_NAMES,
            "unverified": sum(not r.verified for r in rows),
            "history": list(selectors.history(20)) if request.user.is_authenticated else [],
        },
    )


@login_required
def calculator(request: HttpRequest) -> HttpResponse:
    form = CalculatorForm(request.GET or None)
    result = error = None
    used = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        terms = Terms(
            segment=d["segment"],
            programmes=frozenset(d["programmes"]),
            wage=d["wage"],
            risk_class=d["risk_class"],
            labour_intensive=d["labour_intensive"],
            contract_value=d["contract_value"],
        )
        try:
            result = contribution(terms, d["bulan"], selectors.current_table())
            used = selectors.rates_by_id(result.rate_ids)
        except ContributionError as exc:
            error = exc.message
    return render(
        request,
        "contributions/calculator.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "rates_used": [used[i] for i in (result.rate_ids if result else ()) if i in used],
            "programme_names": PROGRAMME_NAMES,
        },
    )
