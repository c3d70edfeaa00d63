"""Contribution rates as versioned rows: a `RateSchedule` is one version of one data file (or of a coordinator's
correction of it); its `Rate` rows are never changed, so a bill can point at the exact figure it used.

Rates are public regulation (no personal or regional data): the models are listed as public in
`core.tests.test_project_habits.PUBLIC_MODELS`. Written only by `services.load_rates` and the coordinator's
`services.correct_rate` / `services.add_rate`; every version is evented (`events.py`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel
from sijaga.contributions import rates as data
from sijaga.core.fields import MonthField, first_of_month
from sijaga.core.periods import Month


class Origin(models.TextChoices):
    FILE = "file", _("Berkas data")
    CORRECTION = "correction", _("Koreksi koordinator")


class RateSchedule(models.Model):
    """One version of a data file's rates. Exactly one version per code is current (the one the calculator uses);
    earlier versions stay, with the rows bills may point at."""

    code = models.SlugField(_("kode"), max_length=60)
    version = models.PositiveIntegerField(_("versi"))
    regulation = models.CharField(_("peraturan"), max_length=200)
    title = models.CharField(_("judul"), max_length=300, blank=True)
    source = models.TextField(_("sumber"), blank=True)
    origin = models.CharField(_("asal"), max_length=10, choices=Origin.choices)
    digest = models.CharField(max_length=64, help_text="SHA-256 of this version's content")
    file_digest = models.CharField(max_length=64, help_text="SHA-256 of the data file's content it derives from")
    is_current = models.BooleanField(_("berlaku"), default=True)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dibuat"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("jadwal tarif")
        verbose_name_plural = _("jadwal tarif")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rateschedule_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="rateschedule_one_current_per_code"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="rateschedule_version_positive"),
            models.CheckConstraint(condition=Q(origin__in=Origin.values), name="rateschedule_origin_valid"),
            models.CheckConstraint(
                condition=Q(origin=Origin.FILE) | ~Q(reason=""), name="rateschedule_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def clean(self) -> None:
        if self.origin == Origin.CORRECTION and not self.reason.strip():
            raise ValidationError({"reason": _("Koreksi tarif wajib disertai alasan.")})


class Kind(models.TextChoices):
    RATE = "rate", _("Tarif (persen dari upah)")
    FLAT = "flat", _("Nominal tetap")
    TIER = "tier", _("Tarif bertingkat (persen dari nilai kontrak)")
    CAP = "cap", _("Batas atas upah")
    FLOOR = "floor", _("Batas bawah penghasilan")
    RELIEF = "relief", _("Keringanan")


class Party(models.TextChoices):
    EMPLOYER = "employer", _("Pemberi kerja")
    WORKER = "worker", _("Pekerja/peserta")
    GOVERNMENT = "government", _("Pemerintah pusat")
    RECOMPOSED = "recomposed", _("Rekomposisi dari program lain")


_REQUIRED = {
    "rate": Q(bp__isnull=False, amount__isnull=True, lower__isnull=True, upper__isnull=True) & ~Q(party=""),
    "flat": Q(bp__isnull=True, amount__isnull=False, lower__isnull=True, upper__isnull=True) & ~Q(party=""),
    "tier": Q(bp__isnull=False, amount__isnull=True, lower__isnull=False) & ~Q(party=""),
    "cap": Q(bp__isnull=True, amount__isnull=False, lower__isnull=True, upper__isnull=True, party=""),
    "floor": Q(bp__isnull=True, amount__isnull=False, lower__isnull=True, upper__isnull=True, party=""),
    "relief": Q(bp__isnull=False, amount__isnull=True, lower__isnull=True, upper__isnull=True) & ~Q(party=""),
}


def _kind_shape() -> Q:
    q = Q()
    for kind, shape in _REQUIRED.items():
        q |= Q(kind=kind) & shape
    return q


class Rate(models.Model):
    """One figure of a regulation (see `rates.py` for the kinds, units and parties). Never updated: a correction
    is a new schedule version with new rows."""

    schedule = models.ForeignKey(RateSchedule, on_delete=models.PROTECT, related_name="rates")
    key = models.CharField(_("kunci"), max_length=60)
    kind = models.CharField(_("jenis"), max_length=8, choices=Kind.choices)
    segment = models.CharField(_("segmen"), max_length=8)
    programme = models.CharField(_("program"), max_length=4)
    party = models.CharField(_("dibayar oleh"), max_length=12, choices=Party.choices, blank=True)
    risk_class = models.PositiveSmallIntegerField(_("kelas risiko JKK"), null=True, blank=True)
    bp = models.PositiveIntegerField(_("tarif (basis poin)"), null=True, blank=True)
    amount = models.PositiveBigIntegerField(_("nominal (Rp)"), null=True, blank=True)
    lower = models.PositiveBigIntegerField(_("batas bawah (Rp)"), null=True, blank=True)
    upper = models.PositiveBigIntegerField(_("batas atas (Rp)"), null=True, blank=True)
    capped = models.BooleanField(_("dari upah berbatas"), default=False)
    condition = models.CharField(_("syarat"), max_length=20, blank=True)
    from_programme = models.CharField(_("dari program"), max_length=4, blank=True)
    valid_from = MonthField(_("berlaku mulai bulan"))
    valid_to = MonthField(_("berlaku sampai bulan"), null=True, blank=True)
    regulation = models.CharField(_("peraturan"), max_length=200)
    article = models.CharField(_("pasal"), max_length=100, blank=True)
    source = models.TextField(_("sumber"), blank=True)
    verified = models.BooleanField(_("terverifikasi"), default=True)

    class Meta:
        verbose_name = _("tarif iuran")
        verbose_name_plural = _("tarif iuran")
        ordering = ["segment", "programme", "kind", "party", "risk_class", "lower", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "key"], name="rate_key_unique_in_schedule"),
            first_of_month("valid_from", "rate_valid_from_first_of_month"),
            first_of_month("valid_to", "rate_valid_to_first_of_month"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="rate_valid_to_after_from"
            ),
            models.CheckConstraint(condition=Q(kind__in=data.KINDS), name="rate_kind_valid"),
            models.CheckConstraint(condition=Q(segment__in=data.SEGMENTS), name="rate_segment_valid"),
            models.CheckConstraint(condition=Q(programme__in=data.PROGRAMMES), name="rate_programme_valid"),
            models.CheckConstraint(condition=Q(party__in=("", *data.PARTIES)), name="rate_party_valid"),
            models.CheckConstraint(condition=Q(condition__in=data.CONDITIONS), name="rate_condition_valid"),
            models.CheckConstraint(condition=_kind_shape(), name="rate_fields_match_kind"),
            models.CheckConstraint(condition=Q(bp__isnull=True) | Q(bp__gte=1, bp__lte=data.BP), name="rate_bp_range"),
            models.CheckConstraint(
                condition=Q(risk_class__isnull=True) | Q(kind="rate", risk_class__gte=1, risk_class__lte=5),
                name="rate_risk_class_range",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=1, amount__lte=data.MAX_AMOUNT),
                name="rate_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gt=F("lower"), upper__lte=data.MAX_AMOUNT),
                name="rate_tier_upper_above_lower",
            ),
            models.CheckConstraint(
                condition=Q(party="recomposed", from_programme__in=data.PROGRAMMES)
                | (~Q(party="recomposed") & Q(from_programme="")),
                name="rate_recomposed_names_its_programme",
            ),
            models.CheckConstraint(condition=Q(capped=False) | Q(kind="rate"), name="rate_only_rates_are_capped"),
            models.CheckConstraint(condition=Q(condition="") | Q(kind="relief"), name="rate_only_reliefs_have_terms"),
            models.CheckConstraint(condition=~Q(regulation=""), name="rate_cites_regulation"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule.code}:{self.key} {self.as_row().figure}"

    @property
    def figure(self) -> str:
        """``0.24%``, ``Rp6.800``, ``0.21% × (Rp0–Rp100.000.000]``."""
        return self.as_row().figure

    @property
    def first_month(self) -> Month:
        return Month.of(self.valid_from)

    @property
    def last_month(self) -> Month | None:
        return Month.of(self.valid_to) if self.valid_to else None

    def as_row(self) -> data.RateRow:
        return data.RateRow(
            schedule=self.schedule.code if self.schedule_id else "",
            key=self.key,
            kind=self.kind,
            segment=self.segment,
            programme=self.programme,
            valid_from=Month.of(self.valid_from),
            valid_to=Month.of(self.valid_to) if self.valid_to else None,
            regulation=self.regulation,
            article=self.article,
            source=self.source,
            verified=self.verified,
            party=self.party,
            risk_class=self.risk_class,
            bp=self.bp,
            amount=self.amount,
            lower=self.lower,
            upper=self.upper,
            capped=self.capped,
            condition=self.condition,
            from_programme=self.from_programme,
            id=self.pk or 0,
        )

    @classmethod
    def from_row(cls, row: data.RateRow, schedule: RateSchedule) -> "Rate":
        return cls(
            schedule=schedule,
            key=row.key,
            kind=row.kind,
            segment=row.segment,
            programme=row.programme,
            party=row.party,
            risk_class=row.risk_class,
            bp=row.bp,
            amount=row.amount,
            lower=row.lower,
            upper=row.upper,
            capped=row.capped,
            condition=row.condition,
            from_programme=row.from_programme,
            valid_from=row.valid_from.first_day,
            valid_to=row.valid_to.first_day if row.valid_to else None,
            regulation=row.regulation,
            article=row.article,
            source=row.source,
            verified=row.verified,
        )

    def clean(self) -> None:
        if (self.valid_from and self.valid_from.day != 1) or (self.valid_to and self.valid_to.day != 1):
            raise ValidationError(_("Masa berlaku tarif dihitung per bulan (tanggal 1)."))
        errors = data.row_errors(self.as_row())
        if errors:
            raise ValidationError(errors)


class EventKind(models.TextChoices):
    LOADED = "loaded", _("Dimuat dari berkas data")
    UPDATED = "updated", _("Berkas data berubah: versi baru")
    CORRECTED = "corrected", _("Dikoreksi koordinator")
    RETIRED = "retired", _("Berkas data dihapus: tidak berlaku lagi")


class RateEvent(models.Model):
    """One row per new schedule version or retirement: who, when, why, what changed. Never updated or deleted.

    Written only through `contributions.events`."""

    schedule = models.ForeignKey(RateSchedule, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("waktu"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, default="cli")
    kind = models.CharField(_("jenis"), max_length=10, choices=EventKind.choices)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    changes = models.JSONField(_("perubahan"), null=True, blank=True)  # {key: {field: [before, after]}}

    class Meta:
        verbose_name = _("riwayat tarif")
        verbose_name_plural = _("riwayat tarif")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="rateevent_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=EventKind.CORRECTED) | ~Q(reason=""), name="rateevent_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


# --- bills (issue 13, phase B) ----------------------------------------------------------------------------------------

BILLED_PROGRAMMES = data.PROGRAMMES
BILLED_PARTIES = ("employer", "worker", "government")


class BillStatus(models.TextChoices):
    ISSUED = "issued", _("Terbit")
    PARTIAL = "partial", _("Dibayar sebagian")
    PAID = "paid", _("Lunas")


class Bill(ScopedModel):
    """A payer's bill (tagihan) for one month: the sum of its lines. Lines are never changed; a re-run that finds a
    different amount (a back-dated terms change, a rate correction) adds an adjustment line, and the totals follow.
    Written only by `contributions.billing` (and `payments` for the paid amount and status)."""

    scope_fields = ("payer__region__code",)

    payer = models.ForeignKey("enrollment.Payer", on_delete=models.PROTECT, related_name="+")
    month = MonthField(_("bulan"))
    status = models.CharField(_("status"), max_length=8, choices=BillStatus.choices, default=BillStatus.ISSUED)
    employer = models.BigIntegerField(_("bagian pemberi kerja (Rp)"), default=0)
    worker = models.BigIntegerField(_("bagian pekerja (Rp)"), default=0)
    government = models.BigIntegerField(_("bagian pemerintah pusat (Rp)"), default=0)
    total = models.BigIntegerField(_("jumlah tagihan (Rp)"), default=0)
    paid = models.BigIntegerField(_("dibayar (Rp)"), default=0)
    lines = models.PositiveIntegerField(_("baris"), default=0)
    created_at = models.DateTimeField(_("dibuat"))
    updated_at = models.DateTimeField(_("diperbarui"))

    class Meta:
        verbose_name = _("tagihan iuran")
        verbose_name_plural = _("tagihan iuran")
        ordering = ["-month", "payer_id"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "month"], name="bill_one_per_payer_month"),
            first_of_month("month", "bill_month_first_of_month"),
            models.CheckConstraint(condition=Q(status__in=BillStatus.values), name="bill_status_valid"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="bill_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.payer_id} {Month.of(self.month)}"

    @property
    def outstanding(self) -> int:
        return self.total - self.paid


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Tagihan bulanan")
    ADJUSTMENT = "adjustment", _("Penyesuaian")


def _line_amounts() -> dict[str, models.BigIntegerField]:
    return {
        f"{p}_{party}": models.BigIntegerField(f"{p.upper()} {party}", default=0)
        for p in BILLED_PROGRAMMES
        for party in BILLED_PARTIES
    }


class BillLine(ScopedModel):
    """One membership's contribution for one month (``revision`` 0), or a later adjustment of it (1, 2, …: the
    difference a re-run found). Amounts per programme and party, in Rupiah; ``total`` is what the payer is billed
    (employer + worker shares; the government's JKP share is shown, not billed). ``terms`` and ``rate_ids`` are what
    it was priced from. Never updated or deleted. On PostgreSQL the table is range-partitioned by ``month``
    (`contributions.partitions`; primary key (id, month) in the database)."""

    scope_fields = ("membership__payer__region__code", "membership__worker__domicile__code")

    # No single-column indexes: (bill, membership) and (membership, month, revision) cover the look-ups, and every
    # index is paid for on each of a month's million inserted lines (bench/billing.py).
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="bill_lines", db_index=False)
    membership = models.ForeignKey("enrollment.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    terms = models.ForeignKey("enrollment.MembershipTerms", on_delete=models.PROTECT, related_name="+", db_index=False)
    month = MonthField(_("bulan"))
    revision = models.PositiveSmallIntegerField(_("revisi"), default=0)
    kind = models.CharField(_("jenis"), max_length=10, choices=LineKind.choices, default=LineKind.REGULAR)
    locals().update(_line_amounts())
    employer = models.BigIntegerField(_("bagian pemberi kerja (Rp)"), default=0)
    worker = models.BigIntegerField(_("bagian pekerja (Rp)"), default=0)
    government = models.BigIntegerField(_("bagian pemerintah pusat (Rp)"), default=0)
    total = models.BigIntegerField(_("jumlah (Rp)"), default=0)
    rate_ids = models.CharField(_("tarif yang dipakai"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        verbose_name = _("baris tagihan")
        verbose_name_plural = _("baris tagihan")
        ordering = ["month", "membership_id", "revision"]
        constraints = [
            # with the check below (regular ⇔ revision 0) this is also "one regular line per membership and month"
            models.UniqueConstraint(fields=["membership", "month", "revision"], name="billline_revision_unique"),
            first_of_month("month", "billline_month_first_of_month"),
            models.CheckConstraint(
                condition=(Q(revision=0) & Q(kind="regular")) | (Q(revision__gt=0) & Q(kind="adjustment")),
                name="billline_kind_matches_revision",
            ),
            models.CheckConstraint(condition=Q(total=F("employer") + F("worker")), name="billline_total_is_payable"),
        ]
        indexes = [models.Index(fields=["bill", "membership"], name="billline_bill_membership")]

    def __str__(self) -> str:
        return f"{self.membership_id} {Month.of(self.month)} r{self.revision}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Bill lines are never changed: an adjustment is a new line.")
        super().save(*args, **kwargs)


# --- payments ---------------------------------------------------------------------------------------------------------


class PaymentSource(models.TextChoices):
    WEB = "web", _("Halaman")
    API = "api", _("API")
    FILE = "file", _("Berkas pembayaran")


class Payment(ScopedModel):
    """Money received from a payer. Allocated to its bills oldest first (`Allocation`); what is left is the payer's
    credit (``unallocated``), used for the next bills. A payer's reference is counted once. Written only by
    `contributions.payments`."""

    scope_fields = ("payer__region__code",)

    payer = models.ForeignKey("enrollment.Payer", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid_on = models.DateField(_("tanggal bayar"))
    reference = models.CharField(_("referensi"), max_length=80)
    source = models.CharField(_("sumber"), max_length=8, choices=PaymentSource.choices)
    unallocated = models.BigIntegerField(_("sisa (kredit, Rp)"), default=0)
    created_at = models.DateTimeField(_("dicatat"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pembayaran iuran")
        verbose_name_plural = _("pembayaran iuran")
        ordering = ["paid_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "reference"], name="payment_reference_once_per_payer"),
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=data.MAX_AMOUNT), name="payment_amount_range"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0, unallocated__lte=F("amount")), name="payment_unallocated_range"
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="payment_has_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class Allocation(ScopedModel):
    """Part of a payment applied to a bill."""

    scope_fields = ("bill__payer__region__code",)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="allocations")
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    created_at = models.DateTimeField(_("dicatat"))

    class Meta:
        verbose_name = _("alokasi pembayaran")
        verbose_name_plural = _("alokasi pembayaran")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.bill_id}: {self.amount}"


# --- construction projects priced on contract value -------------------------------------------------------------------


class ProjectContribution(ScopedModel):
    """The contribution of a construction project priced on its contract value (Permenaker 44/2015's marginal
    tiers): computed once, in the month the project starts, and added to its payer's bill of that month. Never
    updated. Written only by `contributions.billing`."""

    scope_fields = ("project__payer__region__code",)

    project = models.OneToOneField(
        "enrollment.ConstructionProject", on_delete=models.PROTECT, related_name="contribution"
    )
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="project_contributions")
    month = MonthField(_("bulan"))
    contract_value = models.BigIntegerField(_("nilai kontrak (Rp)"))
    jkk_employer = models.BigIntegerField("JKK", default=0)
    jkm_employer = models.BigIntegerField("JKM", default=0)
    total = models.BigIntegerField(_("jumlah (Rp)"), default=0)
    rate_ids = models.CharField(_("tarif yang dipakai"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        verbose_name = _("iuran proyek jasa konstruksi")
        verbose_name_plural = _("iuran proyek jasa konstruksi")
        ordering = ["month", "project_id"]
        constraints = [
            first_of_month("month", "projectcontribution_month_first_of_month"),
            models.CheckConstraint(
                condition=Q(total=F("jkk_employer") + F("jkm_employer")), name="projectcontribution_total"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="projectcontribution_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {Month.of(self.month)}: {self.total}"
