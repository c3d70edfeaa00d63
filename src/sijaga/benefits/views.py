"""Pages: the case list (all, open, overdue) with its exports, benefits paid per region and semester with its
exports, recording a case with its heirs, the case page (claim steps, documents, history), and the panels on the
worker, payer and region pages."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.accounts.middleware import actor_of
from sijaga.accounts.services import audit
from sijaga.benefits import selectors, services
from sijaga.benefits.models import EventType, Outcome, Relation, SchoolLevel
from sijaga.benefits.presenters import CASE_POLICY, HEIR_POLICY, case_row, columns_for, heir_fields
from sijaga.core.periods import Semester
from sijaga.core.xlsx import XLSX_TYPE, write_table

LIST_LIMIT = 500
STATUS_TABS = (("", gettext_lazy("Semua")), ("open", gettext_lazy("Terbuka")),
               ("overdue", gettext_lazy("Terlambat")), ("paid", gettext_lazy("Dibayar")))  # fmt: skip


EXPORT_FORMATS = ("xlsx", "json", "csv")


def _export(fmt: str, name: str, headers: list[str], keys: list[str], kinds: list[str], rows: list[list]):
    """The same rows as XLSX (safe, streamed), JSON or CSV."""
    if fmt == "json":
        items = [dict(zip(keys, r, strict=True)) for r in rows]
        return JsonResponse({"items": items, "count": len(items)}, encoder=DjangoJSONEncoder)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers)
        for r in rows:  # neutralise formula starts, as the XLSX writer does
            writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v for v in r])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    out, _n = write_table(headers, [16] * len(headers), kinds, rows, sheet=name)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)


@login_required
def case_list(request: HttpRequest, fmt: str = "") -> HttpResponse:
    if fmt and fmt not in EXPORT_FORMATS:
        raise Http404
    actor = actor_of(request)
    status = request.GET.get("status", "")
    if status not in dict(STATUS_TABS):
        status = ""
    from sijaga.benefits.api import filtered

    qs = filtered(actor, status).select_related("worker", "payer").order_by("-event_date", "-id")
    cases = list(qs[:LIST_LIMIT])
    audit(actor, "export" if fmt else "search", "benefit_case", count=len(cases))
    if fmt:
        columns = columns_for(actor)
        kinds = ["date" if c.kind == "date" else ("money" if c.kind in ("money", "int") else "text")
                 for c in columns]  # fmt: skip
        rows = [[col.value(c) for col in columns] for c in cases]
        return _export(fmt, "kasus-manfaat", [str(c.label) for c in columns], [c.key for c in columns],
                       kinds, rows)  # fmt: skip
    return render(request, "benefits/case_list.html", {
        "cases": cases, "status": status, "tabs": STATUS_TABS, "limit": LIST_LIMIT,
        "overdue_days": services.overdue_days(), "can_write": actor.can_write,
        "hidden": CASE_POLICY.hidden_fields(actor),
    })  # fmt: skip


@login_required
def paid_report(request: HttpRequest, fmt: str = "") -> HttpResponse:
    """Benefits paid per region in a semester (`core.periods.Semester`, e.g. 2025-S1)."""
    from sijaga.regions.models import Region

    if fmt and fmt not in EXPORT_FORMATS:
        raise Http404
    actor = actor_of(request)
    text = request.GET.get("semester", "")
    try:
        semester = Semester.parse(text) if text else Semester.of(timezone.localdate())
    except ValueError:
        semester = Semester.of(timezone.localdate())
        messages.error(request, _("Semester tidak sah; tulis 2025-S1 atau 2025-S2."))
    sums = selectors.benefits_paid(actor, start=semester.first_day, end=semester.last_day)
    names = dict(Region.objects.filter(code__in=list(sums)).values_list("code", "name"))
    rows = [[code, names.get(code, ""), n, amount] for code, (n, amount) in sorted(sums.items())]
    if fmt:
        return _export(fmt, f"manfaat-dibayar-{semester}", [_("Kode wilayah"), _("Wilayah"), _("Kasus dibayar"),
                       _("Jumlah dibayar")], ["region", "name", "cases", "amount"],
                       ["text", "text", "money", "money"], rows)  # fmt: skip
    return render(request, "benefits/paid.html", {
        "semester": semester, "prev": semester.prev(), "next": semester.next(), "rows": rows,
        "total_cases": sum(r[2] for r in rows), "total_amount": sum(r[3] for r in rows),
    })  # fmt: skip


class CaseForm(forms.Form):
    event_type = forms.ChoiceField(label=gettext_lazy("Peristiwa"), choices=EventType.choices)
    outcome = forms.ChoiceField(label=gettext_lazy("Akibat (JKK)"), choices=Outcome.choices, required=False)
    event_date = forms.DateField(label=gettext_lazy("Tanggal kejadian"), widget=forms.DateInput(attrs={"type": "date"}))
    cause = forms.CharField(label=gettext_lazy("Penyebab"), max_length=300)
    place = forms.CharField(label=gettext_lazy("Tempat"), max_length=200, required=False)
    payer = forms.IntegerField(label=gettext_lazy("Pemberi kerja (bila tidak didaftarkan)"), required=False,
                               widget=forms.Select)  # fmt: skip
    wage = forms.IntegerField(label=gettext_lazy("Upah (bila tidak didaftarkan, JKK)"), required=False, min_value=1)
    disability_percent = forms.IntegerField(label=gettext_lazy("Persen cacat (tabel)"), required=False,
                                            min_value=1, max_value=100)  # fmt: skip
    incapacity_months = forms.IntegerField(label=gettext_lazy("Bulan tidak mampu bekerja"), required=False,
                                           min_value=0, max_value=600)  # fmt: skip
    document = forms.FileField(label=gettext_lazy("Dokumen (PDF/gambar, ≤ 20 MB)"), required=False)

    def __init__(self, *args, payers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].widget.choices = [("", "—")] + [(p.pk, p.name) for p in payers]


HEIR_ROWS = 4


def _heirs_from(post) -> list[dict]:
    heirs = []
    for i in range(HEIR_ROWS):
        row = {k: (post.get(f"heir-{i}-{k}") or "").strip() for k in
               ("name", "relation", "nik", "school_level", "bank_name", "account_number")}  # fmt: skip
        if any(row.values()):
            heirs.append(row)
    return heirs


@login_required
def record(request: HttpRequest, worker_pk: int) -> HttpResponse:
    from sijaga.enrollment.selectors import usable_payers
    from sijaga.registry.selectors import get_worker

    actor = actor_of(request)
    worker = get_worker(actor, worker_pk, audit_read=False)  # 404 outside the scope, before 403
    if not actor.can_write:
        raise PermissionDenied
    form = CaseForm(request.POST or None, request.FILES or None, payers=usable_payers(actor).order_by("name")[:200])
    heirs = _heirs_from(request.POST) if request.method == "POST" else []
    heir_errors: dict = {}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.record_case(
                actor, worker_id=worker.pk, event_type=d["event_type"], outcome=d["outcome"] or "",
                event_date=d["event_date"], cause=d["cause"], place=d["place"], payer_id=d["payer"],
                wage=d["wage"], heirs=heirs, disability_percent=d["disability_percent"],
                incapacity_months=d["incapacity_months"],
            )  # fmt: skip
        except services.DuplicateCase as exc:
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            for key, msgs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                if key.startswith("heirs"):
                    heir_errors[key] = msgs
                    form.add_error(None, f"{_('Ahli waris')} {key.split('.')[1] if '.' in key else ''}: "
                                         + " ".join(msgs))  # fmt: skip
                else:
                    form.add_error(key if key in form.fields else None, msgs)
        except PermissionDenied as exc:
            form.add_error("payer", str(exc))
        else:
            upload = d.get("document")
            if upload:
                try:
                    services.attach_document(actor, case.pk, label=_("Dokumen pencatatan"), name=upload.name,
                                             data=upload.read())  # fmt: skip
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
            messages.success(request, _("Kasus %(n)s dicatat.") % {"n": case.number})
            return redirect("benefits:detail", pk=case.pk)
    rows = [(i, heirs[i] if i < len(heirs) else {}) for i in range(HEIR_ROWS)]
    return render(request, "benefits/record.html", {
        "form": form, "worker": worker, "heir_rows": rows, "relations": Relation.choices,
        "levels": SchoolLevel.choices,
    })  # fmt: skip


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.get_case(actor, pk)
    audit(actor, "view", "benefit_case", case.pk)
    return render(request, "benefits/detail.html", {
        "case": case, "heirs": [heir_fields(actor, h) for h in case.heirs.all()],
        "show_account": HEIR_POLICY.visible(actor, "account_number"),
        "documents": list(case.documents.all()), "events": list(selectors.history(actor, case)),
        "can_claim": actor.can_write or actor.can_change_status, "can_write": actor.can_write,
        "today": timezone.localdate(), "row": case_row(actor, case), "hidden": CASE_POLICY.hidden_fields(actor),
        "unverified": (case.detail or {}).get("unverified", []),
    })  # fmt: skip


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@login_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.get_case(actor, pk)  # 404 before 403
    if request.method != "POST":
        return redirect("benefits:detail", pk=case.pk)
    action = request.POST.get("action", "")
    on = _date(request.POST.get("on", "")) or timezone.localdate()
    try:
        if action == "submit":
            services.submit_claim(actor, case.pk, submitted_on=on, claim_number=request.POST.get("claim_number", ""))
        elif action == "decide":
            services.decide_claim(actor, case.pk, decided_on=on, approved=request.POST.get("approved") == "1")
        elif action == "pay":
            raw = request.POST.get("amount", "").replace(".", "").replace(",", "").strip()
            services.record_claim_payment(actor, case.pk, paid_on=on, amount=int(raw) if raw.isdigit() else 0,
                                          paid_to=request.POST.get("paid_to", ""))  # fmt: skip
        elif action == "rejudge":
            services.rejudge(actor, case.pk)
        elif action == "document":
            upload = request.FILES.get("document")
            if upload is None:
                raise ValidationError(_("Pilih berkas."))
            services.attach_document(actor, case.pk, label=request.POST.get("label", ""), name=upload.name,
                                     data=upload.read())  # fmt: skip
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Disimpan."))
    return redirect("benefits:detail", pk=case.pk)


# --- panels on other apps' pages (registered in apps.py) ---------------------------------------------------------


def worker_panel(request, actor, worker) -> dict:
    cases = list(selectors.cases_for(actor).filter(worker=worker).order_by("-event_date")[:10])
    return {"cases": cases, "worker": worker, "can_write": actor.can_write, "hidden": CASE_POLICY.hidden_fields(actor)}


def payer_panel(request, actor, payer) -> dict:
    cases = list(selectors.cases_for(actor).filter(payer=payer).select_related("worker").order_by("-event_date")[:20])
    return {"cases": cases, "exposure": selectors.exposure_of_payer(actor, payer.pk),
            "hidden": CASE_POLICY.hidden_fields(actor)}  # fmt: skip


def region_panel(request, region) -> dict | None:
    actor = actor_of(request)
    if actor.user is None or not (actor.scope.national or any(
        region.code.startswith(p) or p.startswith(region.code) for p in actor.scope.prefixes
    )):  # fmt: skip
        return None
    code = region.code
    exposure = {r: a for r, a in selectors.exposure_by_region(actor).items() if r == code or r.startswith(code + ".")}
    semester = Semester.of(timezone.localdate())
    paid = selectors.benefits_paid(actor, start=semester.prev().first_day, end=semester.last_day)
    paid = {r: v for r, v in paid.items() if r == code or r.startswith(code + ".")}
    return {
        "region": region, "exposure": sum(exposure.values()), "paid_cases": sum(n for n, _a in paid.values()),
        "paid_amount": sum(a for _n, a in paid.values()), "since": semester.prev(),
    }  # fmt: skip
