"""Benefit cases (a death, a work accident or an occupational disease), the heirs, the documents, the claim at BPJS
and the judgement of who owes what; the benefit figures and liability rules as versioned public data.

* `BenefitSchedule` / `BenefitFigure` / `LiabilityRule`: one version of one data file (`data/*.toml`), loaded by
  `services.load_benefit_rules`; public regulation, listed in `core.tests.test_project_habits.PUBLIC_MODELS`.
* `BenefitCase`: scoped by the payer's region and the worker's domicile (like a membership). The judgement
  (entitlement, eligibility, liability, what the employer owes) is written only by `judge.py`.
* `Heir`, `CaseDocument`, `CaseEvent`: scoped through their case. `CaseEvent` is append-only.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel
from sijaga.benefits import rules
from sijaga.core.validators import no_control_characters

MAX_AMOUNT = rules.MAX_AMOUNT


class BenefitSchedule(models.Model):
    """One version of one benefit data file. Exactly one version per code is current."""

    code = models.SlugField(_("kode"), max_length=60)
    version = models.PositiveIntegerField(_("versi"))
    regulation = models.CharField(_("peraturan"), max_length=200)
    title = models.CharField(_("judul"), max_length=300, blank=True)
    source = models.TextField(_("sumber"), blank=True)
    digest = models.CharField(max_length=64)
    #: payer kind → "state" (penyelenggara negara) or "non_state", as the data file classifies them
    employer_types = models.JSONField(_("jenis pemberi kerja"), default=dict, blank=True)
    is_current = models.BooleanField(_("berlaku"), default=True)
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        verbose_name = _("jadwal manfaat")
        verbose_name_plural = _("jadwal manfaat")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="benefitschedule_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="benefitschedule_one_current_per_code"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="benefitschedule_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class BenefitFigure(models.Model):
    """One benefit figure (an amount, a multiple of the wage, a percentage, a count of months or years)."""

    schedule = models.ForeignKey(BenefitSchedule, on_delete=models.PROTECT, related_name="figures")
    key = models.CharField(_("kunci"), max_length=60)
    unit = models.CharField(_("satuan"), max_length=10, choices=[(u, u) for u in rules.UNITS])
    value = models.PositiveBigIntegerField(_("nilai"))
    valid_from = models.DateField(_("berlaku mulai"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    regulation = models.CharField(_("peraturan"), max_length=200)
    article = models.CharField(_("pasal"), max_length=200, blank=True)
    source = models.TextField(_("sumber"), blank=True)
    verified = models.BooleanField(_("terverifikasi"), default=False)

    class Meta:
        verbose_name = _("besaran manfaat")
        verbose_name_plural = _("besaran manfaat")
        ordering = ["key", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "key", "valid_from"], name="benefitfigure_key_unique"),
            models.CheckConstraint(condition=Q(unit__in=rules.UNITS), name="benefitfigure_unit_valid"),
            models.CheckConstraint(condition=Q(value__lte=MAX_AMOUNT), name="benefitfigure_value_range"),
            models.CheckConstraint(condition=~Q(regulation=""), name="benefitfigure_cites_regulation"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="benefitfigure_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} {self.unit}"

    def as_row(self) -> rules.Figure:
        return rules.Figure(
            self.key,
            self.unit,
            self.value,
            self.valid_from,
            self.valid_to,
            self.regulation,
            self.article,
            self.verified,
            self.source,
        )


class LiabilityRule(models.Model):
    """Who carries a death or accident when the worker was not registered or the membership was in arrears."""

    schedule = models.ForeignKey(BenefitSchedule, on_delete=models.PROTECT, related_name="liability_rules")
    key = models.CharField(_("kunci"), max_length=60)
    situation = models.CharField(_("keadaan"), max_length=16, choices=[(s, s) for s in rules.SITUATIONS])
    employer = models.CharField(_("jenis pemberi kerja"), max_length=10, choices=[(e, e) for e in rules.EMPLOYERS])
    segment = models.CharField(_("segmen"), max_length=8, choices=[(s, s) for s in rules.SEGMENTS])
    min_months = models.PositiveSmallIntegerField(_("tunggakan paling sedikit (bulan)"), default=0)
    outcome = models.CharField(_("akibat"), max_length=32, choices=[(o, o) for o in rules.OUTCOMES])
    fine_bp = models.PositiveIntegerField(_("denda per bulan (basis poin)"), default=0)
    valid_from = models.DateField(_("berlaku mulai"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    regulation = models.CharField(_("peraturan"), max_length=200)
    article = models.CharField(_("pasal"), max_length=200, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    verified = models.BooleanField(_("terverifikasi"), default=False)

    class Meta:
        verbose_name = _("aturan tanggung jawab")
        verbose_name_plural = _("aturan tanggung jawab")
        ordering = ["situation", "employer", "segment", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "key"], name="liabilityrule_key_unique"),
            models.CheckConstraint(condition=Q(situation__in=rules.SITUATIONS), name="liabilityrule_situation"),
            models.CheckConstraint(condition=Q(employer__in=rules.EMPLOYERS), name="liabilityrule_employer"),
            models.CheckConstraint(condition=Q(segment__in=rules.SEGMENTS), name="liabilityrule_segment"),
            models.CheckConstraint(condition=Q(outcome__in=rules.OUTCOMES), name="liabilityrule_outcome"),
            models.CheckConstraint(condition=Q(fine_bp__lte=10_000), name="liabilityrule_fine_range"),
            models.CheckConstraint(condition=~Q(regulation=""), name="liabilityrule_cites_regulation"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="liabilityrule_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.outcome}"

    def as_row(self) -> rules.Rule:
        return rules.Rule(
            self.key,
            self.situation,
            self.employer,
            self.segment,
            self.min_months,
            self.outcome,
            self.fine_bp,
            self.valid_from,
            self.valid_to,
            self.regulation,
            self.article,
            self.note,
            self.verified,
        )


class EventType(models.TextChoices):
    DEATH = "death", _("Meninggal dunia (bukan kecelakaan kerja) — JKM")
    WORK_ACCIDENT = "work_accident", _("Kecelakaan kerja — JKK")
    OCCUPATIONAL_DISEASE = "occupational_disease", _("Penyakit akibat kerja — JKK")


class Outcome(models.TextChoices):
    DEATH = "death", _("Meninggal dunia")
    TOTAL_DISABILITY = "total_disability", _("Cacat total tetap")
    PARTIAL_DISABILITY = "partial_disability", _("Cacat sebagian")
    TEMPORARY = "temporary", _("Sementara tidak mampu bekerja")


class CaseStatus(models.TextChoices):
    RECORDED = "recorded", _("Dicatat")
    SUBMITTED = "submitted", _("Diajukan ke BPJS")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")
    PAID = "paid", _("Dibayar")


OPEN_CASE_STATUSES = ("recorded", "submitted", "approved")


class Eligibility(models.TextChoices):
    COVERED = "covered", _("Terlindungi")
    ARREARS = "arrears", _("Menunggak iuran")
    NOT_REGISTERED = "not_registered", _("Tidak didaftarkan")
    NOT_IN_PROGRAMME = "not_in_programme", _("Program tidak diikuti")


class Liable(models.TextChoices):
    BPJS = "bpjs", _("BPJS Ketenagakerjaan")
    EMPLOYER = "employer", _("Pemberi kerja/pembayar")


class BenefitCase(ScopedModel):
    """A death, work accident or occupational disease of a worker, with its claim and its judgement."""

    scope_fields = ("payer__region__code", "worker__domicile__code")

    number = models.CharField(_("nomor kasus"), max_length=20, unique=True)
    worker = models.ForeignKey("registry.Worker", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("enrollment.Payer", on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey(
        "enrollment.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: the regency of the payer (its province for a provincial government): what the reports sum by
    region_code = models.CharField(_("wilayah"), max_length=13)
    event_type = models.CharField(_("peristiwa"), max_length=24, choices=EventType.choices)
    outcome = models.CharField(_("akibat"), max_length=20, choices=Outcome.choices)
    event_date = models.DateField(_("tanggal kejadian"))
    cause = models.CharField(_("penyebab"), max_length=300, validators=[no_control_characters])
    place = models.CharField(_("tempat"), max_length=200, blank=True, validators=[no_control_characters])
    # JKK inputs
    disability_percent = models.PositiveSmallIntegerField(_("persen cacat (tabel)"), null=True, blank=True)
    incapacity_months = models.PositiveSmallIntegerField(_("bulan tidak mampu bekerja"), null=True, blank=True)
    transport_mode = models.CharField(
        _("angkutan"), max_length=5, blank=True, choices=[("land", _("darat")), ("sea", _("laut")), ("air", _("udara"))]
    )
    transport_cost = models.PositiveBigIntegerField(_("biaya angkutan (Rp)"), default=0)
    home_care_cost = models.PositiveBigIntegerField(_("biaya perawatan di rumah (Rp)"), default=0)
    # the claim at BPJS
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.RECORDED)
    submitted_on = models.DateField(_("tanggal pengajuan"), null=True, blank=True)
    claim_number = models.CharField(  # noqa: DJ001 - unique when known
        _("nomor klaim BPJS"), max_length=40, null=True, blank=True, validators=[no_control_characters]
    )
    decided_on = models.DateField(_("tanggal keputusan"), null=True, blank=True)
    paid_on = models.DateField(_("tanggal bayar"), null=True, blank=True)
    paid_amount = models.PositiveBigIntegerField(_("jumlah dibayar (Rp)"), null=True, blank=True)
    paid_to = models.CharField(_("dibayar kepada"), max_length=200, blank=True, validators=[no_control_characters])
    overpaid = models.BooleanField(_("dibayar melebihi hak"), default=False)
    # the judgement (judge.py)
    wage = models.PositiveBigIntegerField(_("upah pada tanggal kejadian (Rp)"), null=True, blank=True)
    segment = models.CharField(_("segmen"), max_length=8, blank=True)
    contribution_months = models.PositiveIntegerField(_("masa iur (bulan)"), default=0)
    arrears_months = models.PositiveIntegerField(_("tunggakan (bulan)"), default=0)
    arrears_amount = models.PositiveBigIntegerField(_("tunggakan (Rp)"), default=0)
    eligibility = models.CharField(_("kelayakan"), max_length=16, choices=Eligibility.choices, blank=True)
    entitlement = models.PositiveBigIntegerField(_("hak manfaat tunai (Rp)"), default=0)
    scholarship_max = models.PositiveBigIntegerField(_("beasiswa paling banyak (Rp)"), default=0)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    liable = models.CharField(_("menanggung"), max_length=10, choices=Liable.choices, blank=True)
    employer_owes = models.PositiveBigIntegerField(_("kewajiban pemberi kerja (Rp)"), default=0)
    rule_key = models.CharField(_("aturan"), max_length=60, blank=True)
    rule_citation = models.CharField(_("dasar hukum"), max_length=300, blank=True)
    rule_verified = models.BooleanField(_("dasar terverifikasi"), default=True)
    judged_at = models.DateTimeField(_("dinilai"), null=True, blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("kasus manfaat")
        verbose_name_plural = _("kasus manfaat")
        ordering = ["-event_date", "-id"]
        indexes = [
            models.Index(fields=["region_code", "paid_on"], name="benefitcase_region_paid"),
            models.Index(fields=["payer", "status"], name="benefitcase_payer_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["worker", "event_type", "event_date"], name="benefitcase_once_per_event"),
            models.UniqueConstraint(fields=["worker"], condition=Q(outcome="death"), name="benefitcase_one_death"),
            models.UniqueConstraint(fields=["claim_number"], name="benefitcase_claim_number_unique"),
            models.CheckConstraint(condition=Q(event_type__in=EventType.values), name="benefitcase_event_type"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="benefitcase_status_valid"),
            models.CheckConstraint(
                condition=Q(event_type="death", outcome="death") | ~Q(event_type="death"),
                name="benefitcase_jkm_is_a_death",
            ),
            models.CheckConstraint(
                condition=Q(disability_percent__isnull=True)
                | Q(disability_percent__gte=1, disability_percent__lte=100),
                name="benefitcase_disability_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(transport_cost__lte=MAX_AMOUNT, home_care_cost__lte=MAX_AMOUNT),
                name="benefitcase_costs_range",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gt=0, paid_amount__lte=MAX_AMOUNT),
                name="benefitcase_paid_amount_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False, paid_amount__isnull=False),
                name="benefitcase_paid_has_date_and_amount",
            ),
            models.CheckConstraint(
                condition=Q(status="recorded") | Q(submitted_on__isnull=False), name="benefitcase_submitted_has_date"
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=F("event_date")),
                name="benefitcase_paid_after_event",
            ),
            models.CheckConstraint(
                condition=Q(submitted_on__isnull=True) | Q(submitted_on__gte=F("event_date")),
                name="benefitcase_submitted_after_event",
            ),
            models.CheckConstraint(
                condition=Q(entitlement__lte=MAX_AMOUNT, employer_owes__lte=MAX_AMOUNT),
                name="benefitcase_judgement_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        if self.event_type == EventType.DEATH and self.outcome != Outcome.DEATH:
            raise ValidationError({"outcome": _("Peristiwa JKM selalu berakibat meninggal dunia.")})
        if self.paid_on and self.event_date and self.paid_on < self.event_date:
            raise ValidationError({"paid_on": _("Tanggal bayar sebelum tanggal kejadian.")})
        if self.submitted_on and self.event_date and self.submitted_on < self.event_date:
            raise ValidationError({"submitted_on": _("Tanggal pengajuan sebelum tanggal kejadian.")})

    @property
    def days_to_payment(self) -> int | None:
        return (self.paid_on - self.event_date).days if self.paid_on else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Suami/istri")
    CHILD = "child", _("Anak")
    PARENT = "parent", _("Orang tua")
    GRANDCHILD = "grandchild", _("Cucu")
    SIBLING = "sibling", _("Saudara kandung")
    OTHER = "other", _("Lainnya (ditunjuk wasiat)")


class SchoolLevel(models.TextChoices):
    NONE = "", _("Tidak bersekolah")
    TK_SD = "tk_sd", _("TK/SD")
    SMP = "smp", _("SMP")
    SMA = "sma", _("SMA/SMK")
    PT = "pt", _("Perguruan tinggi")


class Heir(ScopedModel):
    scope_fields = ("case__payer__region__code", "case__worker__domicile__code")

    case = models.ForeignKey(BenefitCase, on_delete=models.CASCADE, related_name="heirs")
    name = models.CharField(_("nama"), max_length=200, validators=[no_control_characters])
    relation = models.CharField(_("hubungan"), max_length=12, choices=Relation.choices)
    nik = models.CharField(_("NIK"), max_length=16)
    birth_date = models.DateField(_("tanggal lahir"), null=True, blank=True)
    school_level = models.CharField(_("jenjang sekolah"), max_length=6, choices=SchoolLevel.choices, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True, validators=[no_control_characters])
    account_number = models.CharField(_("nomor rekening"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("ahli waris")
        verbose_name_plural = _("ahli waris")
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "nik"], name="heir_once_per_case"),
            models.CheckConstraint(condition=Q(relation__in=Relation.values), name="heir_relation_valid"),
            models.CheckConstraint(condition=Q(school_level="") | Q(relation="child"), name="heir_school_only_child"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class CaseDocument(ScopedModel):
    """A PDF or image attached to a case (death certificate, accident report): magic bytes checked, ≤ 20 MB."""

    scope_fields = ("case__payer__region__code", "case__worker__domicile__code")

    case = models.ForeignKey(BenefitCase, on_delete=models.CASCADE, related_name="documents")
    label = models.CharField(_("dokumen"), max_length=120, validators=[no_control_characters])
    file_name = models.CharField(_("nama berkas"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("ukuran (byte)"))
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=300, editable=False)
    uploaded_at = models.DateTimeField(_("diunggah"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("dokumen kasus")
        verbose_name_plural = _("dokumen kasus")
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="casedocument_once_per_case"),
            models.CheckConstraint(condition=Q(size__gt=0, size__lte=20 * 1024 * 1024), name="casedocument_size"),
        ]

    def __str__(self) -> str:
        return self.file_name


class CaseEvent(ScopedModel):
    """One row per state change of a case (recorded, judged, submitted, decided, paid). Append-only."""

    scope_fields = ("case__payer__region__code", "case__worker__domicile__code")

    case = models.ForeignKey(BenefitCase, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("waktu"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    kind = models.CharField(_("jenis"), max_length=12)
    from_status = models.CharField(_("dari"), max_length=10, blank=True)
    to_status = models.CharField(_("menjadi"), max_length=10)
    reason = models.CharField(_("keterangan"), max_length=300)
    changes = models.JSONField(_("perubahan"), null=True, blank=True)

    class Meta:
        verbose_name = _("riwayat kasus")
        verbose_name_plural = _("riwayat kasus")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="caseevent_has_reason")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} {self.from_status or '∅'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Case history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Case history is append-only.")
