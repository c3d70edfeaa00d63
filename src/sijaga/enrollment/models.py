"""Payers (who pays the contributions) and memberships (kepesertaan) with their append-only status history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel
from sijaga.core.validators import no_control_characters
from sijaga.enrollment.rules import OPEN_STATUSES


class PayerKind(models.TextChoices):
    PEMPROV = "pemprov", _("Pemerintah provinsi")
    PEMKAB = "pemkab", _("Pemerintah kabupaten/kota")
    PEMDES = "pemdes", _("Pemerintah desa")
    BADAN_USAHA = "badan_usaha", _("Perusahaan/BUMD")
    MANDIRI = "mandiri", _("Pekerja mandiri (bayar sendiri)")
    PIHAK_KETIGA = "pihak_ketiga", _("Pihak ketiga/CSR")


class FundingSource(models.TextChoices):
    APBD = "apbd", _("APBD")
    APBDES = "apbdes", _("APBDes/Dana Desa")
    APBN = "apbn", _("APBN")
    CSR = "csr", _("CSR")
    MANDIRI = "mandiri", _("Mandiri")


#: Which funding sources each payer kind may use, and the region level it sits at (None: any).
PAYER_FUNDING: dict[str, tuple[str, ...]] = {
    "pemprov": ("apbd", "apbn"),
    "pemkab": ("apbd", "apbn"),
    "pemdes": ("apbdes", "apbd"),
    "badan_usaha": ("mandiri", "csr"),
    "mandiri": ("mandiri",),
    "pihak_ketiga": ("csr", "apbn"),
}
PAYER_LEVEL: dict[str, int | None] = {
    "pemprov": 1,
    "pemkab": 2,
    "pemdes": 4,
    "badan_usaha": None,
    "mandiri": None,
    "pihak_ketiga": None,
}


class Payer(ScopedModel):
    """Who pays the contributions; scoped by its region (a village operator also sees its regency's government)."""

    scope_fields = ("region__code",)
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200, validators=[no_control_characters])
    kind = models.CharField(_("jenis"), max_length=16, choices=PayerKind.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+")
    funding_source = models.CharField(_("sumber dana"), max_length=10, choices=FundingSource.choices)
    npp = models.CharField(
        _("NPP BPJS"),
        max_length=20,
        blank=True,
        help_text=_("Nomor pendaftaran perusahaan"),
        validators=[no_control_characters],
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    jkk_risk_class = models.PositiveSmallIntegerField(
        _("kelas risiko JKK"),
        default=1,
        help_text=_("Kelas risiko JKK bawaan kepesertaan pembayar ini (kantor pemerintah: kelas I)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: name, code and region name in lower case, for the picker (a trigram index on PostgreSQL); kept by `save()`
    search_text = models.CharField(max_length=400, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("pembayar iuran")
        verbose_name_plural = _("pembayar iuran")
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["name"], name="payer_name")]  # the picker walks it with LIMIT
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pemprov", funding_source__in=PAYER_FUNDING["pemprov"])
                | Q(kind="pemkab", funding_source__in=PAYER_FUNDING["pemkab"])
                | Q(kind="pemdes", funding_source__in=PAYER_FUNDING["pemdes"])
                | Q(kind="badan_usaha", funding_source__in=PAYER_FUNDING["badan_usaha"])
                | Q(kind="mandiri", funding_source__in=PAYER_FUNDING["mandiri"])
                | Q(kind="pihak_ketiga", funding_source__in=PAYER_FUNDING["pihak_ketiga"]),
                name="payer_funding_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(jkk_risk_class__gte=1, jkk_risk_class__lte=5), name="payer_jkk_risk_class_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope) -> Q:
        q = scope.q("region__code")
        if scope.role == "village_operator":
            # a kelurahan has no village government: its operator enrols under the regency/city government
            regencies = {".".join(p.split(".")[:2]) for p in scope.prefixes}
            q |= Q(kind=PayerKind.PEMKAB, region__code__in=regencies)
        return q

    @staticmethod
    def search_text_of(name: str, code: str, region_name: str) -> str:
        return f"{name} {code} {region_name}".lower()[:400]

    def save(self, *args, **kwargs):
        from sijaga.regions.models import Region

        region_name = Region.objects.filter(pk=self.region_id).values_list("name", flat=True).first() or ""
        self.search_text = self.search_text_of(self.name, self.code, region_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.funding_source not in PAYER_FUNDING.get(self.kind, ()):
            raise ValidationError({"funding_source": _("Sumber dana tidak sesuai jenis pembayar.")})
        level = PAYER_LEVEL.get(self.kind)
        if level and self.region_id and self.region_id.count(".") + 1 != level:
            raise ValidationError({"region": _("Tingkat wilayah tidak sesuai jenis pembayar.")})
        if self.kind == PayerKind.PEMDES and self.region_id:
            # A kelurahan is a unit of the regency/city government: no village budget, no village government.
            from django.core.exceptions import ObjectDoesNotExist

            try:
                region_kind = self.region.kind
            except ObjectDoesNotExist:  # an unknown region code: clean_fields() reports it
                return
            if region_kind not in ("desa", "desa_adat"):
                raise ValidationError(
                    {
                        "region": _(
                            "Pemerintah desa harus berada di desa atau desa adat; "
                            "kelurahan dibiayai APBD kabupaten/kota."
                        )
                    }
                )


class Segment(models.TextChoices):
    PU = "pu", _("PU — penerima upah")
    BPU = "bpu", _("BPU — bukan penerima upah")
    JAKON = "jakon", _("Jasa konstruksi")


class MembershipStatus(models.TextChoices):
    REGISTERED = "registered", _("Terdaftar")
    ACTIVE = "active", _("Aktif")
    INACTIVE = "inactive", _("Nonaktif (menunggak)")
    ENDED = "ended", _("Berakhir")


class EndReason(models.TextChoices):
    DEATH = "death", _("Meninggal dunia")
    RETIREMENT = "retirement", _("Pensiun")
    RESIGNATION = "resignation", _("Berhenti bekerja")
    MOVED = "moved", _("Pindah pemberi kerja/wilayah")


MAX_WAGE = 1_000_000_000  # Rp1 miliar a month: anything above is a typing error, not a wage.


class ProjectBasis(models.TextChoices):
    CONTRACT = "contract", _("Nilai kontrak (tarif bertingkat)")
    WAGE = "wage", _("Upah pekerja (upah diketahui)")


MAX_CONTRACT = 100_000_000_000_000  # Rp100 trillion, the calculator's bound


class ConstructionProject(ScopedModel):
    """A construction project (Jakon): its payer, contract value, work order (SPK) and period. Jakon memberships
    hang off a project. Its contribution is priced on the contract value by the marginal tiers (once, in the month
    the project starts: `contributions.billing`) or, when the workers' wages are known, on each membership's wage.
    Registration is due within the working days of `data/deadlines.toml` after the work order; later is flagged.
    Written only by `enrollment.services.register_project`."""

    scope_fields = ("payer__region__code",)

    payer = models.ForeignKey(Payer, verbose_name=_("pembayar iuran"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nama proyek"), max_length=200, validators=[no_control_characters])
    contract_value = models.BigIntegerField(_("nilai kontrak (Rp)"))
    work_order_date = models.DateField(_("tanggal SPK"))
    start_date = models.DateField(_("mulai pekerjaan"))
    end_date = models.DateField(_("selesai pekerjaan"))
    priced_on = models.CharField(
        _("dasar iuran"), max_length=8, choices=ProjectBasis.choices, default=ProjectBasis.CONTRACT
    )
    registered_on = models.DateField(_("tanggal didaftarkan"))
    late = models.BooleanField(_("terlambat didaftarkan"), default=False)
    created_at = models.DateTimeField(_("dicatat"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("proyek jasa konstruksi")
        verbose_name_plural = _("proyek jasa konstruksi")
        ordering = ["-work_order_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_value__gt=0, contract_value__lte=MAX_CONTRACT), name="project_contract_range"
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="project_end_after_start"),
            models.CheckConstraint(condition=Q(priced_on__in=ProjectBasis.values), name="project_basis_valid"),
            models.CheckConstraint(
                condition=Q(registered_on__gte=F("work_order_date")), name="project_registered_after_work_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not (0 < (self.contract_value or 0) <= MAX_CONTRACT):
            errors["contract_value"] = _("Nilai kontrak harus lebih dari Rp0 dan paling banyak Rp100 triliun.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Tanggal selesai sebelum tanggal mulai.")
        if self.work_order_date and self.registered_on and self.registered_on < self.work_order_date:
            errors["work_order_date"] = _("Tanggal SPK sesudah tanggal pendaftaran.")
        import datetime as dt

        for field in ("work_order_date", "start_date", "end_date", "registered_on"):
            value = getattr(self, field)
            if isinstance(value, dt.date) and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
                errors[field] = _("Tanggal harus antara tahun 2000 dan 2100.")
        if errors:
            raise ValidationError(errors)


class Membership(ScopedModel):
    """A worker's membership with one payer: visible to the payer's region and to the worker's domicile."""

    scope_fields = ("payer__region__code", "worker__domicile__code")

    number = models.CharField(_("nomor kepesertaan"), max_length=11, null=True, blank=True)  # noqa: DJ001 - unique, NULL until assigned
    kpj = models.CharField(  # noqa: DJ001 - unique when known, NULL until BPJS assigns it
        _("nomor KPJ BPJS"),
        max_length=20,
        null=True,
        blank=True,
        help_text=_("Nomor peserta resmi BPJS Ketenagakerjaan"),
    )
    worker = models.ForeignKey("registry.Worker", on_delete=models.PROTECT, related_name="memberships")
    # Indexed by `membership_payer_start` (payer, start_date) instead of its own index: the same lookups by payer,
    # and coverage recounts a payer's memberships of one start month (an import's new members) by a range scan.
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="memberships", db_index=False)
    # NULL except for Jakon memberships attached to a project: indexed only where set (Meta.indexes)
    project = models.ForeignKey(
        ConstructionProject, verbose_name=_("proyek jasa konstruksi"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="memberships", db_index=False,
    )  # fmt: skip
    segment = models.CharField(_("segmen"), max_length=8, choices=Segment.choices)
    jkk = models.BooleanField("JKK", default=True)
    jkm = models.BooleanField("JKM", default=True)
    jht = models.BooleanField("JHT", default=False)
    jp = models.BooleanField("JP", default=False)
    jkp = models.BooleanField("JKP", default=False)
    wage = models.PositiveBigIntegerField(_("upah/penghasilan per bulan (Rp)"))
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("berakhir"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.REGISTERED
    )
    end_reason = models.CharField(_("alasan berakhir"), max_length=12, choices=EndReason.choices, blank=True)
    status_changed_at = models.DateTimeField(_("status diubah"))
    verify_token = models.CharField(max_length=32, editable=False)
    submission_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001 - unique when set
    created_at = models.DateTimeField(auto_now_add=True)
    # No index (issue 18): NULL on every CLI/bulk row and one user id per web import, so its index served only the
    # SET NULL when a user is deleted, a rare superuser action (users are deactivated) that now scans the table once.
    # Every imported row paid for it (performance review §4.3).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    #: The worker's domicile lies outside the payer's region (a city employing a neighbour). Only these memberships
    #: widen the payer region's view of the registry (`registry.Worker.scope_q`): the others' workers live inside it
    #: and are visible anyway. Kept by `enrollment.elsewhere` on every write of a membership, a worker's domicile or
    #: a payer's region; a wrong value can only hide a worker from the payer's region, never show one (issue 18).
    lives_elsewhere = models.BooleanField(
        _("berdomisili di luar wilayah pembayar"), default=False, db_default=False, editable=False
    )

    class Meta:
        verbose_name = _("kepesertaan")
        verbose_name_plural = _("kepesertaan")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["payer", "start_date"], name="membership_payer_start"),
            # the registry's scope for regional actors: the open memberships that make a worker living elsewhere
            # visible to the payer's region (2 % of memberships in bench/registry.py), by payer then worker
            models.Index(
                fields=["payer", "worker"],
                condition=Q(lives_elsewhere=True, status__in=OPEN_STATUSES),
                name="membership_open_elsewhere",
            ),
            models.Index(fields=["project"], condition=Q(project__isnull=False), name="membership_project"),
        ]
        constraints = [
            # Unique constraints rather than unique=True: on PostgreSQL, unique=True on a CharField also builds a
            # second `varchar_pattern_ops` index for LIKE, which nobody runs on these columns and which slows bulk
            # inserts (measured in bench/import.py).
            models.UniqueConstraint(fields=["number"], name="membership_number_unique"),
            # NULL until BPJS assigns it: the NULLs (every imported row) stay out of the index
            models.UniqueConstraint(fields=["kpj"], condition=Q(kpj__isnull=False), name="membership_kpj_unique"),
            models.UniqueConstraint(fields=["verify_token"], name="membership_verify_token_unique"),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=Q(submission_key__isnull=False),
                name="membership_submission_key_unique",
            ),
            models.UniqueConstraint(
                fields=["worker", "payer"],
                condition=Q(status__in=OPEN_STATUSES),
                name="membership_one_open_per_worker_payer",
            ),
            models.CheckConstraint(condition=Q(jkk=True, jkm=True), name="membership_jkk_jkm_always"),
            models.CheckConstraint(
                condition=Q(segment="pu")
                | Q(segment="bpu", jp=False, jkp=False)
                | Q(segment="jakon", jht=False, jp=False, jkp=False),
                name="membership_programmes_allowed_by_segment",
            ),
            models.CheckConstraint(condition=Q(jkp=False) | Q(jht=True), name="membership_jkp_requires_jht"),
            models.CheckConstraint(
                condition=Q(project__isnull=True) | Q(segment="jakon"), name="membership_project_only_jakon"
            ),
            models.CheckConstraint(condition=Q(wage__gt=0, wage__lte=MAX_WAGE), name="membership_wage_range"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_end_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(status="ended") & ~Q(end_reason="") & Q(end_date__isnull=False))
                | (~Q(status="ended") & Q(end_reason="")),
                name="membership_ended_has_reason_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.get_status_display()}"

    def save(self, *args, **kwargs):
        # A new membership knows its worker and payer (the enrol service holds both): the flag is set here; later
        # moves and payer changes are followed set-based by `enrollment.elsewhere`.
        if self._state.adding:
            from sijaga.enrollment.rules import lives_elsewhere

            self.lives_elsewhere = lives_elsewhere(self.worker.domicile_id, self.payer.region_id)
        super().save(*args, **kwargs)

    @property
    def programmes(self) -> list[str]:
        return [p for p in ("jkk", "jkm", "jht", "jp", "jkp") if getattr(self, p)]

    def clean(self) -> None:
        from sijaga.enrollment.rules import programme_errors

        errors = programme_errors(self.segment, self.programmes)
        if errors:
            raise ValidationError({"segment": errors})
        if not (0 < (self.wage or 0) <= MAX_WAGE):
            raise ValidationError({"wage": _("Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar.")})
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Tanggal berakhir sebelum tanggal mulai.")})


class ShareBearer(models.TextChoices):
    PAYER = "payer", _("Pembayar iuran")
    WORKER = "worker", _("Pekerja sendiri")


class MembershipTerms(ScopedModel):
    """What a membership pays on, through time: one row per period of unchanged terms, ``valid_to`` included,
    NULL while in force. Periods of one membership never overlap (an exclusion constraint on PostgreSQL, checked by
    `enrollment.terms` on SQLite). `Membership` keeps a copy of the terms in force today (the columns the lists,
    the card and the imports read); billing reads the terms of the month billed from here.

    Written only by `enrollment.terms` (services and the bulk import)."""

    scope_fields = ("membership__payer__region__code", "membership__worker__domicile__code")

    # no index of its own: `terms_membership_from` (membership, valid_from) serves every look-up by membership
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="terms", db_index=False)
    valid_from = models.DateField(_("berlaku mulai"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    segment = models.CharField(_("segmen"), max_length=8, choices=Segment.choices)
    jkk = models.BooleanField("JKK", default=True)
    jkm = models.BooleanField("JKM", default=True)
    jht = models.BooleanField("JHT", default=False)
    jp = models.BooleanField("JP", default=False)
    jkp = models.BooleanField("JKP", default=False)
    wage = models.PositiveBigIntegerField(_("upah/penghasilan per bulan (Rp)"))
    jkk_risk_class = models.PositiveSmallIntegerField(_("kelas risiko JKK"), default=1)
    labour_intensive = models.BooleanField(_("padat karya"), default=False)
    worker_share_paid_by = models.CharField(
        _("iuran bagian pekerja dibayar oleh"), max_length=8, choices=ShareBearer.choices, default=ShareBearer.PAYER
    )
    created_at = models.DateTimeField(_("dicatat"))

    class Meta:
        verbose_name = _("ketentuan kepesertaan")
        verbose_name_plural = _("ketentuan kepesertaan")
        ordering = ["membership_id", "valid_from"]
        constraints = [
            # Never two terms of one membership from the same day (the periods never overlap: the exclusion
            # constraint of migration 0008). Unique rather than a plain index so that `membership_id` is a key column:
            # a `FOR KEY SHARE` lock of a terms row (the bill run's set-based foreign-key check,
            # `enrollment.selectors.terms_in_force_sql`) then also blocks moving it to another membership.
            models.UniqueConstraint(fields=["membership", "valid_from"], name="terms_membership_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="terms_to_after_from"
            ),
            models.UniqueConstraint(
                fields=["membership"], condition=Q(valid_to__isnull=True), name="terms_one_open_per_membership"
            ),
            models.CheckConstraint(condition=Q(jkk=True, jkm=True), name="terms_jkk_jkm_always"),
            models.CheckConstraint(
                condition=Q(segment="pu")
                | Q(segment="bpu", jp=False, jkp=False)
                | Q(segment="jakon", jht=False, jp=False, jkp=False),
                name="terms_programmes_allowed_by_segment",
            ),
            models.CheckConstraint(condition=Q(wage__gt=0, wage__lte=MAX_WAGE), name="terms_wage_range"),
            models.CheckConstraint(
                condition=Q(jkk_risk_class__gte=1, jkk_risk_class__lte=5), name="terms_jkk_risk_class_range"
            ),
            models.CheckConstraint(
                condition=Q(worker_share_paid_by__in=ShareBearer.values), name="terms_share_bearer_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.valid_from} – {self.valid_to or '…'}"

    @property
    def programmes(self) -> list[str]:
        return [p for p in ("jkk", "jkm", "jht", "jp", "jkp") if getattr(self, p)]


class EventKind(models.TextChoices):
    CREATED = "created", _("Pendaftaran")
    STATUS = "status", _("Perubahan status")
    TERMS = "terms", _("Perubahan ketentuan")


class MembershipEvent(ScopedModel):
    """One row per state change (creation, status, terms): the history and audit trail. Never updated or deleted.

    Written only through `enrollment.events` (services) and the SQL in `enrollment.bulk` (imports)."""

    scope_fields = ("membership__payer__region__code", "membership__worker__domicile__code")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("waktu"))
    # no index: see Membership.created_by
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    from_status = models.CharField(_("dari"), max_length=12, choices=MembershipStatus.choices, blank=True)
    to_status = models.CharField(_("menjadi"), max_length=12, choices=MembershipStatus.choices)
    reason = models.CharField(_("alasan"), max_length=300)
    end_reason = models.CharField(max_length=12, choices=EndReason.choices, blank=True)
    kind = models.CharField(_("jenis"), max_length=8, choices=EventKind.choices, default=EventKind.STATUS)
    changes = models.JSONField(_("perubahan"), null=True, blank=True)  # terms: {field: [before, after]}

    class Meta:
        verbose_name = _("riwayat status kepesertaan")
        verbose_name_plural = _("riwayat status kepesertaan")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="membership_event_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind="terms") | Q(changes__isnull=False), name="membership_event_terms_have_changes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.from_status or '∅'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Membership history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Membership history is append-only.")
