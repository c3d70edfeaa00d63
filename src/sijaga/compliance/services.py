"""Commands of the compliance app: the first argument is the acting Actor. Each checks role and scope itself, writes
one event row per state change and re-checks visibility after the write."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import Role
from sijaga.accounts.scoping import ensure_visible
from sijaga.compliance.models import (
    ActionItem,
    ActionStatus,
    Addressee,
    AddresseeKind,
    CentralDeclaration,
    ChecklistEntry,
    ChecklistItem,
    ComplianceEvent,
    Evidence,
    Instruction,
    Meeting,
    ReferenceEvent,
    Report,
    ReportStatus,
)
from sijaga.core.periods import Semester
from sijaga.core.uploads import DocumentRefused, check_document
from sijaga.regions.models import Region

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "inpres-2-2021.toml"

#: Roles that fill in a region's checklist (for regions they cover).
DECLARE_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR})
#: Roles that verify a declaration (a province admin verifies their regencies, never their own province).
VERIFY_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN})
#: Roles that record meetings and request reports.
MEETING_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN})


def _need(actor: Actor, roles, region_code: str | None = None) -> None:
    if not (actor.is_system or actor.role in roles):
        raise PermissionDenied(_("Peran Anda tidak dapat melakukan ini."))
    if region_code is not None and not actor.covers(region_code):
        raise PermissionDenied(_("Wilayah ini di luar cakupan Anda."))
    if region_code is None and not actor.scope.national:
        raise PermissionDenied(_("Hanya koordinator nasional yang dapat melakukan ini."))


def _event(actor: Actor, obj, action: str, region_id=None, before=None, after=None) -> None:
    ComplianceEvent.objects.create(
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        action=action,
        region_id=region_id,
        before=before or {},
        after=after or {},
        by=actor.user,
    )


# --- reference data: addressees, instructions, checklist items -----------------------------------------------------


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    heads: int = 0


HEAD_TITLES = {"provinsi": ("governor", "Gubernur"), "kabupaten": ("regent", "Bupati"), "kota": ("mayor", "Wali Kota")}


def load_reference(path: Path = DATA_FILE) -> LoadResult:
    """Idempotent: creates what is missing and refreshes rows the coordinator has not corrected (a corrected row —
    one with a `correct` event — keeps the coordinator's text). Heads of region are generated from `regions`."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    result = LoadResult()
    corrected = set(ReferenceEvent.objects.filter(action="correct").values_list("object_type", "object_key"))
    with transaction.atomic():
        for a in data.get("addressee", []):
            fields = {
                "kind": AddresseeKind.CENTRAL,
                "office": a["office"],
                "title": a["title"],
                "verified": bool(a.get("verified", False)),
            }
            _upsert(Addressee, "addressee", a["key"], fields, corrected, result)
        for i in data.get("instruction", []):
            fields = {
                "clause": i["clause"],
                "to": i["to"],
                "text": i["text"],
                "verified": bool(i.get("verified", False)),
                "unconfirmed": bool(i.get("unconfirmed", False)),
            }
            _upsert(Instruction, "instruction", i["key"], fields, corrected, result)
        for c in data.get("item", []):
            fields = {"order": c["order"], "label": c["label"], "measure": c["measure"], "source": c["source"]}
            _upsert(ChecklistItem, "item", c["key"], fields, corrected, result)
        existing = set(Addressee.objects.filter(region__isnull=False).values_list("region_id", flat=True))
        new = []
        for code, name, kind in Region.objects.filter(level__lte=2, is_current=True).values_list(
            "code", "name", "kind"
        ):
            if code in existing or kind not in HEAD_TITLES:
                continue
            akind, title = HEAD_TITLES[kind]
            new.append(
                Addressee(
                    key="kdh-" + code.replace(".", "-"),
                    kind=akind,
                    office=f"Pemerintah {name}",
                    title=f"{title} {name}",
                    region_id=code,
                )
            )
        Addressee.objects.bulk_create(new, batch_size=500)
        if new:
            ReferenceEvent.objects.create(
                object_type="addressee", object_key="*", action="generate", after={"heads_of_region": len(new)}
            )
        result.heads = len(new)
    return result


def _upsert(model, object_type: str, key: str, fields: dict, corrected: set, result: LoadResult) -> None:
    obj = model.objects.filter(key=key).first()
    if obj is None:
        obj = model(key=key, **fields)
        obj.full_clean()
        obj.save()
        ReferenceEvent.objects.create(object_type=object_type, object_key=key, action="load", after=fields)
        result.created += 1
        return
    before = {k: getattr(obj, k) for k in fields}
    if before == fields or (object_type, key) in corrected:
        result.unchanged += 1
        return
    for k, v in fields.items():
        setattr(obj, k, v)
    obj.full_clean()
    obj.save()
    ReferenceEvent.objects.create(object_type=object_type, object_key=key, action="load", before=before, after=fields)
    result.updated += 1


EDITABLE = {
    "addressee": (Addressee, ("office", "title", "verified", "is_active")),
    "instruction": (Instruction, ("clause", "text", "verified", "unconfirmed")),
}


def correct_reference(actor: Actor, object_type: str, key: str, changes: dict, *, reason: str):
    """The national coordinator corrects or completes an addressee or an instruction from the official text; the
    before/after is kept as a history row (and the data file's load no longer overwrites it)."""
    if not (actor.is_system or actor.role == Role.COORDINATOR):
        raise PermissionDenied(_("Hanya koordinator nasional yang dapat mengoreksi data Inpres."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Sebutkan alasan/sumber koreksi.")]})
    model, allowed = EDITABLE[object_type]
    with transaction.atomic():
        obj = model.objects.select_for_update().get(key=key)
        changes = {k: v for k, v in changes.items() if k in allowed and getattr(obj, k) != v}
        if not changes:
            return obj
        before = {k: getattr(obj, k) for k in changes}
        for k, v in changes.items():
            setattr(obj, k, v)
        obj.full_clean()
        obj.save()
        ReferenceEvent.objects.create(
            object_type=object_type,
            object_key=key,
            action="correct",
            before=before,
            after=changes,
            reason=reason.strip()[:300],
            by=actor.user,
        )
    return obj


# --- evidence -------------------------------------------------------------------------------------------------------


def evidence_dir() -> Path:
    path = Path(settings.VAR_DIR) / "compliance"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def store_evidence(actor: Actor, upload, *, region_code: str | None) -> Evidence:
    """Check (magic bytes, ≤ 20 MB, not an executable) and store an evidence file 0600 under a random name; the
    neutralised original name is kept for display. Raises ValidationError with a clear message."""
    try:
        content_type, safe_name = check_document(upload)
    except DocumentRefused as exc:
        raise ValidationError({"evidence": [exc.message]}, code=exc.code) from None
    target = evidence_dir() / f"{uuid.uuid4().hex}{Path(safe_name).suffix}"
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        upload.seek(0)
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    evidence = Evidence.objects.create(
        region_id=region_code,
        file_name=safe_name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        path=str(target),
        uploaded_by=actor.user,
    )
    return evidence


# --- a region's checklist -------------------------------------------------------------------------------------------


def declare(
    actor: Actor,
    *,
    region_code: str,
    year: int,
    item_key: str,
    met: bool,
    doc_number: str = "",
    doc_date=None,
    note: str = "",
    upload=None,
) -> ChecklistEntry:
    """A region states that a declared item is met (with its document) or not; a new declaration clears the
    verification (it must be verified again)."""
    _need(actor, DECLARE_ROLES, region_code)
    item = ChecklistItem.objects.filter(key=item_key).first()
    if item is None or item.measured:
        raise ValidationError({"item": [_("Butir ini diukur dari data, tidak dinyatakan.")]})
    region = Region.objects.filter(code=region_code, level__lte=2).first()
    if region is None:
        raise ValidationError({"region": [_("Daftar periksa hanya untuk provinsi dan kabupaten/kota.")]})
    with transaction.atomic():
        entry = ChecklistEntry.objects.select_for_update().filter(region=region, year=year, item=item).first()
        before = _entry_state(entry) if entry else {}
        evidence = store_evidence(actor, upload, region_code=region_code) if upload is not None else None
        if entry is None:
            entry = ChecklistEntry(region=region, year=year, item=item)
        if evidence is not None:
            entry.evidence = evidence
        entry.met, entry.doc_number, entry.doc_date, entry.note = met, doc_number.strip(), doc_date, note.strip()
        entry.declared_by, entry.declared_at = actor.user, timezone.now()
        entry.verified_by, entry.verified_at = None, None
        entry.full_clean()
        entry.save()
        _event(actor, entry, "declare", region.code, before, _entry_state(entry))
        ensure_visible(actor, entry, _("Isian di luar cakupan Anda."))
    return entry


def _entry_state(entry: ChecklistEntry) -> dict:
    return {
        "met": entry.met,
        "doc_number": entry.doc_number,
        "doc_date": entry.doc_date.isoformat() if entry.doc_date else None,
        "evidence": entry.evidence_id,
        "verified": entry.verified_at is not None,
    }


def verify(actor: Actor, entry: ChecklistEntry) -> ChecklistEntry:
    """A coordinator, or the province admin over a regency of their province, confirms the evidence."""
    _need(actor, VERIFY_ROLES, entry.region_id)
    if actor.role == Role.PROVINCE_ADMIN and entry.region_id in actor.scope.prefixes:
        raise PermissionDenied(_("Isian provinsi Anda sendiri diverifikasi oleh koordinator nasional."))
    if not entry.met or entry.evidence_id is None:
        raise ValidationError({"met": [_("Hanya butir terpenuhi dengan dokumen bukti yang dapat diverifikasi.")]})
    with transaction.atomic():
        before = _entry_state(entry)
        entry.verified_by, entry.verified_at = actor.user, timezone.now()
        entry.save(update_fields=["verified_by", "verified_at"])
        _event(actor, entry, "verify", entry.region_id, before, _entry_state(entry))
    return entry


def declare_central(
    actor: Actor, *, addressee_key: str, instruction_key: str, year: int, met: bool, note: str = "", upload=None
) -> CentralDeclaration:
    """A central office's declaration on an instruction (recorded by the national coordinator), with evidence."""
    _need(actor, {Role.COORDINATOR})
    addressee = Addressee.objects.get(key=addressee_key, kind=AddresseeKind.CENTRAL)
    instruction = Instruction.objects.get(key=instruction_key)
    with transaction.atomic():
        decl = (
            CentralDeclaration.objects.select_for_update()
            .filter(addressee=addressee, instruction=instruction, year=year)
            .first()
        )
        before = {"met": decl.met} if decl else {}
        if decl is None:
            decl = CentralDeclaration(addressee=addressee, instruction=instruction, year=year)
        if upload is not None:
            decl.evidence = store_evidence(actor, upload, region_code=None)
        decl.met, decl.note = met, note.strip()
        decl.declared_by, decl.declared_at = actor.user, timezone.now()
        decl.verified_by, decl.verified_at = (actor.user, timezone.now()) if met else (None, None)
        if decl.met and decl.evidence_id is None:
            raise ValidationError({"evidence": [_("Butir yang dinyatakan terpenuhi memerlukan dokumen bukti.")]})
        decl.save()
        _event(actor, decl, "declare", None, before, {"met": met})
    return decl


# --- meetings and follow-up -----------------------------------------------------------------------------------------


def create_meeting(
    actor: Actor,
    *,
    date,
    title: str,
    place: str = "",
    online: bool = False,
    participants: str = "",
    region_codes: list[str],
    minutes=None,
) -> Meeting:
    if not region_codes:
        _need(actor, MEETING_ROLES)
    for code in region_codes:
        _need(actor, MEETING_ROLES, code)
    regions = list(Region.objects.filter(code__in=region_codes, level__lte=2))
    if len(regions) != len(set(region_codes)):
        raise ValidationError({"regions": [_("Wilayah tidak dikenal (pilih provinsi atau kabupaten/kota).")]})
    with transaction.atomic():
        meeting = Meeting(
            date=date,
            title=title.strip(),
            place=place.strip(),
            online=online,
            participants=participants.strip(),
            created_by=actor.user,
        )
        if minutes is not None:
            meeting.minutes = store_evidence(actor, minutes, region_code=region_codes[0] if region_codes else None)
        meeting.full_clean(exclude=["regions"])
        meeting.save()
        meeting.regions.set(regions)
        _event(
            actor,
            meeting,
            "create",
            region_codes[0] if region_codes else None,
            {},
            {"title": meeting.title, "date": date.isoformat(), "regions": sorted(region_codes)},
        )
        ensure_visible(actor, meeting, _("Rapat di luar cakupan Anda."))
    return meeting


def add_action(
    actor: Actor, meeting: Meeting, *, decision: str, owner: str, region_code: str | None, due_date
) -> ActionItem:
    """A decision of the meeting becomes an action item for one region (or a central owner)."""
    _need(actor, MEETING_ROLES, region_code)
    if not Meeting.objects.visible_to(actor).filter(pk=meeting.pk).exists():
        raise PermissionDenied(_("Rapat di luar cakupan Anda."))
    with transaction.atomic():
        item = ActionItem(
            meeting=meeting, decision=decision.strip(), owner=owner.strip(), region_id=region_code, due_date=due_date
        )
        item.full_clean()
        item.save()
        _event(actor, item, "create", region_code, {}, {"decision": item.decision, "due": due_date.isoformat()})
    return item


def update_action(actor: Actor, item: ActionItem, *, status: str, upload=None, note: str = "") -> ActionItem:
    """The owning region (or the coordinator) reports progress: done (with evidence) or cancelled (coordinator)."""
    _need(actor, DECLARE_ROLES, item.region_id)
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Status tidak dikenal.")]})
    if status == ActionStatus.CANCELLED and actor.role != Role.COORDINATOR and not actor.is_system:
        raise PermissionDenied(_("Hanya koordinator yang dapat membatalkan tindak lanjut."))
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().get(pk=item.pk)
        before = {"status": item.status, "evidence": item.evidence_id}
        if upload is not None:
            item.evidence = store_evidence(actor, upload, region_code=item.region_id)
        if status == ActionStatus.DONE and item.evidence_id is None:
            raise ValidationError({"evidence": [_("Tindak lanjut selesai memerlukan dokumen bukti.")]})
        item.status = status
        item.done_at = timezone.now() if status == ActionStatus.DONE else None
        item.save()
        _event(
            actor,
            item,
            "status",
            item.region_id,
            before,
            {"status": status, "evidence": item.evidence_id, "note": note[:200]},
        )
    return item


# --- the six-monthly report -----------------------------------------------------------------------------------------


def request_report(actor: Actor, semester: Semester, *, region_code: str | None = None) -> tuple[Report, bool]:
    """Queue the report for a semester (national, or a province for its governor). A report already requested for
    the same semester and scope is returned instead (the unique constraint makes a double request run once)."""
    if region_code is None:
        _need(actor, {Role.COORDINATOR})
    else:
        _need(actor, MEETING_ROLES, region_code)
        if not Region.objects.filter(code=region_code, level=1).exists():
            raise ValidationError({"region": [_("Laporan gubernur dibuat per provinsi.")]})
    key = region_code or ""
    existing = Report.objects.filter(year=semester.year, half=semester.half, scope_key=key).first()
    if existing is not None and existing.status == ReportStatus.FAILED:
        return retry_report(actor, existing), True  # asked again after a failure: generate it again
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                year=semester.year, half=semester.half, region_id=region_code, scope_key=key, requested_by=actor.user
            )
            _event(actor, report, "request", region_code, {}, {"semester": str(semester)})
            enqueue_report(report)
    except IntegrityError:
        return Report.objects.get(year=semester.year, half=semester.half, scope_key=key), False
    return report, True


def enqueue_report(report: Report) -> None:
    from sijaga.compliance.tasks import generate_report

    report_id = report.pk
    transaction.on_commit(lambda: generate_report.enqueue(report_id))


def run_report(report_id: int) -> Report:
    """Claim the report (only one runner wins the queued → running step), take the snapshot, render, freeze."""
    from sijaga.compliance import report as rendering

    claimed = Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, progress=5, heartbeat_at=timezone.now()
    )
    report = Report.objects.select_related("region", "requested_by").get(pk=report_id)
    if not claimed:
        return report
    actor = Actor.system("task", on_behalf_of=report.requested_by)
    try:
        semester = Semester(report.year, report.half)

        def progress(pct: int, message: str = "") -> None:
            updated = Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
                progress=pct, message=message[:500], heartbeat_at=timezone.now()
            )
            if not updated:  # reaped as stalled meanwhile: stop, the failed report stays failed
                raise ReportAbandoned(report_id)

        snapshot = rendering.take_snapshot(actor, semester, region_code=report.region_id, progress=progress)
        progress(70, "PDF")
        pdf = rendering.render_pdf(snapshot)
        progress(90, "XLSX")
        xlsx = rendering.render_xlsx(snapshot)
        with transaction.atomic():
            done = Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
                status=ReportStatus.DONE,
                progress=100,
                message="",
                snapshot=snapshot,
                pdf=pdf,
                xlsx=xlsx,
                pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                xlsx_sha256=hashlib.sha256(xlsx).hexdigest(),
                snapshot_sha256=rendering.snapshot_digest(snapshot),
                finished_at=timezone.now(),
            )
            if not done:
                raise ReportAbandoned(report_id)
    except ReportAbandoned:
        logger.warning("report %s was reaped as stalled while it ran; its result is dropped", report_id)
        return Report.objects.get(pk=report_id)
    except Exception as exc:
        Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
            status=ReportStatus.FAILED, message=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    return Report.objects.get(pk=report_id)


class ReportAbandoned(Exception):
    """The report stopped being this runner's (it was marked failed as stalled): its work must not be written."""


def reap_stalled_reports(report_id: int | None = None) -> int:
    """Mark failed the running reports whose runner gave no sign of life for REPORT_STALL_MINUTES (the worker died
    or was killed): nothing spins for ever, and a failed report can be generated again (`retry_report`).

    One conditional UPDATE per report, so two reapers or a late runner cannot both win."""
    limit = timezone.now() - dt.timedelta(minutes=settings.REPORT_STALL_MINUTES)
    stalled = Report.objects.filter(status=ReportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, requested_at__lt=limit)
    )
    if report_id is not None:
        stalled = stalled.filter(pk=report_id)
    reaped = 0
    message = _("Proses pembuatan laporan terhenti (pekerja latar berhenti); buat ulang laporan.")
    for report in stalled.only("pk", "region_id", "progress"):
        with transaction.atomic():
            won = Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).update(
                status=ReportStatus.FAILED, message=message, finished_at=timezone.now()
            )
            if won:
                _event(
                    Actor.system("task"), report, "stalled", report.region_id,
                    {"status": "running", "progress": report.progress}, {"status": "failed"},
                )  # fmt: skip
                reaped += 1
                logger.warning("report %s stalled at %s %%: marked failed", report.pk, report.progress)
    return reaped


def may_retry(actor: Actor, report: Report) -> bool:
    """Who may request this report may generate it again."""
    try:
        _need(actor, {Role.COORDINATOR} if report.region_id is None else MEETING_ROLES, report.region_id)
    except PermissionDenied:
        return False
    return True


def retry_report(actor: Actor, report: Report) -> Report:
    """A failed report may be queued again (never a finished one: it is frozen)."""
    _need(actor, {Role.COORDINATOR} if report.region_id is None else MEETING_ROLES, report.region_id)
    with transaction.atomic():
        requeued = Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).update(
            status=ReportStatus.QUEUED, progress=0, message="", finished_at=None, heartbeat_at=None
        )
        if not requeued:
            raise ValidationError({"status": [_("Hanya laporan yang gagal yang dapat diulang.")]})
        _event(actor, report, "retry", report.region_id, {"status": "failed"}, {"status": "queued"})
        enqueue_report(report)
    report.refresh_from_db()
    return report
