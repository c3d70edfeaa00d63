"""Commands of the benefits app: the first argument is the acting Actor.

* `load_benefit_rules`: the data files (`data/*.toml`) → versioned `BenefitSchedule` rows; idempotent.
* `record_case`: a death, work accident or occupational disease with its heirs; judged at once; a death ends the
  membership (reason *Meninggal dunia*) through `enrollment.services.change_status`.
* `attach_document`, `submit_claim`, `decide_claim`, `record_claim_payment`, `rejudge`, `rejudge_payer`.
Every state change writes a `CaseEvent` (events.py); personal data writes are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.scoping import ensure_visible
from sijaga.accounts.services import audit
from sijaga.benefits import documents, events, judge, rules
from sijaga.benefits.models import (
    BenefitCase,
    BenefitFigure,
    BenefitSchedule,
    CaseDocument,
    CaseStatus,
    EventType,
    Heir,
    LiabilityRule,
    Outcome,
    Relation,
    SchoolLevel,
)
from sijaga.benefits.selectors import CaseNotFound, cases_for

# --- the data files ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    figures: int
    rules: int


def load_benefit_rules(actor: Actor | None = None, *, directory: Path = rules.DATA_DIR) -> LoadResult:
    """Load `data/*.toml`: an unchanged file changes nothing; a changed file becomes a new current version."""
    actor = actor or Actor.system("cli")
    if not (actor.is_system or actor.role == "coordinator"):
        raise PermissionDenied(_("Hanya koordinator nasional yang dapat memuat aturan manfaat."))
    files = rules.read_data(directory)
    created = updated = unchanged = 0
    with transaction.atomic():
        for data in files:
            digest = data.digest
            current = BenefitSchedule.objects.select_for_update().filter(code=data.code, is_current=True).first()
            if current is not None and current.digest == digest:
                unchanged += 1
                continue
            version = 1
            if current is not None:
                version = current.version + 1
                current.is_current = False
                current.save(update_fields=["is_current"])
                updated += 1
            else:
                version = (BenefitSchedule.objects.filter(code=data.code).count() or 0) + 1
                created += 1
            schedule = BenefitSchedule.objects.create(
                code=data.code,
                version=version,
                regulation=data.regulation,
                title=data.title,
                source=data.source,
                digest=digest,
                employer_types=data.employer_types,
                is_current=True,
                created_at=timezone.now(),
            )
            BenefitFigure.objects.bulk_create(
                BenefitFigure(
                    schedule=schedule,
                    key=f.key,
                    unit=f.unit,
                    value=f.value,
                    valid_from=f.valid_from,
                    valid_to=f.valid_to,
                    regulation=f.regulation,
                    article=f.article,
                    source=f.source,
                    verified=f.verified,
                )
                for f in data.figures
            )
            LiabilityRule.objects.bulk_create(
                LiabilityRule(
                    schedule=schedule,
                    key=r.key,
                    situation=r.situation,
                    employer=r.employer,
                    segment=r.segment,
                    min_months=r.min_months,
                    outcome=r.outcome,
                    fine_bp=r.fine_bp,
                    valid_from=r.valid_from,
                    valid_to=r.valid_to,
                    regulation=r.regulation,
                    article=r.article,
                    note=r.note,
                    verified=r.verified,
                )
                for r in data.rules
            )
        codes = {d.code for d in files}
        BenefitSchedule.objects.filter(is_current=True).exclude(code__in=codes).update(is_current=False)
    return LoadResult(
        created,
        updated,
        unchanged,
        BenefitFigure.objects.filter(schedule__is_current=True).count(),
        LiabilityRule.objects.filter(schedule__is_current=True).count(),
    )


# --- cases -------------------------------------------------------------------------------------------------------


class DuplicateCase(ValidationError):
    def __init__(self, existing: BenefitCase):
        self.existing = existing
        super().__init__(
            _("Kasus yang sama sudah dicatat: %(n)s (%(d)s).")
            % {"n": existing.number, "d": existing.event_date.strftime("%d-%m-%Y")}
        )


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def heir_errors(heir: dict[str, Any]) -> dict[str, list[str]]:
    from sijaga.registry.rules import check_nik

    errors: dict[str, list[str]] = {}
    if not _text(heir.get("name"), 200):
        errors["name"] = [_("Nama ahli waris wajib diisi.")]
    if heir.get("relation") not in Relation.values:
        errors["relation"] = [_("Pilih hubungan ahli waris.")]
    result = check_nik(str(heir.get("nik") or ""))
    if not result.valid:
        errors["nik"] = [str(e.message) for e in result.errors] or [_("NIK ahli waris tidak sah.")]
    level = heir.get("school_level") or ""
    if level not in SchoolLevel.values or (level and heir.get("relation") != "child"):
        errors["school_level"] = [_("Jenjang sekolah hanya untuk anak.")]
    account = str(heir.get("account_number") or "").replace(" ", "").replace("-", "")
    if account and (not account.isdigit() or not 6 <= len(account) <= 20):
        errors["account_number"] = [_("Nomor rekening 6–20 angka.")]
    return errors


def _region_of(payer) -> str:
    parts = payer.region_id.split(".")
    return ".".join(parts[:2])


def next_number(event_date: dt.date) -> str:
    return f"MNF-{event_date:%Y}-{secrets.token_hex(4).upper()}"


def record_case(
    actor: Actor,
    *,
    worker_id: int,
    event_type: str,
    event_date: dt.date,
    cause: str,
    outcome: str = "",
    place: str = "",
    payer_id: int | None = None,
    wage: int | None = None,
    heirs: list[dict[str, Any]] | None = None,
    disability_percent: int | None = None,
    incapacity_months: int | None = None,
    transport_mode: str = "",
    transport_cost: int = 0,
    home_care_cost: int = 0,
    claim_number: str = "",
    today: dt.date | None = None,
) -> BenefitCase:
    """Record a case for a worker in the actor's scope. ``payer_id`` is required when the worker had no
    membership on the event date (the employer who did not register them: the liability case)."""
    from sijaga.enrollment.models import Membership, Payer
    from sijaga.registry.selectors import get_worker

    actor = as_actor(actor)
    worker = get_worker(actor, worker_id, audit_read=False)  # 404 outside the scope, before 403
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mencatat kasus manfaat."))
    today = today or timezone.localdate()
    heirs = heirs or []
    outcome = Outcome.DEATH if event_type == EventType.DEATH else outcome
    errors: dict[str, list[str]] = {}
    if event_type not in EventType.values:
        errors["event_type"] = [_("Pilih jenis peristiwa.")]
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Pilih akibat peristiwa.")]
    if not isinstance(event_date, dt.date) or event_date > today:
        errors["event_date"] = [_("Tanggal kejadian tidak boleh di masa depan.")]
    cause = _text(cause, 300)
    if not cause:
        errors["cause"] = [_("Penyebab wajib diisi.")]
    if (outcome == Outcome.PARTIAL_DISABILITY or disability_percent is not None) and not (
        disability_percent and 1 <= disability_percent <= 100
    ):
        errors["disability_percent"] = [_("Persen cacat menurut tabel (1–100) wajib diisi.")]
    if incapacity_months is not None and not 0 <= incapacity_months <= 600:
        errors["incapacity_months"] = [_("Bulan tidak mampu bekerja 0–600.")]
    if wage is not None and not 0 < wage <= rules.MAX_AMOUNT:
        errors["wage"] = [_("Upah harus lebih dari Rp0.")]
    for cost in (transport_cost, home_care_cost):
        if not 0 <= (cost or 0) <= rules.MAX_AMOUNT:
            errors["transport_cost"] = [_("Biaya tidak sah.")]
    for i, heir in enumerate(heirs):
        for field, msgs in heir_errors(heir).items():
            errors[f"heirs.{i}.{field}"] = msgs
    niks = [str(h.get("nik")) for h in heirs]
    if len(set(niks)) != len(niks):
        errors["heirs"] = [_("Ahli waris yang sama dicatat dua kali.")]
    if errors:
        raise ValidationError(errors)
    existing = (
        BenefitCase.objects.filter(worker=worker)
        .filter(
            **(
                {"outcome": Outcome.DEATH}
                if outcome == Outcome.DEATH
                else {"event_type": event_type, "event_date": event_date}
            )
        )
        .first()
    )
    if existing is not None:
        raise DuplicateCase(existing)
    memberships = Membership.objects.filter(worker=worker)
    first_start = memberships.order_by("start_date").values_list("start_date", flat=True).first()
    covering = judge.membership_on(worker.pk, payer_id, event_date)
    if covering is None and first_start is not None and event_date < first_start:
        raise ValidationError(
            {
                "event_date": [
                    _("Tanggal kejadian sebelum kepesertaan dimulai (%(d)s).") % {"d": first_start.strftime("%d-%m-%Y")}
                ]
            }
        )
    if covering is not None and payer_id is None:
        payer_id = covering.payer_id
    if payer_id is None:
        raise ValidationError({"payer_id": [_("Pekerja tidak terdaftar pada tanggal kejadian: pilih pemberi kerja.")]})
    payer = Payer.objects.visible_to(actor).filter(pk=payer_id).first()
    if payer is None or not (actor.is_system or actor.covers(payer.region_id) or covering is not None):
        raise PermissionDenied(_("Pemberi kerja tidak ditemukan di wilayah tugas Anda."))
    if covering is None and not wage and event_type != EventType.DEATH:
        raise ValidationError({"wage": [_("Pekerja tidak terdaftar: isi upah pada tanggal kejadian.")]})
    try:
        with transaction.atomic():
            case = BenefitCase(
                number=next_number(event_date),
                worker=worker,
                payer=payer,
                region_code=_region_of(payer),
                event_type=event_type,
                outcome=outcome,
                event_date=event_date,
                cause=cause,
                place=_text(place, 200),
                wage=wage,
                disability_percent=disability_percent,
                incapacity_months=incapacity_months,
                transport_mode=transport_mode or "",
                transport_cost=transport_cost or 0,
                home_care_cost=home_care_cost or 0,
                claim_number=_text(claim_number, 40) or None,
                created_by=actor.user,
            )
            case.full_clean(
                exclude=["worker", "payer", "membership", "created_by"],
                validate_unique=False,
                validate_constraints=False,
            )
            case.save()
            Heir.objects.bulk_create(
                Heir(
                    case=case,
                    name=_text(h["name"], 200),
                    relation=h["relation"],
                    nik=str(h["nik"]).strip(),
                    birth_date=h.get("birth_date"),
                    school_level=h.get("school_level") or "",
                    bank_name=_text(h.get("bank_name"), 60),
                    account_number=str(h.get("account_number") or "").replace(" ", "").replace("-", ""),
                )
                for h in heirs
            )
            judge.judge(case)
            case.save()
            events.case_event(
                case,
                actor=actor,
                kind="recorded",
                from_status="",
                reason=_("Kasus dicatat"),
                changes={"heirs": len(heirs)},
            )
            if outcome == Outcome.DEATH and covering is not None and covering.status != "ended":
                _end_membership(actor, covering, event_date)
            ensure_visible(actor, case, _("Kasus berada di luar wilayah tugas Anda."))
    except IntegrityError as exc:
        existing = BenefitCase.objects.filter(worker=worker, event_type=event_type, event_date=event_date).first()
        if existing is not None:
            raise DuplicateCase(existing) from exc
        raise ValidationError(_("Kasus tidak dapat disimpan: %(e)s") % {"e": exc}) from exc
    audit(actor, "create", "benefit_case", case.pk)
    return case


def _end_membership(actor: Actor, membership, day: dt.date) -> None:
    """A death ends the membership with its reason (as the system on behalf of the user: a village operator may
    record the death without the right to change statuses)."""
    from sijaga.enrollment.services import change_status

    system = Actor.system("task", on_behalf_of=actor.user)
    change_status(
        system,
        membership,
        "ended",
        reason=_("Peserta meninggal dunia (kasus manfaat)"),
        end_reason="death",
        end_date=max(day, membership.start_date),
    )


def _case_for_update(actor: Actor, case_id: int) -> BenefitCase:
    case = cases_for(actor).select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise CaseNotFound(case_id)
    return case


def _require_claims(actor: Actor) -> None:
    if not (actor.can_write or actor.can_change_status):
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah klaim."))


def submit_claim(actor: Actor, case_id: int, *, submitted_on: dt.date, claim_number: str) -> BenefitCase:
    actor = as_actor(actor)
    _require_claims(actor)
    claim_number = _text(claim_number, 40)
    with transaction.atomic():
        case = _case_for_update(actor, case_id)
        errors = {}
        if case.status != CaseStatus.RECORDED:
            errors["status"] = [_("Klaim sudah diajukan.")]
        if not claim_number:
            errors["claim_number"] = [_("Nomor klaim BPJS wajib diisi.")]
        if (
            not isinstance(submitted_on, dt.date)
            or submitted_on < case.event_date
            or submitted_on > timezone.localdate()
        ):
            errors["submitted_on"] = [_("Tanggal pengajuan antara tanggal kejadian dan hari ini.")]
        elif BenefitCase.objects.filter(claim_number=claim_number).exclude(pk=case.pk).exists():
            errors["claim_number"] = [_("Nomor klaim sudah dipakai kasus lain.")]
        if errors:
            raise ValidationError(errors)
        before = case.status
        case.status, case.submitted_on, case.claim_number = CaseStatus.SUBMITTED, submitted_on, claim_number
        case.save(update_fields=["status", "submitted_on", "claim_number"])
        events.case_event(
            case,
            actor=actor,
            kind="submitted",
            from_status=before,
            reason=_("Diajukan ke BPJS"),
            changes={"claim_number": claim_number, "submitted_on": submitted_on},
        )
    audit(actor, "update", "benefit_case", case.pk)
    return case


def decide_claim(actor: Actor, case_id: int, *, decided_on: dt.date, approved: bool, reason: str = "") -> BenefitCase:
    actor = as_actor(actor)
    _require_claims(actor)
    with transaction.atomic():
        case = _case_for_update(actor, case_id)
        if case.status != CaseStatus.SUBMITTED:
            raise ValidationError({"status": [_("Hanya klaim yang sudah diajukan dapat diputus.")]})
        if not isinstance(decided_on, dt.date) or decided_on < case.submitted_on or decided_on > timezone.localdate():
            raise ValidationError({"decided_on": [_("Tanggal keputusan antara tanggal pengajuan dan hari ini.")]})
        before = case.status
        case.status = CaseStatus.APPROVED if approved else CaseStatus.REJECTED
        case.decided_on = decided_on
        case.save(update_fields=["status", "decided_on"])
        events.case_event(
            case,
            actor=actor,
            kind="decided",
            from_status=before,
            reason=_text(reason, 300) or case.get_status_display(),
            changes={"decided_on": decided_on},
        )
    audit(actor, "update", "benefit_case", case.pk)
    return case


def record_claim_payment(actor: Actor, case_id: int, *, paid_on: dt.date, amount: int, paid_to: str) -> BenefitCase:
    """The benefit BPJS (or the employer) paid: an amount above the entitlement is kept and flagged."""
    actor = as_actor(actor)
    _require_claims(actor)
    paid_to = _text(paid_to, 200)
    with transaction.atomic():
        case = _case_for_update(actor, case_id)
        errors = {}
        if case.status not in (CaseStatus.APPROVED, CaseStatus.SUBMITTED, CaseStatus.RECORDED):
            errors["status"] = [_("Klaim ini sudah dibayar atau ditolak.")]
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= rules.MAX_AMOUNT:
            errors["amount"] = [_("Jumlah dibayar harus lebih dari Rp0.")]
        if not isinstance(paid_on, dt.date) or paid_on < case.event_date or paid_on > timezone.localdate():
            errors["paid_on"] = [_("Tanggal bayar antara tanggal kejadian dan hari ini.")]
        if not paid_to:
            errors["paid_to"] = [_("Penerima pembayaran wajib diisi.")]
        if errors:
            raise ValidationError(errors)
        before = case.status
        case.status, case.paid_on, case.paid_amount, case.paid_to = CaseStatus.PAID, paid_on, amount, paid_to
        if case.submitted_on is None:
            case.submitted_on = paid_on
        limit = case.entitlement + int((case.detail or {}).get("scholarship_year_one", 0))
        case.overpaid = amount > limit
        case.save(update_fields=["status", "paid_on", "paid_amount", "paid_to", "overpaid", "submitted_on"])
        changes = {"paid_on": paid_on, "amount": amount, "days": case.days_to_payment}
        if case.overpaid:
            changes["overpaid_by"] = amount - limit
        events.case_event(
            case,
            actor=actor,
            kind="paid",
            from_status=before,
            reason=_("Dibayar melebihi hak") if case.overpaid else _("Manfaat dibayar"),
            changes=changes,
        )
    audit(actor, "update", "benefit_case", case.pk)
    return case


def _rejudge(case: BenefitCase, actor: Actor, reason: str) -> bool:
    changes = judge.judge(case)
    if not changes:
        return False
    case.save()
    events.case_event(case, actor=actor, kind="judged", from_status=case.status, reason=reason, changes=changes)
    return True


def rejudge(actor: Actor, case_id: int) -> BenefitCase:
    actor = as_actor(actor)
    _require_claims(actor)
    with transaction.atomic():
        case = _case_for_update(actor, case_id)
        _rejudge(case, actor, _("Dinilai ulang"))
    return case


def rejudge_payer(payer_id: int) -> int:
    """Re-judge the payer's cases (a payment arrived, possibly back-dated): returns how many changed."""
    system = Actor.system("task")
    changed = 0
    with transaction.atomic():
        for case in BenefitCase.objects.select_for_update().filter(payer_id=payer_id).order_by("pk"):
            changed += _rejudge(case, system, _("Dinilai ulang setelah pembayaran iuran"))
    return changed


def attach_document(actor: Actor, case_id: int, *, label: str, name: str, data: bytes) -> CaseDocument:
    """A PDF or image (≤ 20 MB, checked by its magic bytes); the name is neutralised, the file kept 0600."""
    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mengunggah dokumen."))
    content_type = documents.sniff(data)
    safe = documents.safe_name(name, content_type)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        case = _case_for_update(actor, case_id)
        existing = CaseDocument.objects.filter(case=case, sha256=digest).first()
        if existing is not None:
            return existing
        path = documents.store(case.pk, digest, data)
        doc = CaseDocument.objects.create(
            case=case,
            label=_text(label, 120) or safe,
            file_name=safe,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            path=str(path),
            uploaded_at=timezone.now(),
            uploaded_by=actor.user,
        )
        events.case_event(
            case,
            actor=actor,
            kind="document",
            from_status=case.status,
            reason=_("Dokumen diunggah"),
            changes={"file": safe, "size": len(data)},
        )
    audit(actor, "create", "benefit_document", doc.pk)
    return doc


def overdue_days() -> int:
    return int(getattr(settings, "BENEFIT_OVERDUE_DAYS", 30))
