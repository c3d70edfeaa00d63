from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sijaga.accounts.services import client_ip, scope_for
from sijaga.enrollment import services
from sijaga.enrollment.forms import AddMembershipForm, EnrolForm, StatusForm
from sijaga.regions import services as regions
from sijaga.registry import services as registry


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = {"domicile_id": "domicile", "to_status": None}.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.can_write:
        raise PermissionDenied
    payers = services.payers_for(request.user).filter(is_active=True)
    form = EnrolForm(request.POST or None, payers=payers)
    existing = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        worker_data = {k: d[k] for k in ("nik", "full_name", "birth_date", "gender", "phone", "category", "occupation")}
        worker_data["domicile_id"] = d["domicile"]
        try:
            result = services.enrol(
                request.user,
                payer_id=d["payer"],
                segment=d["segment"],
                programmes=d["programmes"],
                wage=d["wage"],
                start_date=d["start_date"],
                worker_data=worker_data,
                submission_key=d.get("submission_key") or None,
            )
        except registry.DuplicateNik as exc:
            existing = exc.existing  # shown once, as a banner with a link (not again as a field error)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("Di luar wilayah tugas Anda."))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            m = result.membership
            if result.created:
                messages.success(request, _("Kepesertaan %(n)s terdaftar.") % {"n": m.number})
            return redirect("registry:detail", pk=m.worker_id)
    existing_visible = bool(existing) and registry.visible_workers(request.user).filter(pk=existing.pk).exists()
    domicile_region = regions.get_region(form["domicile"].value()) if form["domicile"].value() else None
    return render(
        request,
        "enrollment/enrol.html",
        {
            "form": form,
            "existing": existing,
            "existing_visible": existing_visible,
            "has_payers": payers.exists(),
            "domicile_region": domicile_region,
        },
    )


@login_required
def add_membership(request: HttpRequest, worker_pk: int) -> HttpResponse:
    try:
        worker = registry.get_worker(request.user, worker_pk, ip=client_ip(request))
    except registry.WorkerNotFound as exc:
        raise Http404 from exc
    if not scope_for(request.user).can_write:
        raise PermissionDenied
    form = AddMembershipForm(request.POST or None, payers=services.payers_for(request.user).filter(is_active=True))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.enrol(
                request.user,
                worker=worker,
                payer_id=d["payer"],
                segment=d["segment"],
                programmes=d["programmes"],
                wage=d["wage"],
                start_date=d["start_date"],
                submission_key=d.get("submission_key") or None,
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if result.created:
                messages.success(request, _("Kepesertaan %(n)s terdaftar.") % {"n": result.membership.number})
            return redirect("registry:detail", pk=worker.pk)
    return render(request, "enrollment/add_membership.html", {"form": form, "worker": worker})


@login_required
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        membership = services.get_membership(request.user, pk)
    except services.MembershipNotFound as exc:
        raise Http404 from exc
    form = StatusForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.change_status(
                request.user,
                membership,
                d["to_status"],
                reason=d["reason"],
                end_reason=d.get("end_reason") or "",
                end_date=d.get("end_date"),
            )
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
    try:
        membership = services.get_membership(request.user, pk)
        pdf = services.card_pdf(request.user, membership)
    except services.MembershipNotFound as exc:
        raise Http404 from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kartu-{membership.number}.pdf"'
    return response


@login_required
def payer_list(request: HttpRequest) -> HttpResponse:
    return render(request, "enrollment/payer_list.html", {"payers": services.payers_for(request.user)})


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public page behind the card's QR code: status and masked data only, no login."""
    data = services.public_verification(token)
    response = render(request, "enrollment/verify.html", {"data": data}, status=200 if data else 404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
