"""How a worker is shown: one column list and one masking policy for the page, the API and the XLSX export.

Other apps add columns (enrollment adds the current membership) through `register_columns`, so the registry
never imports them. Masking is one rule per field (`WORKER_POLICY`); every channel reads values through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.masking import AUDITOR, FieldPolicy, FieldRule
from sijaga.accounts.models import Role
from sijaga.registry.models import Gender, TargetCategory
from sijaga.registry.rules import mask_nik

WORKER_POLICY = FieldPolicy(
    "worker",
    {
        # digits 7-12 of a NIK are the birth date: a masked NIK next to the birth date is no mask at all
        "nik": FieldRule(mask=AUDITOR, masker=mask_nik),
        "birth_date": FieldRule(hide=AUDITOR),
        "phone": FieldRule(hide=AUDITOR | {Role.BPJS_OFFICER}),
    },
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str | Promise
    value: Callable[[Any], Any]
    kind: str = "text"  # text | date | money | number
    policy: FieldPolicy = WORKER_POLICY
    width: int = 16

    def present(self, actor, obj) -> Any:
        return self.policy.present(actor, self.key, self.value(obj))

    def visible(self, actor) -> bool:
        return self.policy.visible(actor, self.key)


def choice_label(choices) -> Callable[[Any], str]:
    """value → its label in the active language, cached per language: `get_FOO_display()` hashes every lazy label
    of the field's choices (one gettext each) on every call, a quarter of a large export's time (issue 18)."""
    table = dict(choices)

    @lru_cache(maxsize=64)
    def label(value: Any, language: str | None) -> str:
        return str(table.get(value, value))

    return lambda value: label(value, get_language())


_gender_label = choice_label(Gender.choices)
_category_label = choice_label(TargetCategory.choices)

BASE_COLUMNS: tuple[Column, ...] = (
    Column("nik", _("NIK"), lambda w: w.nik, width=19),
    Column("full_name", _("Nama lengkap"), lambda w: w.full_name, width=30),
    Column("birth_date", _("Tanggal lahir"), lambda w: w.birth_date, kind="date"),
    Column("gender", _("Jenis kelamin"), lambda w: _gender_label(w.gender)),
    Column("domicile_code", _("Kode desa"), lambda w: w.domicile_id),
    Column("domicile", _("Desa/kelurahan"), lambda w: w.domicile.name, width=24),
    Column("regency", _("Kabupaten/kota"), lambda w: w.domicile.parent.parent.name, width=24),
    Column("category", _("Kategori"), lambda w: _category_label(w.category), width=22),
    Column("occupation", _("Pekerjaan"), lambda w: w.occupation, width=22),
    Column("phone", _("Nomor HP"), lambda w: w.phone),
)

_extra: list[tuple[tuple[Column, ...], Callable[[QuerySet, Any], QuerySet]]] = []


def register_columns(columns: Iterable[Column], annotate: Callable[[QuerySet, Any], QuerySet]) -> None:
    """Called from a higher app's `AppConfig.ready()`: extra columns and the annotation that feeds them."""
    entry = (tuple(columns), annotate)
    if all(e[0] != entry[0] for e in _extra):
        _extra.append(entry)


def columns(actor) -> list[Column]:
    """The columns this actor may see, in order (hidden fields are left out, not blanked)."""
    cols = list(BASE_COLUMNS) + [c for cols, _a in _extra for c in cols]
    return [c for c in cols if c.visible(actor)]


def annotate(qs: QuerySet, actor) -> QuerySet:
    for _cols, fn in _extra:
        qs = fn(qs, actor)
    return qs


def row(worker, actor, cols: list[Column] | None = None) -> dict[str, Any]:
    return {c.key: c.present(actor, worker) for c in (cols or columns(actor))}


def worker_fields(worker, actor) -> dict[str, Any]:
    """The worker's own fields as this actor may see them (API detail, profile page)."""
    return {
        "id": worker.pk,
        "nik": WORKER_POLICY.present(actor, "nik", worker.nik),
        "full_name": worker.full_name,
        "birth_date": WORKER_POLICY.present(actor, "birth_date", worker.birth_date),
        "gender": worker.gender,
        "domicile_code": worker.domicile_id,
        "phone": WORKER_POLICY.present(actor, "phone", worker.phone),
        "occupation": worker.occupation,
        "category": worker.category,
    }


def present_changes(change, actor) -> dict[str, tuple[Any, Any]]:
    """A history row's before/after values, masked by the same policy as the worker itself."""
    return {
        f: (WORKER_POLICY.present(actor, f, before), WORKER_POLICY.present(actor, f, after))
        for f, (before, after) in change.changes.items()
        if WORKER_POLICY.visible(actor, f)
    }
