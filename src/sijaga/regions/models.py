"""The official Kemendagri region hierarchy (Kepmendagri 300.2.2-2138/2025), keyed by dotted code."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Provinsi")
    REGENCY = 2, _("Kabupaten/Kota")
    DISTRICT = 3, _("Kecamatan/Distrik")
    VILLAGE = 4, _("Desa/Kelurahan")


class Kind(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DISTRIK = "distrik", _("Distrik")
    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA_ADAT = "desa_adat", _("Desa adat")


KINDS_BY_LEVEL: dict[int, set[str]] = {
    1: {Kind.PROVINSI},
    2: {Kind.KABUPATEN, Kind.KOTA},
    3: {Kind.KECAMATAN, Kind.DISTRIK},
    4: {Kind.DESA, Kind.KELURAHAN, Kind.DESA_ADAT},
}
CODE_LENGTH_BY_LEVEL = {1: 2, 2: 5, 3: 8, 4: 13}


class Region(models.Model):
    """A province, regency/city, district or village.

    `is_current` is False for codes the latest decree dropped (kept because people may still refer to them).
    """

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120, db_index=True)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_current = models.BooleanField(_("berlaku"), default=True)

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="region_level_range"),
            models.CheckConstraint(
                condition=(Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False)),
                name="region_parent_iff_below_province",
            ),
            models.CheckConstraint(
                condition=(
                    Q(level=1, kind="provinsi")
                    | Q(level=2, kind__in=["kabupaten", "kota"])
                    | Q(level=3, kind__in=["kecamatan", "distrik"])
                    | Q(level=4, kind__in=["desa", "kelurahan", "desa_adat"])
                ),
                name="region_kind_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if len(self.code) != CODE_LENGTH_BY_LEVEL.get(self.level, -1):
            raise ValidationError({"code": _("Panjang kode tidak sesuai tingkat wilayah.")})
        if self.kind not in KINDS_BY_LEVEL.get(self.level, set()):
            raise ValidationError({"kind": _("Jenis wilayah tidak sesuai tingkatnya.")})
        if self.level > 1 and (self.parent_id is None or not self.code.startswith(self.parent_id + ".")):
            raise ValidationError({"parent": _("Induk wilayah harus awalan kode wilayah ini.")})

    @property
    def province_code(self) -> str:
        return self.code[:2]


class Boundary(models.Model):
    """A region's simplified boundary as GeoJSON geometry, loaded from a file (never bundled in the repo)."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, primary_key=True, related_name="boundary")
    geometry = models.JSONField()
    label_point = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("batas wilayah")
        verbose_name_plural = _("batas wilayah")

    def __str__(self) -> str:
        return f"{self.region_id} ({self.source})"
