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
from sijaga.contributions.rates import PROGRAMMES, SEGMENTS
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


# --- bills, payments and arrears (scoped) ----------------------------------------------------------------------------


def _wage_visible(actor) -> bool:
    """Contribution amounts reveal the wage: shown to the roles that see the wage (`enrollment.presenters`)."""
    from sijaga.enrollment.presenters import MEMBERSHIP_POLICY

    return MEMBERSHIP_POLICY.visible(actor, "wage")


def contributions_panel(request, actor, worker) -> dict:
    """The worker page's contributions panel (registered in `apps.py`): billed months, amounts and bill status."""
    lines = list(
        selectors.lines_for(actor)
        .filter(membership__worker=worker)
        .select_related("bill", "membership")
        .order_by("-month", "membership_id", "revision")[:36]
    )
    return {"lines": lines, "show_amounts": _wage_visible(actor)}


def _statement_target(request, payer_id: int, month: str):
    """(actor, payer, month) of a statement: the payer visible (else 404), amounts visible to the role (else 403)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from sijaga.accounts.middleware import actor_of
    from sijaga.enrollment.models import Payer

    actor = actor_of(request)
    payer = Payer.objects.visible_to(actor).select_related("region").filter(pk=payer_id).first()
    if payer is None:
        raise Http404
    if not _wage_visible(actor):
        raise PermissionDenied
    try:
        wanted = Month.parse(month)
    except ValueError:
        raise Http404 from None
    return actor, payer, wanted


@login_required
def statement_pdf(request: HttpRequest, payer_id: int, month: str) -> HttpResponse:
    """A payer's monthly statement (tagihan) as PDF, with its arrears list (`statements.py`)."""
    from sijaga.contributions.statements import statement_pdf as render_pdf

    actor, payer, wanted = _statement_target(request, payer_id, month)
    response = HttpResponse(render_pdf(actor, payer, wanted), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tagihan-{payer.code}-{wanted}.pdf"'
    return response


@login_required
def statement(request: HttpRequest, payer_id: int, month: str) -> HttpResponse:
    """A payer's monthly statement (tagihan) as XLSX: one row per bill line, then the total."""
    from django.http import FileResponse

    from sijaga.accounts.services import audit
    from sijaga.core.xlsx import write_table

    actor, payer, wanted = _statement_target(request, payer_id, month)
    lines = (
        selectors.lines_for(actor)
        .filter(bill__payer=payer, month=wanted.first_day)
        .select_related("membership__worker")
        .order_by("membership__number", "revision")
    )
    headers = [_("Nomor kepesertaan"), _("Nomor KPJ"), _("Nama"), _("Jenis"),
               *[p.upper() for p in PROGRAMMES], _("Pemberi kerja"), _("Pekerja"), _("Jumlah")]  # fmt: skip
    kinds = ["text", "text", "text", "text", *["money"] * len(PROGRAMMES), "money", "money", "money"]
    widths = [16, 16, 30, 14, *[12] * len(PROGRAMMES), 14, 14, 14]

    def rows():
        total = 0
        for line in lines.iterator(chunk_size=2000):
            total += line.total
            yield [line.membership.number, line.membership.kpj or "", line.membership.worker.full_name,
                   line.get_kind_display(),
                   *[getattr(line, f"{p}_employer") + getattr(line, f"{p}_worker") for p in PROGRAMMES],
                   line.employer, line.worker, line.total]  # fmt: skip
        yield ["", "", str(_("Jumlah tagihan")), "", *[None] * len(PROGRAMMES), None, None, total]

    out, n = write_table(headers, widths, kinds, rows(), sheet=f"Tagihan {wanted}")
    audit(actor, "export", "bill", f"{payer.pk}:{wanted}", count=max(n - 1, 0))
    return FileResponse(out, as_attachment=True, filename=f"tagihan-{payer.code}-{wanted}.xlsx")


@login_required
def arrears(request: HttpRequest) -> HttpResponse:
    """Memberships in arrears in the user's scope: unpaid months and amount, most months first."""
    from django.db.models import Count, F, Sum

    from sijaga.accounts.middleware import actor_of
    from sijaga.accounts.services import audit

    actor = actor_of(request)
    lines = selectors.lines_for(actor).filter(bill__paid__lt=F("bill__total"))
    payer = None
    if (wanted := request.GET.get("pembayar", "")).isdigit() and len(wanted) < 12:
        from sijaga.enrollment.models import Payer

        payer = Payer.objects.visible_to(actor).filter(pk=int(wanted)).first()
        lines = lines.filter(bill__payer=payer) if payer is not None else lines.none()
    rows = list(
        lines
        .values("membership_id", "membership__number", "membership__kpj", "membership__worker__full_name",
                "membership__payer_id", "membership__payer__name", "membership__status")
        .annotate(months=Count("month", distinct=True), amount=Sum("total"))
        .filter(amount__gt=0)
        .order_by("-months", "membership__number")[:200]
    )  # fmt: skip
    audit(actor, "search", "arrears", count=len(rows))
    month = Month.of(timezone.localdate())
    return render(request, "contributions/arrears.html",
                  {"rows": rows, "show_amounts": _wage_visible(actor), "payer": payer, "month": month})  # fmt: skip


@login_required
def record_payment(request: HttpRequest) -> HttpResponse:
    """Record a payment of a payer the user may use (the same service as the API and the payment file)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.shortcuts import redirect

    from sijaga.accounts.middleware import actor_of
    from sijaga.contributions import payments
    from sijaga.contributions.forms import PaymentForm
    from sijaga.enrollment.selectors import usable_payers

    actor = actor_of(request)
    if not actor.can_write:
        raise PermissionDenied
    form = PaymentForm(request.POST or None, payers=usable_payers(actor))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = payments.record_payment(actor, payer_id=d["payer"].pk, amount=d["amount"], paid_on=d["paid_on"],
                                             reference=d["reference"], source="web")  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error("payer", str(exc))
        else:
            if result.created:
                from lokal import format_rupiah

                amounts = {"a": format_rupiah(result.allocated), "c": format_rupiah(result.credit)}
                messages.success(request, _("Pembayaran dicatat: %(a)s dialokasikan, kredit %(c)s.") % amounts)
            else:
                messages.info(request, _("Referensi ini sudah dicatat; tidak dihitung dua kali."))
            return redirect("contributions:pay")
    return render(request, "contributions/pay.html", {"form": form})


# --- a region's billed, paid and arrears ------------------------------------------------------------------------------


def _region_actor(request, code: str):
    """The actor when the region page may show its money: logged in and the region entirely in scope."""
    from sijaga.accounts.middleware import actor_of

    if not request.user.is_authenticated:
        return None
    actor = actor_of(request)
    return actor if actor.covers(code) else None


def region_panel(request, region) -> dict | None:
    """The region page's panel (registered in `apps.py`): billed, paid and arrears in Rupiah, for users whose scope
    holds the whole region (the page itself is public: nobody else sees a figure)."""
    actor = _region_actor(request, region.code)
    if actor is None:
        return None
    return {"region": region, **selectors.region_money(actor, region.code)}


def region_summary(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The same figures as the region panel, as JSON or CSV (one row per month, then the total)."""
    import csv
    import io

    from django.http import Http404, JsonResponse

    from sijaga.accounts.services import audit
    from sijaga.regions.models import Region

    actor = _region_actor(request, code)
    region = Region.objects.filter(code=code).first() if actor is not None and fmt in ("json", "csv") else None
    if region is None:
        raise Http404
    money = selectors.region_money(actor, region.code, months=120)
    audit(actor, "export", "region_bills", region.code, count=len(money["months"]))
    keys = ("billed", "paid", "arrears", "payers", "bills")
    if fmt == "json":
        return JsonResponse({
            "region": region.code, "name": region.name, "totals": money["totals"],
            "months": [{"month": str(r["month"]), **{k: r[k] for k in keys}} for r in money["months"]],
        })  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["bulan", "ditagih", "dibayar", "tunggakan", "pembayar", "tagihan"])
    for r in money["months"]:
        writer.writerow([str(r["month"]), *[r[k] for k in keys]])
    writer.writerow(["jumlah", *[money["totals"][k] for k in keys]])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="iuran-wilayah-{region.code}.csv"'
    return response
