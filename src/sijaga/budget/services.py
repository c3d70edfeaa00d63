"""Commands of the budget app: the first argument is the acting Actor.

* :func:`simulate` prices a region's year (no write): its enrolled workers on their own terms plus the targets
  typed in, with the contributions calculator;
* :func:`save_plan` stores the priced inputs as a new, never-changed version of a plan; :func:`adopt_version`
  marks the version the budget was built on;
* :func:`record_allocation` records the adopted allocation with its document and evidence; :func:`review_allocation`
  verifies or rejects it (someone else than who entered it).

Who may act: province admins and regency operators for the regions in their scope, village operators for their
own village's APBDes, the national coordinator anywhere; BPJS officers and auditors read only.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.models import Role
from sijaga.accounts.scoping import ensure_visible
from sijaga.budget import events, pricing, rules
from sijaga.budget.models import AllocationSource, AllocationStatus, BudgetAllocation, BudgetPlan, PlanVersion
from sijaga.budget.selectors import BUDGET_PAYER_KINDS
from sijaga.contributions import selectors as contributions
from sijaga.contributions.rates import PROGRAMMES
from sijaga.enrollment import selectors as enrollment
from sijaga.enrollment.rules import OPEN_STATUSES
from sijaga.regions.models import Region

#: Roles that price, plan and record allocations (for the regions of their scope).
BUDGET_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR, Role.VILLAGE_OPERATOR})
#: Roles that verify an allocation someone else entered.
VERIFY_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR})


def can_budget(actor, region_code: str | None = None) -> bool:
    actor = as_actor(actor)
    if actor.is_system:
        return True
    if actor.role not in BUDGET_ROLES:
        return False
    if region_code is None:
        return True
    if not actor.covers(region_code):
        return False
    return actor.role != Role.VILLAGE_OPERATOR or rules.region_level(region_code) == 4


def can_verify(actor, allocation: BudgetAllocation) -> bool:
    actor = as_actor(actor)
    if actor.is_system:
        return True
    return (
        actor.role in VERIFY_ROLES
        and actor.covers(allocation.region_id)
        and allocation.entered_by_id != actor.user_id
        and allocation.status == AllocationStatus.ENTERED
    )


def _budget_region(actor: Actor, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code, level__in=rules.BUDGET_LEVELS).first()
    if region is None:
        raise ValidationError({"region": _("Wilayah anggaran harus provinsi, kabupaten/kota atau desa.")})
    if not can_budget(actor, region.code):
        raise PermissionDenied(_("Anda tidak dapat menyusun anggaran untuk wilayah ini."))
    if region.level == 4 and region.kind not in ("desa", "desa_adat"):
        message = _("Kelurahan tidak mempunyai APBDes; anggarannya ada di APBD kabupaten/kota.")
        raise ValidationError({"region": message})
    return region


# --- the simulator ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """People not yet enrolled the region means to protect: a category, how many, at which income, paid from which
    source (segment defaults by category)."""

    category: str
    people: int
    income: int
    source: str
    segment: str = ""

    def errors(self) -> list[str]:
        found = []
        if self.category not in rules.CATEGORIES:
            found.append(_("Kategori sasaran tidak dikenal."))
        if not 0 <= self.people <= 10_000_000:
            found.append(_("Jumlah orang harus 0 sampai 10 juta."))
        if not 0 < self.income <= 1_000_000_000:
            found.append(_("Penghasilan sebulan harus lebih dari Rp0 dan paling banyak Rp1 miliar."))
        if self.source not in rules.SOURCES:
            found.append(_("Sumber dana harus APBD, APBDes atau CSR."))
        return found


def enrolled_cohorts(actor, region_code: str) -> list[pricing.Cohort]:
    """The region's open memberships with its own government as payer (APBD/APBDes), grouped by the terms they are
    priced on: one set-based query, never a loop over memberships."""
    rows = (
        enrollment.memberships_for(as_actor(actor))
        .filter(status__in=OPEN_STATUSES, payer__region_id=region_code, payer__kind__in=BUDGET_PAYER_KINDS)
        .values("worker__category", "payer__funding_source", "segment", *PROGRAMMES, "wage", "payer__jkk_risk_class")
        .annotate(people=Count("id"))
        .order_by()
    )
    cohorts = []
    for r in rows:
        source = r["payer__funding_source"] if r["payer__funding_source"] in rules.SOURCES else "apbd"
        cohorts.append(
            pricing.Cohort(
                category=r["worker__category"], source=source, segment=r["segment"],
                programmes=frozenset(p for p in PROGRAMMES if r[p]), wage=r["wage"], people=r["people"],
                risk_class=r["payer__jkk_risk_class"] or 1, enrolled=True, region=region_code,
            )
        )  # fmt: skip
    return cohorts


def target_cohorts(region_code: str, targets: list[Target], programmes) -> list[pricing.Cohort]:
    chosen = frozenset(programmes) or frozenset(rules.DEFAULT_PROGRAMMES)
    cohorts = []
    for t in targets:
        if t.people <= 0:
            continue
        segment = t.segment or rules.CATEGORY_DEFAULTS[t.category].segment
        allowed = chosen if segment == "pu" else chosen - {"jp", "jkp"}
        cohorts.append(pricing.Cohort(t.category, t.source, segment, allowed, t.income, t.people, region=region_code))
    return cohorts


def simulate(actor, *, region_code: str, year: int, targets: list[Target], programmes=rules.DEFAULT_PROGRAMMES,
             include_enrolled: bool = True, rates=None) -> pricing.Estimate:  # fmt: skip
    """Price ``year`` for a region (nothing stored). Raises ValidationError for bad input and
    :class:`pricing.PricingError` (month and programme named) when a month has no rate in force."""
    actor = as_actor(actor)
    region = Region.objects.filter(code=region_code, level__in=rules.BUDGET_LEVELS).first()
    if region is None or not actor.covers(region_code):
        raise ValidationError({"region": _("Wilayah anggaran harus provinsi, kabupaten/kota atau desa.")})
    if not 2020 <= year <= 2100:
        raise ValidationError({"year": _("Tahun anggaran harus antara 2020 dan 2100.")})
    unknown = set(programmes) - set(PROGRAMMES)
    if unknown or not {"jkk", "jkm"} <= set(programmes):
        raise ValidationError({"programmes": _("Program paling sedikit JKK dan JKM.")})
    problems = [e for t in targets for e in t.errors()]
    if problems:
        raise ValidationError({"targets": problems})
    cohorts = enrolled_cohorts(actor, region_code) if include_enrolled else []
    cohorts += target_cohorts(region_code, targets, programmes)
    return pricing.estimate(cohorts, year, rates if rates is not None else contributions.current_table())


def _inputs_dict(year: int, targets: list[Target], programmes, include_enrolled: bool) -> dict:
    return {
        "year": year,
        "programmes": [p for p in PROGRAMMES if p in set(programmes)],
        "include_enrolled": include_enrolled,
        "targets": [{"category": t.category, "people": t.people, "income": t.income, "source": t.source,
                     "segment": t.segment} for t in targets],
    }  # fmt: skip


def targets_from(inputs: dict) -> list[Target]:
    return [Target(**t) for t in inputs.get("targets", [])]


# --- plans ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_plan(actor, *, region_code: str, year: int, targets: list[Target], programmes=rules.DEFAULT_PROGRAMMES,
              include_enrolled: bool = True, title: str = "", note: str = "", plan_id: int | None = None,
              rates=None) -> PlanVersion:  # fmt: skip
    """Price and store a new version (of ``plan_id``, or of a new plan). Earlier versions are never changed."""
    actor = as_actor(actor)
    region = _budget_region(actor, region_code)
    estimate = simulate(actor, region_code=region.code, year=year, targets=targets, programmes=programmes,
                        include_enrolled=include_enrolled, rates=rates)  # fmt: skip
    now = timezone.now()
    if plan_id is not None:
        plan = BudgetPlan.objects.visible_to(actor).select_for_update().filter(pk=plan_id).first()
        if plan is None or plan.region_id != region.code or plan.year != year:
            raise ValidationError({"plan": _("Rencana tidak ditemukan untuk wilayah dan tahun ini.")})
    else:
        title = (title or "").strip() or _("Rencana iuran %(year)s %(region)s") % {"year": year, "region": region.name}
        plan = BudgetPlan(region=region, year=year, title=title[:200], created_at=now, created_by=actor.user)
        plan.full_clean()
        plan.save()
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan, number=number, inputs=_inputs_dict(year, targets, programmes, include_enrolled),
        result=estimate.as_dict(), total=estimate.total, people=estimate.people, note=(note or "")[:300],
        created_at=now, created_by=actor.user,
    )  # fmt: skip
    events.plan_saved(plan, actor=actor, number=number, total=estimate.total)
    ensure_visible(actor, version, _("Rencana di luar wilayah Anda."))
    return version


@transaction.atomic
def adopt_version(actor, version: PlanVersion, allocation: BudgetAllocation | None = None) -> PlanVersion:
    """Mark the version the adopted budget was built on. Its content is never changed afterwards: an edit saves a
    new version."""
    actor = as_actor(actor)
    plan = version.plan
    if not can_budget(actor, plan.region_id):
        raise PermissionDenied(_("Anda tidak dapat menetapkan rencana wilayah ini."))
    if not version.adopted:
        PlanVersion.objects.filter(pk=version.pk).update(adopted=True)
        version.adopted = True
        events.plan_adopted(plan, actor=actor, number=version.number, allocation=allocation)
    return version


# --- allocations ------------------------------------------------------------------------------------------------


def evidence_dir() -> Path:
    """Where evidence files live: 0700, files 0600 (outside the static and media folders: served by a view that
    checks the scope)."""
    path = Path(settings.VAR_DIR) / "budget-evidence"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def too_large_message() -> str:
    return _("Berkas bukti lebih dari 20 MB; unggah salinan yang lebih kecil.")


def check_evidence(upload) -> tuple[str, str]:
    """(content type, extension) of an evidence upload, or a ValidationError naming why it is refused."""
    size = getattr(upload, "size", None) or 0
    if size > rules.MAX_EVIDENCE_BYTES:
        raise ValidationError({"evidence": too_large_message()})
    if size == 0:
        raise ValidationError({"evidence": _("Berkas bukti kosong.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = rules.evidence_kind(head)
    if kind is None:
        raise ValidationError({"evidence": _("Bukti harus berkas PDF atau gambar (PNG/JPEG).")})
    return kind


def _store_evidence(allocation: BudgetAllocation, upload, content_type: str, extension: str) -> None:
    folder = evidence_dir() / str(allocation.pk)
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"bukti{extension}"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > rules.MAX_EVIDENCE_BYTES:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise ValidationError(
                    {"evidence": _("Berkas bukti lebih dari 20 MB; unggah salinan yang lebih kecil.")}
                )
            out.write(chunk)
    allocation.evidence_path = str(target)
    allocation.evidence_name = rules.safe_file_name(getattr(upload, "name", ""), extension)
    allocation.evidence_type = content_type
    allocation.evidence_size = written


@transaction.atomic
def record_allocation(actor, *, region_code: str, year: int, document_type: str, document_number: str,
                      document_date: dt.date | None, account_code: str, amount: int, evidence=None,
                      plan_version_id: int | None = None, source: str = AllocationSource.WEB,
                      require_evidence: bool = True) -> BudgetAllocation:  # fmt: skip
    """Record an adopted allocation. The document (type, number, date), an account code, a positive amount of at
    most Rp10 trillion and — on the page and the API — a PDF/image evidence of at most 20 MB are required."""
    actor = as_actor(actor)
    region = _budget_region(actor, region_code)
    if evidence is None and require_evidence:
        raise ValidationError({"evidence": _("Unggah bukti dokumen anggaran (PDF atau gambar).")})
    if document_date is None:
        raise ValidationError({"document_date": _("Tanggal dokumen anggaran wajib diisi.")})
    kind = check_evidence(evidence) if evidence is not None else None
    version = None
    if plan_version_id:
        version = PlanVersion.objects.visible_to(actor).filter(pk=plan_version_id, plan__region=region).first()
        if version is None:
            raise ValidationError({"plan_version": _("Versi rencana tidak ditemukan untuk wilayah ini.")})
    allocation = BudgetAllocation(
        region=region, year=year, document_type=document_type, document_number=(document_number or "").strip(),
        document_date=document_date, account_code=(account_code or "").strip(), amount=amount,
        plan_version=version, source=source, entered_at=timezone.now(), entered_by=actor.user,
    )  # fmt: skip
    allocation.full_clean(exclude=["region", "plan_version", "entered_by", "verified_by"])
    allocation.save()
    if kind is not None:
        _store_evidence(allocation, evidence, *kind)
        allocation.save(update_fields=["evidence_path", "evidence_name", "evidence_type", "evidence_size"])
    events.allocation_entered(allocation, actor=actor)
    if version is not None:
        adopt_version(actor, version, allocation)
    ensure_visible(actor, allocation, _("Alokasi di luar wilayah Anda."))
    return allocation


@transaction.atomic
def review_allocation(actor, allocation: BudgetAllocation, *, approve: bool, reason: str = "") -> BudgetAllocation:
    """Verify (or reject, with a reason) an allocation someone else entered."""
    actor = as_actor(actor)
    locked = BudgetAllocation.objects.visible_to(actor).select_for_update().filter(pk=allocation.pk).first()
    if locked is None or not can_verify(actor, locked):
        raise PermissionDenied(_("Anda tidak dapat memverifikasi alokasi ini."))
    if not approve and not (reason or "").strip():
        raise ValidationError({"reason": _("Tulis alasan penolakan.")})
    locked.status = AllocationStatus.VERIFIED if approve else AllocationStatus.REJECTED
    locked.verified_at = timezone.now()
    locked.verified_by = actor.user
    locked.save(update_fields=["status", "verified_at", "verified_by"])
    events.allocation_reviewed(locked, actor=actor, reason=reason)
    return locked


def open_evidence(actor, allocation: BudgetAllocation):
    """(open file, shown name, content type) of an allocation's evidence the actor may see."""
    if not allocation.evidence_path:
        raise FileNotFoundError(allocation.pk)
    path = Path(allocation.evidence_path)
    if evidence_dir() not in path.resolve().parents:
        raise FileNotFoundError(allocation.pk)
    return path.open("rb"), allocation.evidence_name, allocation.evidence_type
