"""Tables of the compliance app (see docs/architecture.md): the Inpres 2/2021 addressees and instructions (public,
editable data with history), a region's yearly checklist (Mendagri circular 842.2/5193/SJ), the central offices'
declarations, evidence files, monitoring meetings with decisions and action items, and the frozen six-monthly
report to the President."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel
from sijaga.core.validators import no_control_characters


class AddresseeKind(models.TextChoices):
    CENTRAL = "central", _("Pusat (menteri/kepala lembaga)")
    GOVERNOR = "governor", _("Gubernur")
    REGENT = "regent", _("Bupati")
    MAYOR = "mayor", _("Wali kota")


HEAD_KINDS = ("governor", "regent", "mayor")


class Addressee(models.Model):
    """Someone the Inpres instructs: a central office, or the head of one region (generated from `regions`)."""

    key = models.SlugField(_("kunci"), max_length=40, unique=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=AddresseeKind.choices)
    office = models.CharField(_("instansi"), max_length=200, validators=[no_control_characters])
    title = models.CharField(_("jabatan"), max_length=200, validators=[no_control_characters])
    region = models.OneToOneField(
        "regions.Region", verbose_name=_("wilayah"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified = models.BooleanField(_("sudah dicocokkan dengan naskah resmi"), default=False)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("penerima instruksi")
        verbose_name_plural = _("penerima instruksi")
        ordering = ["kind", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="central", region__isnull=True) | (~Q(kind="central") & Q(region__isnull=False)),
                name="addressee_region_iff_head_of_region",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (self.kind == AddresseeKind.CENTRAL) != (self.region_id is None):
            raise ValidationError({"region": _("Kepala daerah harus terhubung ke wilayahnya; instansi pusat tidak.")})


class Instruction(models.Model):
    """One instruction of the Inpres, with its clause; `to` is an addressee key or a group (all, governor, ...)."""

    key = models.SlugField(_("kunci"), max_length=40, unique=True)
    clause = models.CharField(_("diktum"), max_length=80, validators=[no_control_characters])
    to = models.CharField(_("ditujukan kepada"), max_length=40)
    text = models.TextField(_("isi instruksi"), validators=[no_control_characters])
    verified = models.BooleanField(_("sudah dicocokkan dengan naskah resmi"), default=False)
    unconfirmed = models.BooleanField(_("teks belum dikonfirmasi"), default=False)

    class Meta:
        verbose_name = _("instruksi")
        verbose_name_plural = _("instruksi")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=~Q(verified=True, unconfirmed=True), name="instruction_verified_confirmed")
        ]

    def __str__(self) -> str:
        return f"{self.clause}: {self.text[:60]}"

    def clean(self) -> None:
        if self.verified and self.unconfirmed:
            raise ValidationError({"verified": _("Teks yang belum dikonfirmasi tidak dapat ditandai terverifikasi.")})


class ChecklistItem(models.Model):
    """One ask of the circular (loaded from data): declared with evidence, or measured from the data."""

    key = models.SlugField(_("kunci"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("urutan"))
    label = models.CharField(_("butir"), max_length=120)
    measure = models.CharField(_("cara ukur"), max_length=20)
    source = models.CharField(_("dasar"), max_length=300)

    class Meta:
        verbose_name = _("butir periksa")
        verbose_name_plural = _("butir periksa")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label

    @property
    def measured(self) -> bool:
        return self.measure != "declared"


class ReferenceEvent(models.Model):
    """History of the public reference data: loads and the coordinator's corrections (before/after)."""

    object_type = models.CharField(max_length=20)
    object_key = models.CharField(max_length=40)
    action = models.CharField(max_length=20)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_key} {self.action}"


def _national_only(scope) -> Q:
    return Q() if scope.national else Q(pk__in=[])


class Evidence(ScopedModel):
    """An uploaded PDF/image (checked magic bytes, ≤ 20 MB, neutral name), stored 0600 under VAR_DIR."""

    scope_fields = ("region__code",)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0, size__lte=20 * 1024 * 1024), name="evidence_size_range")
        ]

    @classmethod
    def scope_q(cls, scope) -> Q:
        return scope.q("region__code")


class ChecklistEntry(ScopedModel):
    """A region's declaration for one declared item and year: met or not, the document, who verified it and when."""

    scope_fields = ("region__code",)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("tahun"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField(_("terpenuhi"), default=False)
    doc_number = models.CharField(_("nomor dokumen"), max_length=120, blank=True, validators=[no_control_characters])
    doc_date = models.DateField(_("tanggal dokumen"), null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=500, blank=True, validators=[no_control_characters])
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    declared_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("isian daftar periksa")
        verbose_name_plural = _("isian daftar periksa")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "item"], name="checklist_entry_once"),
            models.CheckConstraint(condition=Q(year__gte=2021, year__lte=2100), name="checklist_year_range"),
            models.CheckConstraint(
                condition=Q(met=False) | Q(evidence__isnull=False), name="checklist_met_needs_evidence"
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(met=True), name="checklist_verified_only_when_met"
            ),
        ]

    def clean(self) -> None:
        if self.met and self.evidence_id is None:
            raise ValidationError({"evidence": _("Butir yang dinyatakan terpenuhi memerlukan dokumen bukti.")})


class CentralDeclaration(ScopedModel):
    """A central office's yearly declaration on one instruction (same shape as a region's: declared, with evidence).
    Visible nationally only."""

    addressee = models.ForeignKey(Addressee, on_delete=models.PROTECT, related_name="+")
    instruction = models.ForeignKey(Instruction, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("tahun"))
    met = models.BooleanField(_("terpenuhi"), default=False)
    note = models.CharField(_("catatan"), max_length=500, blank=True, validators=[no_control_characters])
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    declared_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["addressee", "instruction", "year"], name="central_declaration_once"),
            models.CheckConstraint(
                condition=Q(met=False) | Q(evidence__isnull=False), name="central_met_needs_evidence"
            ),
        ]

    @classmethod
    def scope_q(cls, scope) -> Q:
        return _national_only(scope)


class Meeting(ScopedModel):
    """A monitoring meeting: visible to the regions it reviewed (and nationally)."""

    date = models.DateField(_("tanggal"))
    title = models.CharField(_("judul"), max_length=200, validators=[no_control_characters])
    place = models.CharField(_("tempat"), max_length=200, blank=True, validators=[no_control_characters])
    online = models.BooleanField(_("daring"), default=False)
    participants = models.TextField(_("peserta"), blank=True, validators=[no_control_characters])
    regions = models.ManyToManyField("regions.Region", verbose_name=_("wilayah"), related_name="+")
    minutes = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rapat monitoring")
        verbose_name_plural = _("rapat monitoring")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(online=True) | ~Q(place=""), name="meeting_place_or_online"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.title}"

    def clean(self) -> None:
        if not self.online and not self.place:
            raise ValidationError({"place": _("Isi tempat rapat, atau tandai rapat daring.")})

    @classmethod
    def scope_q(cls, scope) -> Q:
        if scope.national:
            return Q()
        through = cls.regions.through.objects.filter(scope.q("region__code"))
        return Q(pk__in=through.values("meeting_id"))


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")
    DONE = "done", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class ActionItem(ScopedModel):
    """A decision of a meeting turned into a task for one region (or a central owner: national only)."""

    scope_fields = ("region__code",)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    decision = models.TextField(_("keputusan"), validators=[no_control_characters])
    owner = models.CharField(_("penanggung jawab"), max_length=200, validators=[no_control_characters])
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("wilayah"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("batas waktu"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | (~Q(status="done") & Q(done_at__isnull=True)),
                name="action_done_at_iff_done",
            ),
        ]


class ComplianceEvent(ScopedModel):
    """One row per state change of a checklist entry, declaration, meeting or action item (before/after)."""

    scope_fields = ("region__code",)
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=20)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Diproses")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class Report(ScopedModel):
    """The six-monthly report (national, or a governor's for their regencies), frozen once generated: the snapshot of
    its figures, and the PDF/XLSX rendered from it with their SHA-256."""

    scope_fields = ("region__code",)
    year = models.PositiveSmallIntegerField(_("tahun"))
    half = models.PositiveSmallIntegerField(_("semester"))
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_key = models.CharField(max_length=13)  # the region code, or "" for the national report (unique together)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    snapshot = models.JSONField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    xlsx = models.BinaryField(null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a runner claims the report and at every progress step: a runner that died leaves it old (reap_stalled).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("laporan semester")
        verbose_name_plural = _("laporan semester")
        ordering = ["-year", "-half", "scope_key"]
        constraints = [
            models.UniqueConstraint(fields=["year", "half", "scope_key"], name="report_once_per_semester_and_scope"),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="report_half_1_or_2"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_range"),
            models.CheckConstraint(
                condition=Q(status="done", snapshot__isnull=False) | ~Q(status="done"), name="report_done_has_snapshot"
            ),
        ]

    @property
    def label(self) -> str:
        return f"Semester {'I' if self.half == 1 else 'II'} {self.year}"
