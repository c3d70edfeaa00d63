"""Workers (tenaga kerja), identified by a validated NIK."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.scoping import ScopedModel
from sijaga.core.validators import no_control_characters

CharField.register_lookup(Length)

#: Membership statuses that make a payer's region responsible for (and able to see) a worker.
OPEN_MEMBERSHIP_STATUSES = ("registered", "active", "inactive")


class TargetCategory(models.TextChoices):
    NON_ASN = "non_asn", _("Pegawai non-ASN")
    PERANGKAT_DESA = "perangkat_desa", _("Perangkat desa")
    RT_RW = "rt_rw", _("Ketua RT/RW")
    PENYELENGGARA_PEMILU = "penyelenggara_pemilu", _("Penyelenggara pemilu")
    PEKERJA_RENTAN = "pekerja_rentan", _("Pekerja rentan")
    FORMAL_LAIN = "formal_lain", _("Pekerja formal lainnya")


class Gender(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Worker(ScopedModel):
    """A person, identified by NIK. Visible where they live, and to the regions that fund an open membership."""

    scope_fields = ("domicile__code",)

    # unique through Meta.constraints; on PostgreSQL the column is `COLLATE "C"` (migration 0010), so its one
    # B-tree serves `=`, the prefix search `LIKE 'digits%'` and the order of a search by NIK
    nik = models.CharField(_("NIK"), max_length=16)
    full_name = models.CharField(_("nama lengkap"), max_length=150, validators=[no_control_characters])
    #: `registry.names.name_key(full_name)`: spelling- and order-tolerant words, kept by `save()` and the bulk merge
    search_key = models.CharField(_("kunci pencarian nama"), max_length=200, blank=True, default="", editable=False)
    birth_date = models.DateField(_("tanggal lahir"))
    gender = models.CharField(_("jenis kelamin"), max_length=1, choices=Gender.choices)
    domicile = models.ForeignKey(
        "regions.Region",
        verbose_name=_("domisili (desa/kelurahan)"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 4},
        db_index=False,  # indexed through Meta.indexes (one index instead of two)
    )
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True, validators=[no_control_characters])
    occupation = models.CharField(_("pekerjaan"), max_length=100, blank=True, validators=[no_control_characters])
    category = models.CharField(_("kategori sasaran"), max_length=24, choices=TargetCategory.choices)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    # No index (issue 18): NULL on every CLI/bulk row and one user id per web import, so its index served only the
    # SET NULL when a user is deleted, a rare superuser action (users are deactivated) that now scans the table once.
    # Every imported row paid for it (performance review §4.3).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("tenaga kerja")
        verbose_name_plural = _("tenaga kerja")
        ordering = ["full_name", "id"]
        indexes = [
            # the list's order and its keyset pagination (`registry.selectors.WORKER_KEYSET`): the first page and
            # the page after 10,000 are index scans instead of a sort of every visible worker
            models.Index(fields=["full_name", "id"], name="worker_name_id_idx"),
            # Issue 18, lean indexes: on PostgreSQL a `varchar_pattern_ops` B-tree serves `=` as well as
            # `LIKE 'prefix%'`, so one index per column replaces Django's pair (the plain one and its `_like` twin);
            # each imported row paid for both (bench/README.md). On SQLite the operator class is ignored. The NIK
            # gets the same from its "C" collation (which also orders it); the name search uses the words GIN index
            # on `search_key` (migration 0009), never a B-tree on it.
            models.Index(fields=["domicile"], name="worker_domicile", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["nik"], name="worker_nik_unique"),
            models.CheckConstraint(condition=Q(nik__length=16), name="worker_nik_16_digits"),
            models.CheckConstraint(condition=Q(gender__in=["L", "P"]), name="worker_gender_valid"),
            models.CheckConstraint(condition=Q(category__in=TargetCategory.values), name="worker_category_valid"),
            models.CheckConstraint(
                condition=~Q(category="pekerja_rentan") | ~Q(occupation=""),
                name="worker_vulnerable_has_occupation",
            ),
            models.CheckConstraint(condition=~Q(full_name=""), name="worker_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_nik})"

    def save(self, *args, **kwargs):
        from sijaga.registry.names import name_key

        self.search_key = name_key(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)
        if self.search_key:
            NameWord.add(self.search_key.split())

    @classmethod
    def scope_q(cls, scope) -> Q:
        """Domicile in scope, or an open membership with a payer in scope (a city may employ its neighbours).

        An ended membership does not keep the person visible: a former employer has no business following their
        later address or phone (decision in docs/architecture.md, security review F27). Reverse relation names
        only, so the registry imports nothing from enrollment.

        Written as `domicile in scope OR EXISTS (an open membership of this worker with a payer in scope)`: a
        per-row test PostgreSQL evaluates while it walks the `(full_name, id)` index for a page or the NIK index for
        a look-up (the former `OR pk IN (…)` scanned every worker, 395 ms at 1M; an `id IN (… UNION …)` sorts the
        whole scope, 420 ms for a regency of 51,000). Counting uses `scope_branches` instead (issue 18).
        """
        living, funded = cls.scope_branches(scope)
        return living | funded

    @classmethod
    def scope_branches(cls, scope) -> tuple[Q, Q]:
        """(domicile in scope, an open membership with a payer in scope): the two halves of `scope_q`, for
        `registry.selectors.count_queryset`'s disjoint UNION ALL (each half an index scan, stopping at the cap)."""
        membership = cls._meta.get_field("memberships").related_model  # enrollment.Membership, not imported
        # Only memberships whose worker lives outside the payer's region (`Membership.lives_elsewhere`, partial
        # index `membership_open_elsewhere`): for the others the domicile half already holds, since the payer's
        # region lies in the scope. The condition only narrows the half, so a stale flag can hide, never show.
        # Without it PostgreSQL hashed every open membership of the scope's payers for each list page (1M rows,
        # 464 ms at 20M workers).
        funded = membership._default_manager.filter(
            Q(worker_id=OuterRef("pk"))
            & Q(lives_elsewhere=True, status__in=OPEN_MEMBERSHIP_STATUSES)
            & scope.q("payer__region__code")
        )
        return scope.q("domicile__code"), Q(Exists(funded))

    @property
    def masked_nik(self) -> str:
        from sijaga.registry.rules import mask_nik

        return mask_nik(self.nik)

    def clean(self) -> None:
        from sijaga.registry.rules import identity_errors

        errors = identity_errors(self.nik, self.birth_date, self.gender)
        if self.category == TargetCategory.PEKERJA_RENTAN and not self.occupation.strip():
            errors.setdefault("occupation", []).append(_("Pekerja rentan wajib mencantumkan pekerjaannya."))
        if self.domicile_id and self.domicile_id.count(".") != 3:
            errors.setdefault("domicile", []).append(_("Domisili harus desa/kelurahan."))
        if errors:
            raise ValidationError(errors)


class WorkerChange(ScopedModel):
    """One row per edit of a worker's data, with before/after values (written by `registry.events`, never updated)."""

    scope_fields = ("worker__domicile__code",)

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(_("waktu"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10)
    changes = models.JSONField(_("perubahan"))  # {field: [before, after]}
    reason = models.CharField(_("alasan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("riwayat perubahan data tenaga kerja")
        verbose_name_plural = _("riwayat perubahan data tenaga kerja")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.worker_id} {', '.join(self.changes)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Worker history is append-only.")
        super().save(*args, **kwargs)


class NameWord(models.Model):
    """Every word that occurs in some worker's `search_key`: the vocabulary a name search expands a typed prefix
    against, so PostgreSQL matches whole words in the words index instead of scanning it for the prefix (95–120 ms
    per common prefix at 20M workers against 6 ms, bench/README.md). Never personal data on its own (a word, not a
    person) and only added to: a word nobody has any more matches no one.

    Kept by `Worker.save()` and the bulk merge (`registry.bulk.write_workers`); `registry.vocabulary` reads it."""

    word = models.CharField(max_length=150, primary_key=True)

    class Meta:
        verbose_name = _("kata nama")
        verbose_name_plural = _("kata nama")

    def __str__(self) -> str:
        return self.word

    @classmethod
    def add(cls, words) -> None:
        cls.objects.bulk_create([cls(word=w) for w in set(words) if w], ignore_conflicts=True)
