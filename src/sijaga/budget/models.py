"""Tables of the budget app: priced plans (immutable versions), adopted allocations with their evidence, and the
event history of both. All are scoped by the budgeting region (a province, a regency/city or a village)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel
from sijaga.budget import rules
from sijaga.core.validators import no_control_characters

YEAR_RANGE = Q(year__gte=2020, year__lte=2100)


class BudgetPlan(ScopedModel):
    """A region's costing for a fiscal year (rencana anggaran). Its content lives in versions; a saved version is
    never changed, so a version that was adopted stays as adopted whatever is edited later."""

    scope_fields = ("region__code",)

    region = models.ForeignKey("regions.Region", verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    title = models.CharField(_("judul"), max_length=200, validators=[no_control_characters])
    created_at = models.DateTimeField(_("dibuat"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rencana anggaran")
        verbose_name_plural = _("rencana anggaran")
        ordering = ["-year", "region_id", "id"]
        constraints = [
            models.CheckConstraint(condition=YEAR_RANGE, name="budgetplan_year_range"),
            models.CheckConstraint(condition=~Q(title=""), name="budgetplan_has_title"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def clean(self) -> None:
        if not 2020 <= (self.year or 0) <= 2100:
            raise ValidationError({"year": _("Tahun anggaran harus antara 2020 dan 2100.")})


class PlanVersion(ScopedModel):
    """One saved state of a plan: the inputs (people, incomes, programmes, sources per category) and what they cost,
    month by month, priced with the rates in force when it was saved. Never updated (only ``adopted`` is set once)."""

    scope_fields = ("plan__region__code",)

    plan = models.ForeignKey(BudgetPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("versi"))
    inputs = models.JSONField(_("masukan"))
    result = models.JSONField(_("hasil"))
    total = models.BigIntegerField(_("jumlah setahun (Rp)"))
    people = models.PositiveIntegerField(_("orang"))
    note = models.CharField(_("catatan"), max_length=300, blank=True, validators=[no_control_characters])
    adopted = models.BooleanField(_("ditetapkan"), default=False)
    created_at = models.DateTimeField(_("disimpan"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("versi rencana")
        verbose_name_plural = _("versi rencana")
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_number_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="planversion_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class DocumentType(models.TextChoices):
    PERDA_APBD = "perda_apbd", _("Perda APBD")
    PERKADA_PENJABARAN = "perkada_penjabaran", _("Perkada penjabaran APBD")
    APBDES = "apbdes", _("APBDes (Perdes)")


class AllocationStatus(models.TextChoices):
    ENTERED = "entered", _("Dicatat")
    VERIFIED = "verified", _("Terverifikasi")
    REJECTED = "rejected", _("Ditolak")


class AllocationSource(models.TextChoices):
    WEB = "web", _("Halaman")
    API = "api", _("API")
    FILE = "file", _("Berkas APBDes")


class BudgetAllocation(ScopedModel):
    """The money a region adopted for the contributions of a fiscal year, with the document adopting it (Perda APBD,
    Perkada penjabaran or APBDes), its account code, the evidence, who entered and who verified it. The adopted
    amount of a region and year is that of its latest document not rejected (a revised budget replaces the
    earlier one)."""

    scope_fields = ("region__code",)

    region = models.ForeignKey("regions.Region", verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    document_type = models.CharField(_("jenis dokumen"), max_length=20, choices=DocumentType.choices)
    document_number = models.CharField(_("nomor dokumen"), max_length=100, validators=[no_control_characters])
    document_date = models.DateField(_("tanggal dokumen"))
    account_code = models.CharField(_("kode rekening"), max_length=60, validators=[no_control_characters])
    amount = models.BigIntegerField(_("jumlah (Rp)"))
    plan_version = models.ForeignKey(
        PlanVersion, verbose_name=_("versi rencana"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_path = models.CharField(max_length=300, blank=True, editable=False)
    evidence_name = models.CharField(_("bukti"), max_length=100, blank=True)
    evidence_type = models.CharField(max_length=40, blank=True, editable=False)
    evidence_size = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.ENTERED
    )
    source = models.CharField(_("asal"), max_length=6, choices=AllocationSource.choices, default=AllocationSource.WEB)
    entered_at = models.DateTimeField(_("dicatat"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("diverifikasi"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("alokasi anggaran")
        verbose_name_plural = _("alokasi anggaran")
        ordering = ["-year", "region_id", "-document_date", "-id"]
        indexes = [models.Index(fields=["year", "region"], name="budgetalloc_year_region")]
        constraints = [
            models.CheckConstraint(condition=YEAR_RANGE, name="budgetalloc_year_range"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=rules.MAX_ALLOCATION), name="budgetalloc_amount_range"
            ),
            models.CheckConstraint(condition=~Q(document_number=""), name="budgetalloc_has_document_number"),
            models.CheckConstraint(condition=~Q(account_code=""), name="budgetalloc_has_account_code"),
            models.CheckConstraint(
                condition=Q(document_type__in=DocumentType.values), name="budgetalloc_document_type_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=AllocationStatus.values), name="budgetalloc_status_valid"),
            models.CheckConstraint(
                condition=Q(evidence_size__lte=rules.MAX_EVIDENCE_BYTES), name="budgetalloc_evidence_size"
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False), name="budgetalloc_verified_has_time"
            ),
            models.UniqueConstraint(
                fields=["region", "year", "document_type", "document_number"], name="budgetalloc_document_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}: {self.get_document_type_display()} {self.document_number}"

    def clean(self) -> None:
        errors = {}
        if not 2020 <= (self.year or 0) <= 2100:
            errors["year"] = _("Tahun anggaran harus antara 2020 dan 2100.")
        if not 0 < (self.amount or 0) <= rules.MAX_ALLOCATION:
            errors["amount"] = _("Jumlah alokasi harus lebih dari Rp0 dan paling banyak Rp10 triliun.")
        if not (self.document_number or "").strip():
            errors["document_number"] = _("Nomor dokumen anggaran wajib diisi.")
        if not (self.account_code or "").strip():
            errors["account_code"] = _("Kode rekening wajib diisi.")
        if self.region_id and self.document_type:
            allowed = rules.document_types_for(rules.region_level(self.region_id))
            if self.document_type not in allowed:
                errors["document_type"] = _("Jenis dokumen tidak sesuai tingkat wilayah (desa: APBDes; pemda: APBD).")
        if errors:
            raise ValidationError(errors)


class BudgetEventKind(models.TextChoices):
    PLAN_SAVED = "plan_saved", _("Versi rencana disimpan")
    PLAN_ADOPTED = "plan_adopted", _("Versi rencana ditetapkan")
    ENTERED = "entered", _("Alokasi dicatat")
    VERIFIED = "verified", _("Alokasi diverifikasi")
    REJECTED = "rejected", _("Alokasi ditolak")


class BudgetEvent(ScopedModel):
    """One row per state change of a plan or an allocation: who, when, through which channel, and what."""

    scope_fields = ("region__code",)

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(BudgetPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    allocation = models.ForeignKey(
        BudgetAllocation, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("jenis"), max_length=14, choices=BudgetEventKind.choices)
    at = models.DateTimeField(_("waktu"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("kanal"), max_length=8)
    detail = models.JSONField(_("rincian"), null=True, blank=True)

    class Meta:
        verbose_name = _("riwayat anggaran")
        verbose_name_plural = _("riwayat anggaran")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False) | Q(allocation__isnull=False), name="budgetevent_has_subject"
            ),
            models.CheckConstraint(condition=Q(kind__in=BudgetEventKind.values), name="budgetevent_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"
