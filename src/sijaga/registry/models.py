"""Workers (tenaga kerja), identified by a validated NIK."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

CharField.register_lookup(Length)


class Category(models.TextChoices):
    NON_ASN = "non_asn", _("Pegawai non-ASN")
    PERANGKAT_DESA = "perangkat_desa", _("Perangkat desa")
    RT_RW = "rt_rw", _("Ketua RT/RW")
    PENYELENGGARA_PEMILU = "penyelenggara_pemilu", _("Penyelenggara pemilu")
    PEKERJA_RENTAN = "pekerja_rentan", _("Pekerja rentan")
    FORMAL_LAIN = "formal_lain", _("Pekerja formal lainnya")


class Gender(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Worker(models.Model):
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    full_name = models.CharField(_("nama lengkap"), max_length=150)  # searched by icontains: no btree helps
    birth_date = models.DateField(_("tanggal lahir"))
    gender = models.CharField(_("jenis kelamin"), max_length=1, choices=Gender.choices)
    domicile = models.ForeignKey(
        "regions.Region",
        verbose_name=_("domisili (desa/kelurahan)"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 4},
    )
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    occupation = models.CharField(_("pekerjaan"), max_length=100, blank=True)
    category = models.CharField(_("kategori sasaran"), max_length=24, choices=Category.choices)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tenaga kerja")
        verbose_name_plural = _("tenaga kerja")
        ordering = ["full_name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(nik__length=16), name="worker_nik_16_digits"),
            models.CheckConstraint(condition=Q(gender__in=["L", "P"]), name="worker_gender_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="worker_category_valid"),
            models.CheckConstraint(
                condition=~Q(category="pekerja_rentan") | ~Q(occupation=""),
                name="worker_vulnerable_has_occupation",
            ),
            models.CheckConstraint(condition=~Q(full_name=""), name="worker_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_nik})"

    @property
    def masked_nik(self) -> str:
        from sijaga.registry.services import mask_nik

        return mask_nik(self.nik)

    def clean(self) -> None:
        from sijaga.registry.services import identity_errors

        errors = identity_errors(self.nik, self.birth_date, self.gender)
        if self.category == Category.PEKERJA_RENTAN and not self.occupation.strip():
            errors.setdefault("occupation", []).append(_("Pekerja rentan wajib mencantumkan pekerjaannya."))
        if self.domicile_id and self.domicile_id.count(".") != 3:
            errors.setdefault("domicile", []).append(_("Domisili harus desa/kelurahan."))
        if errors:
            raise ValidationError(errors)
