from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sijaga.accounts.middleware import actor_of
from sijaga.core.public_url import public_base_url
from sijaga.enrollment import selectors, services
from sijaga.enrollment.forms import AddMembershipForm, EnrolForm, PayerForm, StatusForm
from sijaga.enrollment.models import EndReason
from sijaga.enrollment.presenters import MEMBERSHIP_POLICY
from sijaga.regions import services as regions
from sijaga.registry import selectors as registry_selectors
from sijaga.registry import services as registry


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = {"domicile_id": "domicile", "region_id": "region", "to_status": None}.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _bind(form_class, request: HttpRequest, **kwargs):
    """(form, searching): the "Cari" button of the payer picker without JavaScript posts the form back only to
    search; the page then answers with the same values, the options found, and no validation errors."""
    if request.method == "POST" and "_search_payer" in request.POST:
        post = request.POST
        initial = {k: post.getlist(k) if k == "programmes" else post.get(k) for k in post if k != "csrfmiddlewaretoken"}
        return form_class(None, initial=initial, **kwargs), True
    return form_class(request.POST or None, **kwargs), False


@login_required
def payer_options(request: HttpRequest) -> HttpResponse:
    """The payer picker's options (htmx): at most 20 usable payers matching the words typed, the chosen one kept."""
    from sijaga.enrollment.forms import payer_option

    actor = actor_of(request)
    found, hint = selectors.search_payers(actor, request.GET.get("payer_q", ""))
    options = [payer_option(p) for p in found]
    selected = request.GET.get("payer", "")
    if selected.isdigit() and all(str(o[0]) != selected for o in options):
        options = [payer_option(p) for p in selectors.usable_payers(actor).filter(pk=int(selected))] + options
    picker = {"name": "payer", "selected": selected, "options": [(str(v), t, d) for v, t, d in options], "hint": hint}
    return render(request, "picker/_options.html", {"picker": picker})


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.can_write:
        raise PermissionDenied
    payers = selectors.usable_payers(actor)
    form, searching = _bind(EnrolForm, request, payers=payers, actor=actor)
    existing = None
    double_funding = None
    if request.method == "POST" and not searching and form.is_valid():
        d = form.cleaned_data
        worker_data = {k: d[k] for k in ("nik", "full_name", "birth_date", "gender", "phone", "category", "occupation")}
        worker_data["domicile_id"] = d["domicile"]
        try:
            result = services.enrol(
                actor,
                payer_id=d["payer"],
                segment=d["segment"],
                programmes=d["programmes"],
                wage=d["wage"],
                start_date=d["start_date"],
                worker_data=worker_data,
                submission_key=d.get("submission_key") or None,
                confirm_double_funding=d.get("confirm_double_funding", False),
            )
        except registry.DuplicateNik as exc:
            existing = exc.existing  # shown once, as a banner with a link (not again as a field error)
        except services.DoubleFunding as exc:
            double_funding = exc.others
            form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("Di luar wilayah tugas Anda."))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            m = result.membership
            if result.created:
                messages.success(request, _("Kepesertaan %(n)s terdaftar.") % {"n": m.number})
            return redirect("registry:detail", pk=m.worker_id)
    existing_visible = bool(existing) and registry_selectors.visible_workers(actor).filter(pk=existing.pk).exists()
    domicile_region = regions.get_region(form["domicile"].value()) if form["domicile"].value() else None
    return render(
        request,
        "enrollment/enrol.html",
        {
            "form": form,
            "existing": existing,
            "existing_visible": existing_visible,
            "has_payers": payers.exists(),
            "double_funding": double_funding,
            "domicile_region": domicile_region,
        },
    )


@login_required
def add_membership(request: HttpRequest, worker_pk: int) -> HttpResponse:
    actor = actor_of(request)
    worker = registry_selectors.get_worker(actor, worker_pk)
    if not actor.can_write:
        raise PermissionDenied
    form, searching = _bind(AddMembershipForm, request, payers=selectors.usable_payers(actor), actor=actor)
    double_funding = None
    if request.method == "POST" and not searching and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.enrol(
                actor,
                worker=worker,
                payer_id=d["payer"],
                segment=d["segment"],
                programmes=d["programmes"],
                wage=d["wage"],
                start_date=d["start_date"],
                submission_key=d.get("submission_key") or None,
                confirm_double_funding=d.get("confirm_double_funding", False),
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except services.DoubleFunding as exc:
            double_funding = exc.others
            form.add_error(None, exc.messages)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if result.created:
                messages.success(request, _("Kepesertaan %(n)s terdaftar.") % {"n": result.membership.number})
            return redirect("registry:detail", pk=worker.pk)
    return render(
        request, "enrollment/add_membership.html", {"form": form, "worker": worker, "double_funding": double_funding}
    )


@login_required
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    membership = selectors.get_membership(actor, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.change_status(
                actor,
                membership,
                d["to_status"],
                reason=d["reason"],
                end_reason=d.get("end_reason") or "",
                end_date=d.get("end_date"),
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("Peran Anda tidak dapat mengubah status kepesertaan."))
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("Status kepesertaan diperbarui."))
    else:
        for errors in form.errors.values():
            for msg in errors:
                messages.error(request, msg)
    return redirect("registry:detail", pk=membership.worker_id)


@login_required
def card(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    membership = selectors.get_membership(actor, pk)
    pdf = services.card_pdf(actor, membership, base_url=public_base_url(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kartu-{membership.number}.pdf"'
    return response


@login_required
def payer_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "enrollment/payer_list.html",
        {"payers": selectors.payers_for(actor), "can_manage": actor.can_manage_payers},
    )


@login_required
def payer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A payer's facts, its open memberships count and the panels other apps register (`enrollment.panels`)."""
    from sijaga.enrollment.panels import payer_panels

    actor = actor_of(request)
    payer = selectors.get_payer(actor, pk)
    members = selectors.memberships_for(actor).filter(payer=payer, status__in=("registered", "active", "inactive"))
    return render(
        request,
        "enrollment/payer_detail.html",
        {"payer": payer, "open_memberships": members.count(), "can_manage": actor.can_manage_payers
         and actor.covers(payer.region_id), "panels": payer_panels(request, actor, payer)},
    )  # fmt: skip


@login_required
def payer_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Regency operators and above set up the payers of their regions (a village government per desa)."""
    actor = actor_of(request)
    payer = selectors.get_payer(actor, pk) if pk is not None else None  # 404 before 403: existence stays private
    if not actor.can_manage_payers or (payer is not None and not actor.covers(payer.region_id)):
        raise PermissionDenied
    initial = (
        {f: getattr(payer, f) for f in ("code", "name", "kind", "funding_source", "npp", "is_active")} if payer else {}
    )
    if payer:
        initial["region"] = payer.region_id
    form = PayerForm(request.POST or None, initial=initial, editing=payer is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["region_id"] = data.pop("region")
        try:
            save = services.create_payer if payer is None else lambda a, d: services.update_payer(a, payer, d)
            payer = save(actor, data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Pembayar iuran %(n)s disimpan.") % {"n": payer.name})
            return redirect("enrollment:payers")
    return render(request, "enrollment/payer_form.html", {"form": form, "payer": payer})


def memberships_panel(request, actor, worker) -> dict:
    """The worker page's memberships panel (registered into the registry's panels in `apps.py`)."""
    memberships = list(selectors.memberships_of(actor, worker))
    for m in memberships:
        m.transitions = services.allowed_transitions(m)
    return {
        "memberships": memberships,
        "show_wage": MEMBERSHIP_POLICY.visible(actor, "wage"),
        "can_change_status": actor.can_change_status,
        "end_reasons": EndReason.choices,
        "region_code": worker.domicile_id,
    }


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public page behind the card's QR code: status and masked data only, no login."""
    data = services.public_verification(token)
    response = render(request, "enrollment/verify.html", {"data": data}, status=200 if data else 404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
