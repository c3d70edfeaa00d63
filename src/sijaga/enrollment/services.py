"""Enrolment rules: payers, memberships, the status lifecycle, membership cards and public verification."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sijaga.accounts.models import User
from sijaga.accounts.services import Scope, log_access, scope_for
from sijaga.enrollment.models import EndReason, Membership, MembershipEvent, Payer, Status
from sijaga.enrollment.rules import JKP_REQUIRES, OPEN_STATUSES, PROGRAMMES, SEGMENT_RULES, TRANSITIONS
from sijaga.registry import services as registry
from sijaga.registry.models import Worker


class MembershipNotFound(Exception):
    """A membership that does not exist or is outside the user's scope (indistinguishable on purpose)."""


def _scope(user: User | Scope | None) -> Scope:
    return user if isinstance(user, Scope) else scope_for(user)


def programme_errors(segment: str, programmes: Iterable[str]) -> list[str]:
    """Why a programme choice is not allowed for a segment (empty when it is)."""
    chosen = set(programmes)
    rule = SEGMENT_RULES.get(segment)
    if rule is None:
        return [_("Segmen kepesertaan tidak dikenal.")]
    errors = []
    unknown = chosen - set(PROGRAMMES)
    if unknown:
        errors.append(_("Program tidak dikenal: %(p)s.") % {"p": ", ".join(sorted(unknown))})
    missing = rule.required - chosen
    if missing:
        errors.append(
            _("JKK dan JKM wajib diikuti sejak pendaftaran pertama (kurang: %(p)s).")
            % {"p": ", ".join(p.upper() for p in sorted(missing))}
        )
    for p in sorted((chosen & set(PROGRAMMES)) - rule.allowed):
        if p == "jp" and segment == "bpu":
            errors.append(_("JP hanya untuk peserta penerima upah (PU); segmen BPU tidak dapat memilih JP."))
        elif p == "jkp" and segment != "pu":
            errors.append(_("JKP hanya untuk peserta penerima upah (PU) (PP 37/2021)."))
        else:
            errors.append(
                _("Program %(p)s tidak tersedia untuk segmen %(s)s.") % {"p": p.upper(), "s": segment.upper()}
            )
    if "jkp" in chosen and segment == "pu" and not chosen >= JKP_REQUIRES:
        errors.append(_("JKP mensyaratkan kepesertaan JKK, JKM dan JHT (PP 37/2021 pasal 4)."))
    return errors


# --- scoped querysets -------------------------------------------------------------------------------------------


def payers_for(user: User | Scope | None) -> QuerySet[Payer]:
    return _scope(user).filter(Payer.objects.select_related("region"), "region__code")


def memberships_for(user: User | Scope | None) -> QuerySet[Membership]:
    """Memberships whose payer or whose worker's domicile is in scope."""
    scope = _scope(user)
    qs = Membership.objects.select_related("payer__region", "worker")
    return scope.filter(qs, "payer__region__code", "worker__domicile__code")


def worker_ids_enrolled_in_scope(scope: Scope) -> QuerySet:
    return Membership.objects.filter(scope.q("payer__region__code")).values("worker_id")


def worker_ids_with_status(status: str) -> QuerySet:
    return Membership.objects.filter(status=status).values("worker_id")


def get_membership(user: User, pk: int) -> Membership:
    try:
        return memberships_for(user).get(pk=pk)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise MembershipNotFound(pk) from exc


def memberships_of(user: User, worker: Worker) -> QuerySet[Membership]:
    return memberships_for(user).filter(worker=worker).prefetch_related("events__by")


# --- payers ------------------------------------------------------------------------------------------------------


def create_payer(user: User, data: dict[str, Any]) -> Payer:
    scope = scope_for(user)
    region = data.get("region_id") or getattr(data.get("region"), "code", data.get("region"))
    if not scope.can_write or not scope.covers(region):
        raise PermissionDenied(_("Wilayah pembayar berada di luar wilayah tugas Anda."))
    payer = Payer(
        code=data["code"],
        name=data["name"],
        kind=data["kind"],
        region_id=region,
        funding_source=data["funding_source"],
        npp=data.get("npp", ""),
    )
    payer.full_clean()
    payer.save()
    return payer


# --- enrolment and lifecycle -------------------------------------------------------------------------------------


@dataclass
class EnrolResult:
    membership: Membership
    created: bool


def _new_token() -> str:
    return secrets.token_urlsafe(18)[:24]


def enrol(
    user: User,
    *,
    payer_id: int,
    segment: str,
    programmes: Iterable[str],
    wage: int,
    start_date: dt.date,
    worker: Worker | None = None,
    worker_data: dict[str, Any] | None = None,
    submission_key: str | None = None,
    channel: str = "web",
) -> EnrolResult:
    """Enrol an existing or a new worker with a payer in the user's scope, in one transaction.

    `submission_key` makes the call idempotent: a double-submitted form or a retried API call returns the
    membership the first call created.
    """
    scope = scope_for(user)
    if not scope.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mendaftarkan kepesertaan."))
    if submission_key:
        done = Membership.objects.filter(submission_key=submission_key).first()
        if done is not None:
            if not memberships_for(scope).filter(pk=done.pk).exists():
                raise PermissionDenied(_("Kunci pengiriman sudah dipakai."))
            return EnrolResult(done, created=False)
    payer = payers_for(scope).filter(pk=payer_id, is_active=True).first()
    if payer is None:
        raise PermissionDenied(_("Pembayar iuran tidak ditemukan di wilayah tugas Anda."))
    chosen = [p for p in PROGRAMMES if p in set(programmes)]
    errors = programme_errors(segment, chosen)
    if errors:
        raise ValidationError({"programmes": errors})
    if isinstance(wage, bool) or not isinstance(wage, int):
        raise ValidationError({"wage": [_("Upah harus bilangan bulat Rupiah.")]})
    try:
        with transaction.atomic():
            if worker is None:
                if worker_data is None:
                    raise ValidationError(_("Data tenaga kerja wajib diisi."))
                worker = registry.create_worker(user, worker_data, channel=channel, domicile_checked_by_caller=True)
            if Membership.objects.filter(worker=worker, payer=payer, status__in=OPEN_STATUSES).exists():
                raise ValidationError(
                    {"payer": [_("Tenaga kerja ini sudah memiliki kepesertaan aktif/terdaftar pada pembayar ini.")]}
                )
            now = timezone.now()
            membership = Membership(
                worker=worker,
                payer=payer,
                segment=segment,
                wage=wage,
                start_date=start_date,
                status=Status.REGISTERED,
                status_changed_at=now,
                verify_token=_new_token(),
                submission_key=submission_key or None,
                created_by=user,
                **{p: p in chosen for p in PROGRAMMES},
            )
            # Database constraints are checked by the database itself; clean() gives the readable messages first.
            membership.full_clean(
                exclude=["worker", "payer", "verify_token"], validate_unique=False, validate_constraints=False
            )
            membership.save()
            membership.number = f"{start_date:%y}{membership.pk:09d}"
            membership.save(update_fields=["number"])
            MembershipEvent.objects.create(
                membership=membership, at=now, by=user, from_status="", to_status=Status.REGISTERED,
                reason=_("Pendaftaran kepesertaan"),
            )  # fmt: skip
    except IntegrityError as exc:
        if submission_key and (done := Membership.objects.filter(submission_key=submission_key).first()):
            return EnrolResult(done, created=False)
        raise ValidationError(_("Kepesertaan ganda ditolak: %(e)s") % {"e": exc}) from exc
    log_access(user, "create", "membership", membership.pk, channel=channel)
    return EnrolResult(membership, created=True)


def change_status(
    user: User,
    membership: Membership,
    to_status: str,
    *,
    reason: str,
    end_reason: str = "",
    end_date: dt.date | None = None,
    channel: str = "web",
) -> Membership:
    """Move a membership along its lifecycle; writes one history event. History is never rewritten."""
    scope = scope_for(user)
    if not scope.can_change_status:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah status kepesertaan."))
    if not memberships_for(scope).filter(pk=membership.pk).exists():
        raise MembershipNotFound(membership.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Alasan perubahan status wajib diisi.")]})
    with transaction.atomic():
        current = Membership.objects.select_for_update().get(pk=membership.pk)
        if to_status not in TRANSITIONS.get(current.status, frozenset()):
            raise ValidationError(
                {
                    "to_status": [
                        _("Status %(a)s tidak dapat diubah menjadi %(b)s.")
                        % {
                            "a": current.get_status_display(),
                            "b": Status(to_status).label if to_status in Status.values else to_status,
                        }
                    ]
                }
            )
        if to_status == Status.ENDED:
            if end_reason not in EndReason.values:
                raise ValidationError({"end_reason": [_("Pilih alasan berakhirnya kepesertaan.")]})
            current.end_reason = end_reason
            current.end_date = end_date or timezone.localdate()
            if current.end_date < current.start_date:
                raise ValidationError({"end_date": [_("Tanggal berakhir sebelum tanggal mulai.")]})
            if current.end_date > timezone.localdate():
                raise ValidationError({"end_date": [_("Tanggal berakhir tidak boleh di masa depan.")]})
        now = timezone.now()
        previous = current.status
        current.status = to_status
        current.status_changed_at = now
        current.save(update_fields=["status", "status_changed_at", "end_reason", "end_date"])
        MembershipEvent.objects.create(
            membership=current, at=now, by=user, from_status=previous, to_status=to_status, reason=reason[:300],
            end_reason=end_reason if to_status == Status.ENDED else "",
        )  # fmt: skip
    log_access(user, "update", "membership", current.pk, channel=channel)
    return current


def allowed_transitions(membership: Membership) -> list[tuple[str, str]]:
    return [(s, Status(s).label) for s in Status.values if s in TRANSITIONS[membership.status]]


# --- proof of membership -----------------------------------------------------------------------------------------


def verification_url(membership: Membership) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.PUBLIC_URL + reverse("verify", args=[membership.verify_token])


def public_verification(token: str) -> dict[str, Any] | None:
    """What anyone holding the card's QR may see: status and masked data only."""
    if not token or len(token) > 32:
        return None
    m = Membership.objects.select_related("worker", "payer").filter(verify_token=token).first()
    if m is None:
        return None
    name = m.worker.full_name.split()
    masked_name = " ".join(w[0] + "*" * (len(w) - 1) if i else w for i, w in enumerate(name))
    return {
        "number": m.number,
        "name": masked_name,
        "nik": registry.mask_nik(m.worker.nik),
        "status": m.status,
        "status_label": m.get_status_display(),
        "programmes": [p.upper() for p in m.programmes],
        "payer": m.payer.name,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "checked_at": timezone.localtime(),
    }


def card_pdf(user: User, membership: Membership, *, channel: str = "web") -> bytes:
    """An ID-card-sized (85.6 × 54 mm) PDF with a QR code linking to the public verification page."""
    import segno
    from django.template.loader import render_to_string
    from weasyprint import HTML

    m = get_membership(user, membership.pk)
    url = verification_url(m)
    qr = segno.make(url, error="m")
    with translation.override("id"):  # the card is an Indonesian document whatever the operator's UI language
        html = render_to_string(
            "enrollment/card.html",
            {
                "m": m,
                "masked_nik": registry.mask_nik(m.worker.nik),
                "qr_svg": qr.svg_data_uri(scale=4, border=1),
                "url": url,
                "programmes": [p.upper() for p in m.programmes],
            },
        )
    pdf = HTML(string=html).write_pdf()
    log_access(user, "card", "membership", m.pk, channel=channel)
    return pdf


def status_counts(user: User | Scope | None) -> dict[str, int]:
    """Memberships in scope per status (every status present, zero when none)."""
    from django.db.models import Count

    rows = dict(memberships_for(user).order_by().values_list("status").annotate(n=Count("id")))
    return {s: rows.get(s, 0) for s in Status.values}
