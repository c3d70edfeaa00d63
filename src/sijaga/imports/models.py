"""Staged bulk uploads of any import kind: uploaded → validating → validated → importing → imported (or failed).

Each state change writes one `ImportEvent` (who, when, what), which is also the audit trail of the upload. A batch
is for one region (for enrolment: the payer's region) and is scoped by it.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Diunggah")
    VALIDATING = "validating", _("Sedang divalidasi")
    VALIDATED = "validated", _("Tervalidasi")
    IMPORTING = "importing", _("Sedang diimpor")
    IMPORTED = "imported", _("Selesai diimpor")
    FAILED = "failed", _("Gagal")


#: Statuses of a batch that a worker is (or should be) busy with.
IN_PROGRESS = (BatchStatus.VALIDATING, BatchStatus.VALIDATED, BatchStatus.IMPORTING)


class ImportBatch(ScopedModel):
    scope_fields = ("region__code",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("jenis impor"), max_length=40, default="kepesertaan")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    # the payer of an enrolment batch (kinds without a payer leave it empty); a string reference, no import
    payer = models.ForeignKey("enrollment.Payer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(  # a confirmed dry run is imported as (and attributed to) the confirmer
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, default="web")
    file_name = models.CharField(_("nama berkas"), max_length=255)
    file_path = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField()
    language = models.CharField(max_length=8, default="id")  # the uploader's: messages and report are in it
    dry_run = models.BooleanField(_("hanya validasi"), default=False)
    all_or_nothing = models.BooleanField(_("semua atau tidak sama sekali"), default=False)
    options = models.JSONField(default=dict, blank=True)  # kind-specific choices, e.g. confirm_double_funding
    status = models.CharField(max_length=12, choices=BatchStatus.choices, default=BatchStatus.UPLOADED)
    phase = models.CharField(max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, for the progress bar
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True)  # file-level warnings (hidden rows, formulas, extra columns)
    error = models.TextField(blank=True)  # why the whole file was refused (never a swallowed traceback)
    report_path = models.CharField(max_length=500, blank=True)
    rejection_preview = models.JSONField(default=list, blank=True)  # the first rejections, stored with the report
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the worker's last sign of life (stall detection)
    attempts = models.PositiveSmallIntegerField(default=0)  # runs started (a re-queued stalled batch counts again)
    purged_at = models.DateTimeField(null=True, blank=True)  # stored file and report deleted (retention)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("unggahan massal")
        verbose_name_plural = _("unggahan massal")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(read=F("created") + F("updated") + F("unchanged") + F("rejected")),
                name="import_counts_add_up",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        """Imported, failed, or validated with nothing more to do (dry run / all-or-nothing refusal)."""
        if self.status in (BatchStatus.IMPORTED, BatchStatus.FAILED):
            return True
        return self.status == BatchStatus.VALIDATED and self.finished_at is not None

    @property
    def is_stalled(self) -> bool:
        """In progress, but the worker has given no sign of life for `IMPORT_STALL_MINUTES`: it probably died."""
        if self.is_finished or self.status not in IN_PROGRESS:
            return False
        limit = timezone.now() - dt.timedelta(minutes=settings.IMPORT_STALL_MINUTES)
        return (self.heartbeat_at or self.uploaded_at) < limit

    @property
    def awaits_confirmation(self) -> bool:
        return self.status == BatchStatus.VALIDATED and self.dry_run and self.finished_at is not None


class ImportEvent(ScopedModel):
    scope_fields = ("batch__region__code",)

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(  # who caused this step (uploader, confirmer, retrier); empty for the system
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=BatchStatus.choices)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.status}"
