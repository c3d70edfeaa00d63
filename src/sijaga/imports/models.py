"""Staged bulk uploads: uploaded → validating → validated → importing → imported (or failed).

Each state change writes one `ImportEvent`, which is also the audit trail of the upload.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Diunggah")
    VALIDATING = "validating", _("Sedang divalidasi")
    VALIDATED = "validated", _("Tervalidasi")
    IMPORTING = "importing", _("Sedang diimpor")
    IMPORTED = "imported", _("Selesai diimpor")
    FAILED = "failed", _("Gagal")


class ImportBatch(ScopedModel):
    scope_fields = ("payer__region__code",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payer = models.ForeignKey("enrollment.Payer", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
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


class ImportEvent(ScopedModel):
    scope_fields = ("batch__payer__region__code",)

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=BatchStatus.choices)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.status}"
