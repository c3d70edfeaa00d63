"""Users, their role and the regions they may see (UU PDP 27/2022: nobody sees another region's people)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Koordinator pusat")
    PROVINCE_ADMIN = "province_admin", _("Admin provinsi")
    REGENCY_OPERATOR = "regency_operator", _("Operator kabupaten/kota")
    VILLAGE_OPERATOR = "village_operator", _("Operator desa")
    BPJS_OFFICER = "bpjs_officer", _("Petugas BPJS Ketenagakerjaan")
    AUDITOR = "auditor", _("Auditor")


#: Region level a role's assigned regions must have (None: any level, several allowed).
ROLE_REGION_LEVEL: dict[str, int | None] = {
    Role.PROVINCE_ADMIN: 1,
    Role.REGENCY_OPERATOR: 2,
    Role.VILLAGE_OPERATOR: 4,
    Role.BPJS_OFFICER: None,
    Role.AUDITOR: None,
}


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.REGENCY_OPERATOR)
    regions = models.ManyToManyField("regions.Region", verbose_name=_("wilayah tugas"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        db_table = "accounts_user"

    def clean_regions(self, regions) -> None:
        """Called by forms and services after the M2M is known (Django cannot check M2M in clean())."""
        level = ROLE_REGION_LEVEL.get(self.role)
        if self.role == Role.COORDINATOR:
            return
        if not regions:
            raise ValidationError(_("Peran ini wajib memiliki wilayah tugas."))
        if self.role in (Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR, Role.VILLAGE_OPERATOR) and len(regions) != 1:
            raise ValidationError(_("Peran ini hanya boleh memiliki satu wilayah tugas."))
        if level is not None and any(r.level != level for r in regions):
            raise ValidationError(_("Tingkat wilayah tugas tidak sesuai peran."))


class AccessLog(ScopedModel):
    """One row per access to personal data: who, when, what, how many records (UU PDP accountability).

    Scoped by the regions of the user who acted: an auditor of a regency sees what that regency's users did."""

    scope_fields = ("user__regions__code",)

    @classmethod
    def scope_q(cls, scope):
        users = User.objects.filter(scope.q("regions__code")).values("pk")
        return models.Q(user__in=users)

    class Action(models.TextChoices):
        VIEW = "view", _("lihat")
        SEARCH = "search", _("cari/daftar")
        EXPORT = "export", _("ekspor")
        CARD = "card", _("cetak kartu")
        CREATE = "create", _("buat")
        UPDATE = "update", _("ubah")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="access_logs")
    action = models.CharField(max_length=10, choices=Action.choices)
    channel = models.CharField(max_length=10, default="web")  # web, api, admin, cli
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    record_count = models.PositiveIntegerField(default=1)
    query = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("log akses data pribadi")
        verbose_name_plural = _("log akses data pribadi")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type} {self.object_id}"
