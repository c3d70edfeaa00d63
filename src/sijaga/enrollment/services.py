"""Enrolment commands: payers, memberships, the status lifecycle, cards and public verification.

Every command takes the acting `Actor`, checks role and scope itself (never only in an endpoint), writes its history
through `enrollment.events` and records the access.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.scoping import ensure_visible
from sijaga.accounts.services import audit
from sijaga.enrollment import elsewhere, events
from sijaga.enrollment import terms as terms_history
from sijaga.enrollment.models import EndReason, Membership, MembershipStatus, Payer
from sijaga.enrollment.rules import OPEN_STATUSES, PROGRAMMES, TRANSITIONS, membership_number, programme_errors
from sijaga.enrollment.selectors import (
    MembershipNotFound,
    get_membership,
    memberships_for,
    open_memberships_elsewhere,
    usable_payers,
)
from sijaga.enrollment.signals import send_memberships_changed
from sijaga.registry import services as registry
from sijaga.registry.models import Worker
from sijaga.registry.rules import mask_nik

__all__ = [
    "DoubleFunding", "EnrolResult", "MembershipNotFound", "allowed_transitions", "card_pdf", "change_status",
    "change_terms", "create_payer", "enrol", "programme_errors", "public_verification", "update_payer",
    "verification_url",
]  # fmt: skip

#: A membership may not start before this date (BPJS Ketenagakerjaan began under UU 24/2011 in 2014) nor more than
#: this many days ahead (enrolment is for work that has started or is about to).
EARLIEST_START = dt.date(2014, 1, 1)
MAX_DAYS_AHEAD = 92
MIN_AGE_AT_START = 15


class DoubleFunding(ValidationError):
    """The worker already has an open membership with another government payer (needs explicit confirmation)."""

    def __init__(self, others: list[Membership]):
        self.others = others
        names = ", ".join(sorted({m.payer.name for m in others}))
        super().__init__({"payer": [_("Sudah dibiayai oleh %(p)s.") % {"p": names}]}, code="double_funding")


def _status_label(status: str) -> str:
    return str(MembershipStatus(status).label) if status in MembershipStatus.values else status


def _birthday(birth_date: dt.date, years: int) -> dt.date:
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # 29 February
        return dt.date(birth_date.year + years, 3, 1)


def start_date_errors(start_date: dt.date, birth_date: dt.date | None, today: dt.date | None = None) -> list[str]:
    """A plausible start: not before 2014, not far in the future, not before the worker could work."""
    today = today or timezone.localdate()
    errors = []
    if start_date < EARLIEST_START:
        errors.append(_("Tanggal mulai sebelum %(d)s tidak mungkin.") % {"d": EARLIEST_START.strftime("%d-%m-%Y")})
    if start_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.append(_("Tanggal mulai lebih dari %(n)s hari ke depan.") % {"n": MAX_DAYS_AHEAD})
    if birth_date and start_date < _birthday(birth_date, MIN_AGE_AT_START):
        errors.append(_("Tanggal mulai sebelum tenaga kerja berusia %(n)s tahun.") % {"n": MIN_AGE_AT_START})
    return errors


# --- payers ------------------------------------------------------------------------------------------------------

PAYER_FIELDS = ("code", "name", "kind", "region_id", "funding_source", "npp", "is_active", "jkk_risk_class")


def _payer_data(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: data[k] for k in PAYER_FIELDS if k in data}
    for alias in ("region_code", "region"):
        if alias in data and "region_id" not in clean:
            clean["region_id"] = getattr(data[alias], "code", data[alias])
    for key in ("code", "name", "npp"):
        if isinstance(clean.get(key), str):
            clean[key] = " ".join(clean[key].split())
    return clean


def create_payer(actor: Actor, data: dict[str, Any]) -> Payer:
    """Payers are set up by regency operators and above, inside their scope (village operators enrol under
    their village government or regency; they do not create payers: security review F27)."""
    actor = as_actor(actor)
    clean = _payer_data(data)
    if not actor.can_manage_payers:
        raise PermissionDenied(_("Peran Anda tidak dapat menambah pembayar iuran."))
    if not actor.covers(clean.get("region_id")):
        raise PermissionDenied(_("Wilayah pembayar berada di luar wilayah tugas Anda."))
    payer = Payer(**clean)
    payer.full_clean()
    with transaction.atomic():
        payer.save()
        ensure_visible(actor, payer, _("Wilayah pembayar berada di luar wilayah tugas Anda."))
    audit(actor, "create", "payer", payer.pk)
    return payer


def update_payer(actor: Actor, payer: Payer, data: dict[str, Any]) -> Payer:
    actor = as_actor(actor)
    if not actor.can_manage_payers:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah pembayar iuran."))
    clean = _payer_data(data)
    clean.pop("code", None)  # the code is the key files and the API use
    with transaction.atomic():
        current = Payer.objects.visible_to(actor).select_for_update().filter(pk=payer.pk).first()
        if current is None or not actor.covers(current.region_id):
            raise PermissionDenied(_("Pembayar ini berada di luar wilayah tugas Anda."))
        if "region_id" in clean and not actor.covers(clean["region_id"]):
            raise PermissionDenied(_("Wilayah pembayar berada di luar wilayah tugas Anda."))
        moved = "region_id" in clean and clean["region_id"] != current.region_id
        for key, value in clean.items():
            setattr(current, key, value)
        current.full_clean()
        current.save()
        if moved:  # its members may now live inside or outside its region (the registry's scope)
            elsewhere.refresh(payer_ids=[current.pk])
        ensure_visible(actor, current, _("Wilayah pembayar berada di luar wilayah tugas Anda."))
    audit(actor, "update", "payer", current.pk)
    return current


# --- enrolment and lifecycle -------------------------------------------------------------------------------------


@dataclass
class EnrolResult:
    membership: Membership
    created: bool


def new_token() -> str:
    return secrets.token_urlsafe(18)[:24]


def enrol(
    actor: Actor,
    *,
    payer_id: int,
    segment: str,
    programmes: Iterable[str],
    wage: int,
    start_date: dt.date,
    worker: Worker | None = None,
    worker_data: dict[str, Any] | None = None,
    submission_key: str | None = None,
    confirm_double_funding: bool = False,
    jkk_risk_class: int | None = None,
    labour_intensive: bool = False,
) -> EnrolResult:
    """Enrol an existing or a new worker with a payer the actor may use, in one transaction.

    `submission_key` makes the call idempotent: a double-submitted form or a retried API call returns the
    membership the first call created. A second open membership with another government payer is refused with
    `DoubleFunding` unless `confirm_double_funding` is set (both budgets would pay for the same person).
    """
    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mendaftarkan kepesertaan."))
    if submission_key:
        done = Membership.objects.filter(submission_key=submission_key).first()
        if done is not None:
            if not memberships_for(actor).filter(pk=done.pk).exists():
                raise PermissionDenied(_("Kunci pengiriman sudah dipakai."))
            return EnrolResult(done, created=False)
    payer = usable_payers(actor).filter(pk=payer_id).first()
    if payer is None:
        raise PermissionDenied(_("Pembayar iuran tidak ditemukan di wilayah tugas Anda."))
    chosen = [p for p in PROGRAMMES if p in set(programmes)]
    errors = programme_errors(segment, chosen)
    if errors:
        raise ValidationError({"programmes": errors})
    if isinstance(wage, bool) or not isinstance(wage, int):
        raise ValidationError({"wage": [_("Upah harus bilangan bulat Rupiah.")]})
    birth = worker.birth_date if worker is not None else (worker_data or {}).get("birth_date")
    if errors := start_date_errors(start_date, birth if isinstance(birth, dt.date) else None):
        raise ValidationError({"start_date": errors})
    # A payer outside the actor's own regions (a village operator using the regency's payer) may only enrol
    # people who live inside the actor's regions.
    payer_in_scope = actor.covers(payer.region_id)
    try:
        with transaction.atomic():
            if worker is None:
                if worker_data is None:
                    raise ValidationError(_("Data tenaga kerja wajib diisi."))
                worker = registry.create_worker(actor, worker_data, domicile_checked_by_caller=payer_in_scope)
            elif not payer_in_scope and not actor.covers(worker.domicile_id):
                raise PermissionDenied(_("Domisili berada di luar wilayah tugas Anda."))
            if Membership.objects.filter(worker=worker, payer=payer, status__in=OPEN_STATUSES).exists():
                raise ValidationError(
                    {"payer": [_("Tenaga kerja ini sudah memiliki kepesertaan aktif/terdaftar pada pembayar ini.")]}
                )
            others = list(open_memberships_elsewhere([worker.pk], payer)) if payer.kind in GOVERNMENT else []
            if others and not confirm_double_funding:
                raise DoubleFunding(others)
            now = timezone.now()
            membership = Membership(
                worker=worker,
                payer=payer,
                segment=segment,
                wage=wage,
                start_date=start_date,
                status=MembershipStatus.REGISTERED,
                status_changed_at=now,
                verify_token=new_token(),
                submission_key=submission_key or None,
                created_by=actor.user,
                **{p: p in chosen for p in PROGRAMMES},
            )
            # Database constraints are checked by the database itself; clean() gives the readable messages first.
            membership.full_clean(
                exclude=["worker", "payer", "verify_token"], validate_unique=False, validate_constraints=False
            )
            membership.save()
            membership.number = membership_number(start_date, membership.pk)
            membership.save(update_fields=["number"])
            extra: dict[str, Any] = {"labour_intensive": bool(labour_intensive)}
            if jkk_risk_class is not None:
                extra["jkk_risk_class"] = jkk_risk_class
            terms_history.open_first(membership, extra=extra, at=now)
            events.membership_created(membership, actor=actor, reason=_("Pendaftaran kepesertaan"), at=now)
            send_memberships_changed(Membership, [payer.pk], membership_ids=[membership.pk])
    except IntegrityError as exc:
        if submission_key and (done := Membership.objects.filter(submission_key=submission_key).first()):
            return EnrolResult(done, created=False)
        raise ValidationError(_("Kepesertaan ganda ditolak: %(e)s") % {"e": exc}) from exc
    audit(actor, "create", "membership", membership.pk)
    return EnrolResult(membership, created=True)


GOVERNMENT = ("pemprov", "pemkab", "pemdes")


def change_terms(
    actor: Actor, membership: Membership, data: dict[str, Any], *, reason: str, effective: dt.date | None = None
) -> Membership:
    """Change segment, programmes, wage, JKK risk class, labour-intensive flag or who pays the worker's share of an
    open membership, from ``effective`` (default today): the terms in force are closed the day before and new terms
    open (`enrollment.terms`); one history event with before/after values. Bills of months before ``effective``
    are not touched; a back-dated change shows up as adjustment lines when those months are billed again."""
    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah kepesertaan."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Alasan perubahan wajib diisi.")]})
    with transaction.atomic():
        current = memberships_for(actor).select_for_update(of=("self",)).filter(pk=membership.pk).first()
        if current is None:
            raise MembershipNotFound(membership.pk)
        if current.status not in OPEN_STATUSES:
            raise ValidationError(_("Kepesertaan yang sudah berakhir tidak dapat diubah."))
        before = {k: getattr(current, k) for k in events.TERMS}
        if "programmes" in data:
            chosen = set(data["programmes"])
            data = {**data, **{p: p in chosen for p in PROGRAMMES}}
        for key in events.TERMS:
            if key in data:
                setattr(current, key, data[key])
        if errors := programme_errors(current.segment, current.programmes):
            raise ValidationError({"programmes": errors})
        current.full_clean(exclude=["worker", "payer", "verify_token"], validate_unique=False,
                           validate_constraints=False)  # fmt: skip
        changes = events.terms_diff(before, {k: getattr(current, k) for k in events.TERMS})
        if changes:
            current.save(update_fields=list(changes))
        new_values = {k: getattr(current, k) for k in events.TERMS}
        new_values |= {k: data[k] for k in terms_history.EXTRA if k in data}
        _terms, extra_changes = terms_history.change(current, new_values, effective=effective or timezone.localdate())
        changes |= extra_changes
        if changes:
            if effective is not None:
                changes["effective"] = [None, effective.isoformat()]
            events.terms_changed(current, actor=actor, changes=changes, reason=reason)
            send_memberships_changed(Membership, [current.payer_id], membership_ids=[current.pk])
    audit(actor, "update", "membership", current.pk)
    return current


def change_status(
    actor: Actor,
    membership: Membership,
    to_status: str,
    *,
    reason: str,
    end_reason: str = "",
    end_date: dt.date | None = None,
) -> Membership:
    """Move a membership along its lifecycle; writes one history event. History is never rewritten."""
    actor = as_actor(actor)
    if not actor.can_change_status:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah status kepesertaan."))
    if not memberships_for(actor).filter(pk=membership.pk).exists():
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
                        % {"a": current.get_status_display(), "b": _status_label(to_status)}
                    ]
                }
            )
        if to_status == MembershipStatus.ENDED:
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
        if to_status == MembershipStatus.ENDED:
            terms_history.close(current, current.end_date)
        events.status_changed(
            current, actor=actor, from_status=previous, to_status=to_status, reason=reason,
            end_reason=end_reason if to_status == MembershipStatus.ENDED else "", at=now,
        )  # fmt: skip
        send_memberships_changed(Membership, [current.payer_id], membership_ids=[current.pk])
    audit(actor, "update", "membership", current.pk)
    return current


def allowed_transitions(membership: Membership) -> list[tuple[str, str]]:
    return [(s, MembershipStatus(s).label) for s in MembershipStatus.values if s in TRANSITIONS[membership.status]]


# --- proof of membership -----------------------------------------------------------------------------------------


def verification_url(membership: Membership, base_url: str | None = None) -> str:
    from django.urls import reverse

    from sijaga.core.public_url import public_base_url

    return (base_url or public_base_url()).rstrip("/") + reverse("verify", args=[membership.verify_token])


def public_verification(token: str) -> dict[str, Any] | None:
    """What anyone holding the card's QR may see: status and masked data only."""
    if not token or len(token) > 32 or not token.replace("-", "").replace("_", "").isalnum():
        return None
    m = Membership.objects.select_related("worker", "payer").filter(verify_token=token).first()
    if m is None:
        return None
    name = m.worker.full_name.split()
    masked_name = " ".join(w[0] + "*" * (len(w) - 1) if i else w for i, w in enumerate(name))
    return {
        "number": m.number,
        "name": masked_name,
        "nik": mask_nik(m.worker.nik),
        "status": m.status,
        "status_label": m.get_status_display(),
        "programmes": [p.upper() for p in m.programmes],
        "payer": m.payer.name,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "checked_at": timezone.localtime(),
    }


def card_pdf(actor: Actor, membership: Membership, *, base_url: str | None = None) -> bytes:
    """An ID-card-sized (85.6 × 54 mm) PDF with a QR code linking to the public verification page."""
    import segno
    from django.template.loader import render_to_string
    from weasyprint import HTML

    actor = as_actor(actor)
    m = get_membership(actor, membership.pk)
    url = verification_url(m, base_url)
    qr = segno.make(url, error="m")
    with translation.override("id"):  # the card is an Indonesian document whatever the operator's UI language
        html = render_to_string(
            "enrollment/card.html",
            {
                "m": m,
                "masked_nik": mask_nik(m.worker.nik),
                "qr_svg": qr.svg_data_uri(scale=4, border=1),
                "url": url,
                "programmes": [p.upper() for p in m.programmes],
            },
        )
    pdf = HTML(string=html).write_pdf()
    audit(actor, "card", "membership", m.pk)
    return pdf


def status_counts(actor: Actor) -> dict[str, int]:
    from sijaga.enrollment.selectors import status_counts as counts

    return counts(actor)


# --- construction projects (Jakon) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectResult:
    project: Any
    warnings: list[str]


def register_project(actor: Actor, data: dict[str, Any]) -> ProjectResult:
    """Register a construction project of a payer the actor may use (writers, in scope). Returns the project and
    warnings: registered later than the working days allowed after the work order (`rules`), flagged ``late``."""
    from sijaga.enrollment.models import ConstructionProject
    from sijaga.enrollment.rules import jakon_registration_deadline

    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mendaftarkan proyek."))
    payer = usable_payers(actor).filter(pk=data.get("payer_id")).first()
    if payer is None or not actor.covers(payer.region_id):
        raise PermissionDenied(_("Pembayar iuran tidak ditemukan di wilayah tugas Anda."))
    fields = ("name", "contract_value", "work_order_date", "start_date", "end_date", "priced_on")
    values = {k: data.get(k) for k in fields if data.get(k) is not None}
    registered_on = data.get("registered_on") or timezone.localdate()
    project = ConstructionProject(
        payer=payer, registered_on=registered_on, created_at=timezone.now(), created_by=actor.user, **values
    )
    project.full_clean(exclude=["created_by"])
    warnings = []
    deadline = jakon_registration_deadline(project.work_order_date)
    project.late = registered_on > deadline
    if project.late:
        warnings.append(
            _("Proyek didaftarkan %(d)s, lewat dari batas %(b)s (14 hari kerja sejak SPK, Permenaker 44/2015).")
            % {"d": registered_on.strftime("%d/%m/%Y"), "b": deadline.strftime("%d/%m/%Y")}
        )
    with transaction.atomic():
        project.save()
        ensure_visible(actor, project, _("Pembayar iuran tidak ditemukan di wilayah tugas Anda."))
    audit(actor, "create", "project", project.pk)
    return ProjectResult(project, warnings)


def attach_to_project(actor: Actor, membership: Membership, project) -> Membership:
    """Hang a Jakon membership of the project's payer off the project (writers, both in scope)."""
    from sijaga.enrollment.models import ConstructionProject

    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah kepesertaan."))
    m = get_membership(actor, membership.pk)
    p = ConstructionProject.objects.visible_to(actor).filter(pk=project.pk).first()
    if p is None:
        raise PermissionDenied(_("Proyek tidak ditemukan di wilayah tugas Anda."))
    if m.segment != "jakon" or m.payer_id != p.payer_id:
        raise ValidationError(
            {"project": [_("Hanya kepesertaan jasa konstruksi dengan pembayar proyek yang dapat dikaitkan.")]}
        )
    Membership.objects.filter(pk=m.pk).update(project=p)
    audit(actor, "update", "membership", m.pk)
    m.project = p
    return m
