"""Tables of the coverage app: targets (denominators) and the summary tables the pages read.

Two measures (`Measure`): by **payer** region (what each Pemda funds: its accountability) and by **domicile** (where
the protected people live). Pages never read memberships: they read

* `CoverageCell` — one row per payer × domicile village × target category × segment × start month (this month or
  the last; 0 for older starts, whose new-enrolment counts live in the snapshots), with counts of open, active,
  in-arrears and ended memberships. Recounted for the cells touched (`refresh.refresh`).
* `CoverageRollup` — the cells summed at every region level (nation, province, regency, district, village) for both
  measures; kept by adding the difference between a payer's old and new cells (so a refresh costs what it touched).
* `CoverageNew` — new enrolments (memberships started) per region in this month and the last, kept the same way.
* `CoverageSnapshot` — the rollup frozen at each month end, for the trend.
* `Target`/`TargetRollup` — workforce potential (BPS) and target-group headcounts, entered or imported with their
  source and year; the rollup resolves them at every level (an entry at a region wins over the sum of its parts).

Region codes are stored as text, not foreign keys: a code that leaves the official list keeps its history.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel

CODE_LENGTHS = {1: 2, 2: 5, 3: 8, 4: 13}


def level_of(code: str) -> int:
    """0 for the nation (''), else 1..4 from the dotted code."""
    return 0 if not code else code.count(".") + 1


class Measure(models.TextChoices):
    PAYER = "payer", _("menurut wilayah pembayar")
    DOMICILE = "domicile", _("menurut domisili peserta")


class TargetCategory(models.TextChoices):
    """What a target counts. `angkatan_kerja` is the BPS working population; the others are target groups."""

    WORKFORCE = "angkatan_kerja", _("Potensi pekerja (penduduk bekerja, BPS)")
    NON_ASN = "non_asn", _("Pegawai non-ASN")
    PERANGKAT_DESA = "perangkat_desa", _("Perangkat desa")
    RT_RW = "rt_rw", _("Ketua RT/RW")
    PEKERJA_RENTAN = "pekerja_rentan", _("Pekerja rentan")


#: Target groups: their headcounts sum to the payer measure's denominator; the workforce is the domicile measure's.
GROUP_CATEGORIES = ("non_asn", "perangkat_desa", "rt_rw", "pekerja_rentan")
MAX_TARGET = 400_000_000  # more than Indonesia's population is a typing error


class Counts(models.Model):
    registered = models.BigIntegerField(_("terdaftar"), default=0)
    active = models.BigIntegerField(_("aktif"), default=0)
    arrears = models.BigIntegerField(_("nonaktif menunggak"), default=0)
    jht = models.BigIntegerField("JHT", default=0)
    jp = models.BigIntegerField("JP", default=0)
    jkp = models.BigIntegerField("JKP", default=0)

    class Meta:
        abstract = True


class CoverageCell(ScopedModel, Counts):
    """Memberships of one payer counted by domicile village, category, segment and start month (YYYYMM)."""

    scope_fields = ("payer_region", "domicile")
    payer_id = models.BigIntegerField(db_index=True)
    payer_region = models.CharField(max_length=13)
    domicile = models.CharField(max_length=13)
    category = models.CharField(max_length=24)
    segment = models.CharField(max_length=8)
    start_month = models.PositiveIntegerField()
    ended = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("sel cakupan")
        verbose_name_plural = _("sel cakupan")
        constraints = [
            models.UniqueConstraint(
                fields=["payer_id", "domicile", "category", "segment", "start_month"], name="coverage_cell_key"
            ),
            models.CheckConstraint(
                condition=Q(registered__gte=0, active__gte=0, arrears__gte=0, ended__gte=0),
                name="coverage_cell_counts_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_id} {self.domicile} {self.category} {self.start_month}"


class CoverageRollup(Counts):
    """Open memberships at one region (any level; '' is the nation) by measure, category and segment."""

    measure = models.CharField(max_length=8, choices=Measure.choices)
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=13, blank=True)
    parent = models.CharField(max_length=13, blank=True)
    category = models.CharField(max_length=24)
    segment = models.CharField(max_length=8)

    class Meta:
        verbose_name = _("rekap cakupan")
        verbose_name_plural = _("rekap cakupan")
        indexes = [models.Index(fields=["measure", "level", "parent"], name="coverage_rollup_children")]
        constraints = [
            models.UniqueConstraint(fields=["measure", "code", "category", "segment"], name="coverage_rollup_key"),
            models.CheckConstraint(condition=Q(level__gte=0, level__lte=4), name="coverage_rollup_level"),
            models.CheckConstraint(
                condition=Q(registered__gte=0, active__gte=0, arrears__gte=0), name="coverage_rollup_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.code or 'ID'} {self.category} {self.segment}"


class CoverageNew(models.Model):
    """New enrolments (memberships started, whatever their status now) at one region in one month (YYYYMM)."""

    measure = models.CharField(max_length=8, choices=Measure.choices)
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=13, blank=True)
    parent = models.CharField(max_length=13, blank=True)
    month = models.PositiveIntegerField()
    new = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("pendaftaran baru")
        verbose_name_plural = _("pendaftaran baru")
        indexes = [models.Index(fields=["measure", "level", "parent", "month"], name="coverage_new_children")]
        constraints = [
            models.UniqueConstraint(fields=["measure", "code", "month"], name="coverage_new_key"),
            models.CheckConstraint(condition=Q(new__gte=0), name="coverage_new_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.code or 'ID'} {self.month}: {self.new}"


class CoverageSnapshot(models.Model):
    """A region's figures frozen at a month end. `active`/`arrears` are NULL for months rebuilt from dates only
    (`backfilled`): the status at that time was not recorded, and a guess would not be a figure."""

    month = models.PositiveIntegerField()  # YYYYMM
    measure = models.CharField(max_length=8, choices=Measure.choices)
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=13, blank=True)
    parent = models.CharField(max_length=13, blank=True)
    registered = models.BigIntegerField(default=0)
    active = models.BigIntegerField(null=True, blank=True)
    arrears = models.BigIntegerField(null=True, blank=True)
    new = models.BigIntegerField(default=0)
    backfilled = models.BooleanField(default=False)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("potret bulanan cakupan")
        verbose_name_plural = _("potret bulanan cakupan")
        indexes = [models.Index(fields=["measure", "code", "month"], name="coverage_snapshot_trend")]
        constraints = [
            models.UniqueConstraint(fields=["month", "measure", "code"], name="coverage_snapshot_key"),
            models.CheckConstraint(condition=Q(registered__gte=0, new__gte=0), name="coverage_snapshot_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.code or 'ID'} {self.month}"


class Target(models.Model):
    """A denominator: a count of people for one region, year and category, with where it came from.

    Non-ASN staff may be given per payer (a Pemda's own headcount); the others per region."""

    region_code = models.CharField(_("kode wilayah"), max_length=13)
    year = models.PositiveSmallIntegerField(_("tahun"))
    category = models.CharField(_("kategori sasaran"), max_length=24, choices=TargetCategory.choices)
    payer_id = models.BigIntegerField(_("pembayar"), null=True, blank=True)
    count = models.BigIntegerField(_("jumlah orang"))
    source = models.CharField(_("sumber"), max_length=200)
    is_demo = models.BooleanField(_("data demo"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("sasaran")
        verbose_name_plural = _("sasaran")
        ordering = ["region_code", "year", "category"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=0, count__lte=MAX_TARGET), name="target_count_range"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="target_year_range"),
            models.CheckConstraint(condition=~Q(source=""), name="target_has_source"),
            models.CheckConstraint(
                condition=Q(payer_id__isnull=True) | Q(category="non_asn"), name="target_payer_only_non_asn"
            ),
            models.UniqueConstraint(
                fields=["region_code", "year", "category"],
                condition=Q(payer_id__isnull=True),
                name="target_one_per_region_year_category",
            ),
            models.UniqueConstraint(
                fields=["payer_id", "year"], condition=Q(payer_id__isnull=False), name="target_one_per_payer_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year} {self.category}: {self.count}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.count is not None and not 0 <= self.count <= MAX_TARGET:
            errors.setdefault("count", []).append(_("Jumlah sasaran tidak boleh negatif atau melebihi penduduk."))
        if not (self.source or "").strip():
            errors.setdefault("source", []).append(_("Sebutkan sumber data sasaran."))
        if self.payer_id is not None and self.category != TargetCategory.NON_ASN:
            errors.setdefault("payer_id", []).append(_("Sasaran per pembayar hanya untuk pegawai non-ASN."))
        if self.region_code and level_of(self.region_code) not in CODE_LENGTHS:
            errors.setdefault("region_code", []).append(_("Kode wilayah tidak dikenal."))
        if errors:
            raise ValidationError(errors)


class TargetRollup(models.Model):
    """`Target` resolved at every level for one year and category: the entry at a region if there is one,
    else the sum of its parts. Rebuilt when targets change (they are few)."""

    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=13, blank=True)
    parent = models.CharField(max_length=13, blank=True)
    year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=24, choices=TargetCategory.choices)
    count = models.BigIntegerField()
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("rekap sasaran")
        verbose_name_plural = _("rekap sasaran")
        indexes = [models.Index(fields=["level", "parent", "year"], name="target_rollup_children")]
        constraints = [
            models.UniqueConstraint(fields=["code", "year", "category"], name="target_rollup_key"),
            models.CheckConstraint(condition=Q(count__gte=0), name="target_rollup_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.code or 'ID'} {self.year} {self.category}: {self.count}"
