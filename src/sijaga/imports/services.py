"""The import pipeline, one path for the UI, the API and the CLI: store → read → validate → merge → report.

Every batch is recorded (who, when, file hash, counts, report) with one event per state change. The data merge is
one transaction; a batch that dies half-way is simply run again (the merge is idempotent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sijaga.accounts.models import User
from sijaga.accounts.services import NOBODY, Scope, log_access, scope_for
from sijaga.enrollment import selectors as enrollment
from sijaga.enrollment.models import Payer
from sijaga.imports.merge import merge
from sijaga.imports.models import BatchStatus, ImportBatch, ImportEvent
from sijaga.imports.reader import ROW, FileRefused, read_table
from sijaga.imports.report import write_report
from sijaga.imports.validate import Validated, validate
from sijaga.registry.models import Worker

Progress = Callable[[str, int], None]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
LOOKUP_CHUNK = 20_000


class _DryRun(Exception):
    """Raised inside the merge transaction of a dry run so the database rolls back what it just computed."""


def import_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _scope(user: User | None) -> Scope:
    """The CLI may run without a user: it is a server-side tool with national scope (recorded as channel 'cli')."""
    if user is None:
        return Scope(user_id=None, role="coordinator", national=True, prefixes=())
    return scope_for(user)


def batches_for(user: User) -> QuerySet[ImportBatch]:
    scope = scope_for(user)
    if scope is NOBODY:
        return ImportBatch.objects.none()
    return scope.filter(ImportBatch.objects.select_related("payer__region", "uploaded_by"), "payer__region__code")


def _event(batch: ImportBatch, status: str, message: str = "") -> None:
    batch.status = status
    batch.save(
        update_fields=[
            "status",
            "phase",
            "progress",
            "read",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "notes",
            "error",
            "report_path",
            "finished_at",
            "seconds",
        ]
    )
    ImportEvent.objects.create(batch=batch, status=status, message=message[:2000])


def create_batch(
    user: User | None,
    *,
    payer: Payer,
    source: Path | None = None,
    upload=None,
    file_name: str,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    channel: str = "web",
    language: str | None = None,
) -> ImportBatch:
    """Store the file (copy of `source`, or the uploaded file object) and record the batch as uploaded."""
    scope = _scope(user)
    if not scope.can_write or not scope.covers(payer.region_id):
        raise PermissionDenied(_("Pembayar iuran berada di luar wilayah tugas Anda."))
    batch_id = uuid.uuid4()
    folder = import_dir() / str(batch_id)
    folder.mkdir(parents=True)
    safe_name = Path(file_name).name[:200] or "unggahan"
    target = folder / safe_name
    digest = hashlib.sha256()
    with target.open("wb") as out:
        chunks = upload.chunks() if upload is not None else _file_chunks(Path(source))
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
            if out.tell() > MAX_UPLOAD_BYTES:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise FileRefused(
                    "too_large", _("Berkas lebih dari %(mb)s MB; pecah menjadi beberapa berkas.") % {"mb": 200}
                )
    batch = ImportBatch.objects.create(
        id=batch_id,
        payer=payer,
        uploaded_by=user,
        channel=channel,
        file_name=safe_name,
        file_path=str(target),
        file_sha256=digest.hexdigest(),
        file_size=target.stat().st_size,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        language=language or translation.get_language() or "id",
    )
    ImportEvent.objects.create(batch=batch, status=BatchStatus.UPLOADED, message=safe_name)
    return batch


def _file_chunks(path: Path, size: int = 1024 * 1024):
    with path.open("rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def enqueue(batch: ImportBatch) -> None:
    """Queue the batch for the task worker once the surrounding transaction commits (Saleor's habit)."""
    from sijaga.imports.tasks import process_import

    batch_id = str(batch.id)
    transaction.on_commit(lambda: process_import.enqueue(batch_id))


@cache
def _villages() -> pl.Series:
    from sijaga.regions.models import Region

    return pl.Series("code", list(Region.objects.filter(level=4).values_list("code", flat=True)), dtype=pl.String)


def _existing(niks: pl.Series, scope: Scope) -> pl.DataFrame:
    """NIKs of the file already registered, and whether this user may see (and so update) each worker.

    PostgreSQL gets the whole column as one array parameter; SQLite gets chunks. Visibility is then asked only
    for the NIKs that exist (usually a few), not for the whole file.
    """
    from django.db import connection

    values = niks.drop_nulls().unique().to_list()
    found: list[str] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT nik FROM registry_worker WHERE nik = ANY(%s)", [values])
            found = [row[0] for row in cur.fetchall()]
    else:
        for i in range(0, len(values), LOOKUP_CHUNK):
            found += list(Worker.objects.filter(nik__in=values[i : i + LOOKUP_CHUNK]).values_list("nik", flat=True))
    if scope.national:
        visible = set(found)
    else:
        visible = set()
        for i in range(0, len(found), LOOKUP_CHUNK):
            chunk = found[i : i + LOOKUP_CHUNK]
            visible |= set(Worker.objects.visible_to(scope).filter(nik__in=chunk).values_list("nik", flat=True))
    frame = pl.DataFrame({"nik": found}, schema={"nik": pl.String})
    return frame.with_columns(pl.col("nik").is_in(pl.Series(list(visible), dtype=pl.String).implode()).alias("visible"))


def run_batch(
    batch_id: uuid.UUID | str, *, progress: Progress | None = None, today: dt.date | None = None
) -> ImportBatch:
    """Read, validate and (unless dry run) merge a stored batch. Safe to call again for the same batch."""
    batch = ImportBatch.objects.select_related("payer", "uploaded_by").get(pk=batch_id)
    if batch.status == BatchStatus.IMPORTED:
        return batch
    started = time.perf_counter()
    user = batch.uploaded_by
    scope = _scope(user) if batch.channel == "cli" and user is None else scope_for(user)

    def step(phase: str, percent: int) -> None:
        batch.phase, batch.progress = phase, percent
        ImportBatch.objects.filter(pk=batch.pk).update(phase=phase, progress=percent)
        if progress:
            progress(phase, percent)

    batch.error = ""
    _event(batch, BatchStatus.VALIDATING)
    try:
        step(_("membaca berkas"), 5)
        table = read_table(Path(batch.file_path), batch.file_name)
        step(_("memeriksa %(n)s baris") % {"n": table.frame.height}, 25)
        existing = _existing(table.frame.get_column("nik"), scope) if "nik" in table.frame.columns else None
        checked = validate(table.frame, villages=_villages(), today=today or timezone.localdate(), existing=existing)
    except FileRefused as exc:
        batch.error = exc.message
        batch.finished_at = timezone.now()
        batch.seconds = time.perf_counter() - started
        _event(batch, BatchStatus.FAILED, exc.message)
        return batch
    batch.notes = table.notes + (
        [_("%(n)s baris kosong dilewati.") % {"n": table.blank_rows}] if table.blank_rows else []
    )
    batch.read = checked.read
    batch.rejected = checked.rejected_rows
    step(_("menulis laporan"), 45)
    _write_report(batch, checked, table.frame)
    blocked = batch.all_or_nothing and batch.rejected > 0
    if blocked:
        batch.notes.append(_("Semua atau tidak sama sekali: ada baris ditolak, tidak ada yang diimpor."))
    _event(batch, BatchStatus.VALIDATED)

    step(_("menyimpan ke basis data") if not batch.dry_run else _("menghitung perubahan (uji coba)"), 60)
    counts = None
    try:
        with transaction.atomic():
            counts = merge(
                checked.valid if not blocked else checked.valid.clear(),
                payer_id=batch.payer_id,
                user_id=user.pk if user else None,
                reason=_("Impor massal %(f)s") % {"f": batch.file_name},
                progress=lambda done, total: (
                    progress(_("menyimpan"), 60 + 35 * done // max(total, 1)) if progress else None
                ),
            )
            batch.created, batch.updated, batch.unchanged = counts.created, counts.updated, counts.unchanged
            if blocked:
                batch.unchanged = checked.read - batch.rejected
            if batch.dry_run or blocked:
                raise _DryRun
            batch.phase, batch.progress = _("selesai"), 100
            batch.finished_at = timezone.now()
            batch.seconds = time.perf_counter() - started
            _event(batch, BatchStatus.IMPORTED, _summary_line(batch))
    except _DryRun:
        batch.phase, batch.progress = _("selesai"), 100
        batch.finished_at = timezone.now()
        batch.seconds = time.perf_counter() - started
        _event(batch, BatchStatus.VALIDATED, _summary_line(batch))
    if user is not None:
        log_access(
            user,
            "create" if not batch.dry_run else "search",
            "import",
            batch.pk,
            count=batch.read,
            channel=batch.channel,
        )
    return batch


def _summary_line(batch: ImportBatch) -> str:
    return (
        f"read={batch.read} created={batch.created} updated={batch.updated} "
        f"unchanged={batch.unchanged} rejected={batch.rejected}"
    )


def _write_report(batch: ImportBatch, checked: Validated, raw: pl.DataFrame) -> None:
    path = Path(batch.file_path).with_name("laporan.xlsx")
    summary: list[tuple[str, object]] = [
        (_("Berkas"), batch.file_name),
        (_("SHA-256"), batch.file_sha256),
        (_("Pembayar iuran"), str(batch.payer)),
        (_("Baris dibaca"), checked.read),
        (_("Baris ditolak"), checked.rejected_rows),
        *[(_("Catatan"), n) for n in batch.notes],
    ]
    write_report(path, rejections=checked.rejections, raw=raw, summary=summary)
    batch.report_path = str(path)


def import_file(
    path: Path,
    *,
    payer_code: str,
    user: User | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Progress | None = None,
    channel: str = "cli",
) -> ImportBatch:
    """The CLI's entry: record and run a batch synchronously."""
    payer = enrollment.payers_for(_scope(user)).filter(code=payer_code).first()
    if payer is None:
        raise PermissionDenied(_("Pembayar iuran dengan kode %(c)s tidak ditemukan.") % {"c": payer_code})
    batch = create_batch(
        user,
        payer=payer,
        source=path,
        file_name=Path(path).name,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        channel=channel,
    )
    return run_batch(batch.pk, progress=progress)


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


__all__ = ["ROW", "FileRefused", "batches_for", "create_batch", "enqueue", "import_file", "result_dict", "run_batch"]


def confirm(batch: ImportBatch) -> None:
    """Turn a validated dry run into a real import of the same stored file."""
    batch.dry_run = False
    batch.finished_at = None
    batch.status = BatchStatus.UPLOADED
    batch.save(update_fields=["dry_run", "finished_at", "status"])
    ImportEvent.objects.create(batch=batch, status=BatchStatus.UPLOADED, message="confirmed")
    enqueue(batch)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rejection_preview(batch: ImportBatch, limit: int = 50) -> list[dict]:
    """The first rejected rows (row, column, value, reason) read back from the report, for the batch page."""
    if not batch.rejected or not batch.report_path or not Path(batch.report_path).exists():
        return []
    try:
        frame = pl.read_excel(batch.report_path, sheet_name="Rincian", infer_schema_length=0).head(limit)
    except Exception:  # an unreadable report must not break the page; the download link still works
        return []
    return [
        {"row": r[0], "column": r[1], "value": r[2], "reason": r[3]} for r in frame.select(frame.columns[:4]).rows()
    ]
