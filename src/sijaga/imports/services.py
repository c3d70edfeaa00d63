"""The import engine's commands, one path for the UI, the API and the CLI: store → read → validate → merge → report.

Every command takes the acting `Actor`. Every batch is recorded (who, when, file hash, counts, report) with one event
per state change. What a file means is the business of its kind (`imports.kinds`); the engine runs the kind's
validation and its set-based merge in one transaction, so a batch that dies half-way leaves nothing and is simply
run again. Failures are never silent: any exception marks the batch failed with a readable message, logs the
traceback and fails the task; a worker that died is noticed by the missing heartbeat (`reap_stalled`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import audit
from sijaga.core.exceptions import NotFound
from sijaga.core.fkcheck import BrokenReference
from sijaga.imports import kinds
from sijaga.imports.columns import reading
from sijaga.imports.kinds import ROW, Context, Target
from sijaga.imports.models import IN_PROGRESS, BatchStatus, ImportBatch, ImportEvent
from sijaga.imports.reader import FileRefused, read_table
from sijaga.imports.result_workbook import write_report

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
PREVIEW_ROWS = 50  # rejections stored with the batch for its page (security review F14)
AUTO_REQUEUES = 1  # a stalled batch is re-queued automatically once; stalling again marks it failed
LOCK_CLASS = 0x51A9  # first key of the advisory locks that serialise imports of one payer/region
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

__all__ = [
    "XLSX_TYPE", "BatchNotFound", "FileRefused", "NotAwaitingConfirmation", "NotRetryable", "ReportPurged",
    "batch_actor", "batches_for", "confirm", "create_batch", "enqueue", "get_batch", "import_file", "open_report",
    "purge", "reap_stalled", "rejection_preview", "result_dict", "retry", "run_batch", "view_batch",
]  # fmt: skip


class BatchNotFound(NotFound):
    """A batch that does not exist or is outside the actor's scope (indistinguishable on purpose)."""


class NotAwaitingConfirmation(ValidationError):
    def __init__(self):
        super().__init__({"status": [_("Unggahan ini tidak menunggu konfirmasi impor.")]}, code="not_awaiting")


class NotRetryable(ValidationError):
    def __init__(self):
        super().__init__({"status": [_("Unggahan ini tidak terhenti atau gagal; tidak perlu dijalankan ulang.")]},
                         code="not_retryable")  # fmt: skip


class ReportPurged(Exception):
    """The stored file and report were deleted after the retention period; the batch record stays."""


# --- storage ---------------------------------------------------------------------------------------------------


def import_dir() -> Path:
    """Where uploads and reports live: 0700, files 0600 (they hold full NIKs: security review F23)."""
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _store(folder: Path, name: str, chunks) -> tuple[Path, str]:
    target = folder / name
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
            if out.tell() > MAX_UPLOAD_BYTES:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise FileRefused(
                    "too_large", _("Berkas lebih dari %(mb)s MB; pecah menjadi beberapa berkas.") % {"mb": 200}
                )
    return target, digest.hexdigest()


def _file_chunks(path: Path, size: int = 1024 * 1024):
    with path.open("rb") as fh:
        while chunk := fh.read(size):
            yield chunk


# --- reads ---------------------------------------------------------------------------------------------------------


def batches_for(actor: Actor) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(actor).select_related("payer", "region", "uploaded_by", "confirmed_by")


def get_batch(actor: Actor, pk) -> ImportBatch:
    try:
        return batches_for(actor).get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, ValidationError) as exc:
        raise BatchNotFound(pk) from exc


def rejection_preview(actor: Actor, batch: ImportBatch) -> list[dict]:
    """The first rejected rows (row, column, value, reason), stored with the batch, as this actor may see them."""
    if not batch.rejection_preview:
        return []
    return kinds.get(batch.kind).mask_preview(actor, batch.rejection_preview)


def view_batch(actor: Actor, pk, *, poll: bool = False) -> tuple[ImportBatch, list[dict]]:
    """A batch page: the batch, its rejection preview, and an AccessLog row whenever rows are shown (F8).

    A progress poll that shows no rows is not an access to personal data and is not logged."""
    batch = get_batch(actor, pk)
    preview = rejection_preview(actor, batch) if batch.is_finished else []
    if preview or not poll:
        audit(actor, "view", "import", batch.pk, count=len(preview))
    return batch, preview


def _target_of(batch: ImportBatch) -> Target:
    payer = batch.payer
    label = str(payer) if payer is not None else str(batch.region_id)
    return Target(pk=batch.payer_id, code=getattr(payer, "code", batch.region_id), label=label,
                  region_code=batch.region_id, payer_id=batch.payer_id)  # fmt: skip


def _context(batch: ImportBatch, actor: Actor, *, today: dt.date | None = None, step=None) -> Context:
    ctx = Context(actor=actor, target=_target_of(batch), today=today or timezone.localdate(),
                  batch_id=str(batch.pk), file_name=batch.file_name, options=dict(batch.options or {}))  # fmt: skip
    if step is not None:
        ctx.step = step
    return ctx


# --- commands ------------------------------------------------------------------------------------------------------


def _record(batch: ImportBatch, status: str, message: str = "", *, by=None) -> None:
    """Save the batch's state and write its event (the audit trail of the upload)."""
    batch.status = status
    batch.heartbeat_at = timezone.now()
    batch.save(
        update_fields=[
            "status", "phase", "progress", "read", "created", "updated", "unchanged", "rejected", "notes", "error",
            "report_path", "rejection_preview", "finished_at", "seconds", "heartbeat_at",
        ]
    )  # fmt: skip
    ImportEvent.objects.create(batch=batch, status=status, message=message[:2000], by=by)


def create_batch(
    actor: Actor,
    *,
    target: Target,
    kind: str = kinds.DEFAULT_KIND,
    source: Path | None = None,
    upload=None,
    file_name: str,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    options: dict | None = None,
    language: str | None = None,
) -> ImportBatch:
    """Check the actor may import for `target`, store the file (a copy of `source`, or the uploaded file object)
    and record the batch as uploaded. Queue it with `enqueue`, or run it with `run_batch`."""
    import_kind = kinds.get(kind)
    import_kind.authorise(actor, Context(actor=actor, target=target, today=timezone.localdate()))
    known = {k: bool(v) for k, v in (options or {}).items() if k in import_kind.options}
    batch_id = uuid.uuid4()
    folder = import_dir() / str(batch_id)
    folder.mkdir(mode=0o700)
    safe_name = Path(file_name).name[:200] or "unggahan"
    stored, sha256 = _store(folder, safe_name, upload.chunks() if upload is not None else _file_chunks(Path(source)))
    batch = ImportBatch.objects.create(
        id=batch_id, kind=import_kind.slug, region_id=target.region_code, payer_id=target.payer_id,
        uploaded_by=actor.user, channel=actor.channel, file_name=safe_name, file_path=str(stored),
        file_sha256=sha256, file_size=stored.stat().st_size, dry_run=dry_run, all_or_nothing=all_or_nothing,
        options=known, language=language or translation.get_language() or "id", heartbeat_at=timezone.now(),
    )  # fmt: skip
    ImportEvent.objects.create(batch=batch, status=BatchStatus.UPLOADED, message=safe_name, by=actor.user)
    return batch


def enqueue(batch: ImportBatch) -> None:
    """Queue the batch for the task worker once the surrounding transaction commits (Saleor's habit)."""
    from sijaga.imports.tasks import process_import

    batch_id = str(batch.pk)
    transaction.on_commit(lambda: process_import.enqueue(batch_id))


def batch_actor(batch: ImportBatch) -> Actor:
    """Who a run acts as: the confirmer of a confirmed dry run, else the uploader; CLI batches without a user run
    as the system. A user who has since left (deleted) leaves nobody: the run is refused, not done as someone else."""
    user = batch.confirmed_by or batch.uploaded_by
    if user is not None:
        return Actor.of(user, channel=batch.channel)
    if batch.channel == "cli":
        return Actor.system("cli")
    return Actor.nobody()


class _Pulse:
    """Progress and heartbeat of a running batch.

    On PostgreSQL, when the run is not inside a caller's transaction, progress is written through a second
    connection in autocommit, so the page and the stall detection see it while the merge transaction is open
    (security review F26). Otherwise (SQLite, tests) it goes through the main connection."""

    def __init__(self, batch: ImportBatch, progress: Progress | None):
        self.batch = batch
        self.progress = progress
        self.side = connection.copy() if connection.vendor == "postgresql" and not connection.in_atomic_block else None

    def __call__(self, phase: str, percent: int) -> None:
        now = timezone.now()
        phase = str(phase)[:40]
        self.batch.phase, self.batch.progress, self.batch.heartbeat_at = phase, percent, now
        if self.side is not None:
            with self.side.cursor() as cur:
                cur.execute(
                    "UPDATE imports_importbatch SET phase = %s, progress = %s, heartbeat_at = %s WHERE id = %s",
                    [phase, percent, now, self.batch.pk],
                )
        else:
            ImportBatch.objects.filter(pk=self.batch.pk).update(phase=phase, progress=percent, heartbeat_at=now)
        if self.progress:
            self.progress(phase, percent)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def run_batch(
    batch_id: uuid.UUID | str,
    *,
    actor: Actor | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportBatch:
    """Read, validate and (unless dry run) merge a stored batch.

    Idempotent: a run first claims the batch (uploaded → validating, in one UPDATE), so a second task for the same
    batch, or a re-run of a finished one, does nothing. Any exception marks the batch failed with a readable
    message and is re-raised (the task fails too); the traceback is logged."""
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.UPLOADED).update(
        status=BatchStatus.VALIDATING, attempts=F("attempts") + 1, heartbeat_at=now, error="", finished_at=None,
        phase="", progress=0,
    )  # fmt: skip
    batch = ImportBatch.objects.select_related("payer", "uploaded_by", "confirmed_by").get(pk=batch_id)
    if not claimed:
        logger.info("import batch %s is %s: nothing to run", batch.pk, batch.status)
        return batch
    ImportEvent.objects.create(batch=batch, status=BatchStatus.VALIDATING)
    actor = actor or batch_actor(batch)
    pulse = _Pulse(batch, progress)
    started = time.perf_counter()
    try:
        _run(batch, actor, pulse, today, started)
    except Exception as exc:
        logger.exception("import batch %s failed", batch.pk)
        _fail(batch, failure_message(exc), started)
        raise
    finally:
        pulse.close()
    return batch


def failure_message(exc: BaseException) -> str:
    """What the uploader is told when a run breaks (never a bare traceback, never nothing)."""
    if isinstance(exc, IntegrityError) and _is_unique_violation(exc):
        return _("Impor lain dengan NIK yang sama berjalan bersamaan; unggah ulang.")
    if isinstance(exc, BrokenReference):
        return _("Data rujukan (wilayah, pembayar, pengguna atau tenaga kerja) terhapus selama impor; tidak ada yang "
                 "disimpan. Unggah ulang.")  # fmt: skip
    if isinstance(exc, InterfaceError) or (
        isinstance(exc, OperationalError)
        and any(w in str(exc).lower() for w in ("connection", "terminat", "closed", "server"))
    ):
        return _("Koneksi ke basis data terputus saat impor; unggah ulang.")
    return _("Impor terhenti karena kesalahan sistem; unggah ulang atau hubungi admin (%(e)s).") % {
        "e": type(exc).__name__
    }


def _is_unique_violation(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc)


def _fail(batch: ImportBatch, message: str, started: float) -> None:
    try:
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()  # a lost connection is reopened for this write
        batch.error = message
        batch.finished_at = timezone.now()
        batch.seconds = time.perf_counter() - started
        _record(batch, BatchStatus.FAILED, message)
    except DatabaseError:
        logger.exception("import batch %s: could not record the failure", batch.pk)


def _run(batch: ImportBatch, actor: Actor, pulse: _Pulse, today: dt.date | None, started: float) -> None:
    kind = kinds.get(batch.kind)
    ctx = _context(batch, actor, today=today, step=pulse)
    try:
        kind.authorise(actor, ctx)
        pulse(_("membaca berkas"), 5)
        with reading(kind.columns):
            table = read_table(Path(batch.file_path), batch.file_name)
        pulse(_("memeriksa %(n)s baris") % {"n": table.frame.height}, 25)
        checked = kind.validate(table.frame, ctx)
    except (FileRefused, PermissionDenied) as exc:
        batch.error = getattr(exc, "message", None) or str(exc)
        batch.finished_at = timezone.now()
        batch.seconds = time.perf_counter() - started
        _record(batch, BatchStatus.FAILED, batch.error)
        return
    batch.notes = (
        table.notes
        + ([_("%(n)s baris kosong dilewati.") % {"n": table.blank_rows}] if table.blank_rows else [])
        + list(checked.notes)
    )
    batch.read = checked.read
    blocked = batch.all_or_nothing and checked.rejected_rows > 0
    if blocked:
        batch.notes.append(_("Semua atau tidak sama sekali: ada baris ditolak, tidak ada yang diimpor."))
    batch.phase, batch.progress = _("memeriksa perubahan"), 45
    _record(batch, BatchStatus.VALIDATED)
    writes = not (batch.dry_run or blocked)
    if writes:
        _record(batch, BatchStatus.IMPORTING, by=actor.user)
        if (prepare := getattr(kind, "before_merge", None)) is not None:
            prepare(ctx)  # outside the merge's transaction (kinds.ImportKind)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _lock(batch, pulse)
                _merge(batch, kind, ctx, checked, table.frame, blocked=blocked, pulse=pulse)
                batch.phase, batch.progress = _("selesai"), 100
                batch.finished_at = timezone.now()
                batch.seconds = time.perf_counter() - started
                if writes:
                    _record(batch, BatchStatus.IMPORTED, _summary_line(batch), by=actor.user)
                else:
                    transaction.set_rollback(True)  # a dry run computes everything, then keeps nothing
            break
        except IntegrityError as exc:
            # an overlapping import of another payer inserted the same NIKs meanwhile: once more, matching them now
            if attempt == 2 or not _is_unique_violation(exc):
                raise
            logger.warning("import batch %s: unique violation, merging again", batch.pk)
    if not writes:
        _record(batch, BatchStatus.VALIDATED, _summary_line(batch), by=actor.user)
    if actor.user is not None:
        audit(actor, "create" if writes else "search", "import", batch.pk, count=batch.read)


def _lock(batch: ImportBatch, pulse: _Pulse) -> None:
    """Serialise imports for the same payer (or region): the second waits for the first to commit, then matches
    the rows the first wrote instead of colliding with them. SQLite serialises every writer anyway."""
    if connection.vendor != "postgresql":
        return
    pulse(_("menunggu impor lain selesai"), 48)
    key = zlib.crc32(f"{batch.kind}:{batch.payer_id or batch.region_id}".encode()) - 2**31
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, key])


def _merge(batch, kind, ctx: Context, checked, raw: pl.DataFrame, *, blocked: bool, pulse: _Pulse) -> None:
    valid = checked.valid.clear() if blocked else checked.valid
    result = kind.merge(valid, ctx)
    rejections = pl.concat([checked.rejections.select(result.rejections.columns), result.rejections]).sort(
        ROW, maintain_order=True
    )
    batch.rejected = rejections.get_column(ROW).n_unique() if rejections.height else 0
    batch.created, batch.updated, batch.unchanged = result.created, result.updated, result.unchanged
    if blocked:
        batch.unchanged = batch.read - batch.rejected
    batch.notes = [*batch.notes, *result.notes]
    pulse(_("menulis laporan"), 95)
    _write_report(batch, kind, rejections, raw)


def _summary_line(batch: ImportBatch) -> str:
    return (
        f"read={batch.read} created={batch.created} updated={batch.updated} "
        f"unchanged={batch.unchanged} rejected={batch.rejected}"
    )


def _write_report(batch: ImportBatch, kind, rejections: pl.DataFrame, raw: pl.DataFrame) -> None:
    path = Path(batch.file_path).with_name("laporan.xlsx")
    target = _target_of(batch)
    summary: list[tuple[str, object]] = [
        (_("Berkas"), batch.file_name),
        (_("SHA-256"), batch.file_sha256),
        (str(kind.target_label), target.label),
        (_("Baris dibaca"), batch.read),
        (_("Baris ditolak"), batch.rejected),
        *[(_("Catatan"), n) for n in batch.notes],
    ]
    write_report(path, columns=kind.columns, rejections=rejections, raw=raw, summary=summary)
    batch.report_path = str(path)
    batch.rejection_preview = [
        {"row": r[ROW], "key": r["key"], "column": r["column"], "value": r["value"], "reason": r["reason"]}
        for r in rejections.head(PREVIEW_ROWS).iter_rows(named=True)
    ]


def _authorise_write(actor: Actor, batch: ImportBatch) -> None:
    """Write roles in the batch's scope only (confirm, retry, report: security review F6, F27)."""
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mengimpor data."))
    kinds.get(batch.kind).authorise(actor, _context(batch, actor))


def confirm(actor: Actor, batch: ImportBatch, *, options: dict | None = None) -> ImportBatch:
    """Turn a validated dry run into a real import of the same stored file, run as (and credited to) the
    confirming actor. `options` may add kind choices (e.g. confirming double funding)."""
    _authorise_write(actor, batch)
    kind = kinds.get(batch.kind)
    with transaction.atomic():
        current = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not current.awaits_confirmation or current.purged_at is not None:
            raise NotAwaitingConfirmation
        chosen = {k: True for k, v in (options or {}).items() if v and k in kind.options}
        current.options = {**(current.options or {}), **chosen}
        current.dry_run, current.finished_at, current.status = False, None, BatchStatus.UPLOADED
        current.phase, current.progress, current.confirmed_by = "", 0, actor.user
        current.heartbeat_at = timezone.now()
        current.save(update_fields=["options", "dry_run", "finished_at", "status", "phase", "progress",
                                    "confirmed_by", "heartbeat_at"])  # fmt: skip
        ImportEvent.objects.create(batch=current, status=BatchStatus.UPLOADED, message=_("dikonfirmasi"),
                                   by=actor.user)  # fmt: skip
        audit(actor, "create", "import", current.pk, query="confirm")
        enqueue(current)
    return current


def retry(actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Queue a stalled (or failed) batch again: the merge is idempotent, so a second run finishes what the first
    started or, if the first did commit, changes nothing."""
    _authorise_write(actor, batch)
    with transaction.atomic():
        current = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not (current.is_stalled or current.status == BatchStatus.FAILED) or current.purged_at is not None:
            raise NotRetryable
        _requeue(current, _("dijalankan ulang"), by=actor.user)
        audit(actor, "update", "import", current.pk, query="retry")
    return current


def _requeue(batch: ImportBatch, message: str, *, by=None) -> None:
    batch.phase, batch.progress, batch.error, batch.finished_at = "", 0, "", None
    batch.status, batch.heartbeat_at = BatchStatus.UPLOADED, timezone.now()
    batch.save(update_fields=["phase", "progress", "error", "finished_at", "status", "heartbeat_at"])
    ImportEvent.objects.create(batch=batch, status=BatchStatus.UPLOADED, message=message, by=by)
    enqueue(batch)


def stalled() -> QuerySet[ImportBatch]:
    """Batches a worker was busy with that have given no sign of life for `IMPORT_STALL_MINUTES`."""
    limit = timezone.now() - dt.timedelta(minutes=settings.IMPORT_STALL_MINUTES)
    return ImportBatch.objects.filter(status__in=IN_PROGRESS, finished_at__isnull=True).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, uploaded_at__lt=limit)
    )


def reap_stalled() -> list[ImportBatch]:
    """Re-queue batches whose worker died (once), or mark them failed when they stall again (a file that kills
    the worker must not kill it forever). Runs whenever the task worker starts a task (`imports.apps`)."""
    reaped = []
    for batch in stalled().order_by("uploaded_at"):
        with transaction.atomic():
            current = ImportBatch.objects.select_for_update(skip_locked=True).filter(pk=batch.pk).first()
            if current is None or not current.is_stalled:
                continue
            if current.attempts <= AUTO_REQUEUES:
                _requeue(current, _("proses terhenti (pekerja berhenti); dijalankan ulang otomatis"))
            else:
                current.error = _("Impor terhenti berulang kali karena proses pekerja berhenti; unggah ulang "
                                  "atau hubungi admin.")  # fmt: skip
                current.finished_at = timezone.now()
                _record(current, BatchStatus.FAILED, current.error)
            logger.warning("import batch %s stalled in %s: %s", current.pk, batch.status, current.status)
            reaped.append(current)
    return reaped


def open_report(actor: Actor, batch: ImportBatch) -> tuple[Path, str]:
    """The result workbook's path and download name, for write roles in scope; the download is audited.

    The report repeats identifiers as uploaded, so auditors and BPJS officers do not download it (decision F27)."""
    if not actor.can_write:
        raise PermissionDenied(_("Laporan berisi NIK utuh; hanya peran yang mengunggah dapat mengunduhnya."))
    kinds.get(batch.kind).authorise(actor, _context(batch, actor))
    if batch.purged_at is not None:
        raise ReportPurged(batch.pk)
    if not batch.report_path or not Path(batch.report_path).exists():
        raise BatchNotFound(batch.pk)
    audit(actor, "export", "import_report", batch.pk, count=batch.rejected)
    return Path(batch.report_path), f"laporan-{Path(batch.file_name).stem}.xlsx"


def purge(*, days: int | None = None, dry_run: bool = False) -> list[ImportBatch]:
    """Delete the stored upload and report of finished batches older than the retention period (F23).

    The batch record, its counts and events stay; `purged_at` says the files are gone."""
    days = settings.IMPORT_RETENTION_DAYS if days is None else days
    limit = timezone.now() - dt.timedelta(days=days)
    finished = Q(status__in=(BatchStatus.IMPORTED, BatchStatus.FAILED)) | Q(
        status=BatchStatus.VALIDATED, finished_at__isnull=False
    )
    old = Q(finished_at__lt=limit) | Q(finished_at__isnull=True, uploaded_at__lt=limit)
    batches = list(ImportBatch.objects.filter(finished & old, purged_at__isnull=True).order_by("uploaded_at"))
    if dry_run:
        return batches
    root = import_dir().resolve()
    for batch in batches:
        folder = Path(batch.file_path).parent.resolve()
        if folder.parent == root:  # never follow a path outside the import folder
            shutil.rmtree(folder, ignore_errors=True)
        batch.purged_at = timezone.now()
        batch.save(update_fields=["purged_at"])
        ImportEvent.objects.create(
            batch=batch,
            status=batch.status,
            message=_("berkas dan laporan dihapus (masa simpan %(d)s hari)") % {"d": days},
        )
    return batches


def import_file(
    path: Path,
    *,
    payer_code: str,
    user=None,
    kind: str = kinds.DEFAULT_KIND,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    options: dict | None = None,
    progress: Progress | None = None,
    channel: str = "cli",
) -> ImportBatch:
    """The CLI's entry: record and run a batch synchronously, as `user` or (without one) as the system."""
    actor = Actor.of(user, channel=channel) if user is not None else Actor.system(channel)
    import_kind = kinds.get(kind)
    target = import_kind.target(actor, code=payer_code)
    if target is None:
        raise PermissionDenied(_("Pembayar iuran dengan kode %(c)s tidak ditemukan.") % {"c": payer_code})
    batch = create_batch(
        actor, target=target, kind=kind, source=path, file_name=Path(path).name, dry_run=dry_run,
        all_or_nothing=all_or_nothing, options=options,
    )  # fmt: skip
    return run_batch(batch.pk, actor=actor, progress=progress)


def result_dict(batch: ImportBatch) -> dict:
    return {
        "batch": str(batch.pk),
        "status": batch.status,
        "read": batch.read,
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "report": batch.report_path or None,
        "notes": batch.notes,
        "error": batch.error or None,
    }
