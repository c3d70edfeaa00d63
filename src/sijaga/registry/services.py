"""Worker registry rules: NIK checks, identity consistency, scoped lookups, create/update with audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sijaga.accounts.models import User
from sijaga.accounts.services import Scope, log_access, scope_for
from sijaga.registry.models import Category, Worker
from sijaga.registry.nik import NikResult, parse_nik

WORKER_FIELDS = ("nik", "full_name", "birth_date", "gender", "domicile_id", "phone", "occupation", "category")


class WorkerNotFound(Exception):
    """Raised for a worker that does not exist *or* is outside the user's scope (indistinguishable on purpose)."""


class DuplicateNik(ValidationError):
    def __init__(self, existing: Worker | None):
        self.existing = existing
        super().__init__({"nik": [_("NIK ini sudah terdaftar.")]}, code="duplicate_nik")


def mask_nik(nik: str) -> str:
    """Keep the issuing district (6 digits) and the serial (4), hide the birth date (UU PDP data minimisation)."""
    return f"{nik[:6]}******{nik[-4:]}" if len(nik) == 16 else "*" * len(nik)


def check_nik(raw: str) -> NikResult:
    return parse_nik(raw)


def identity_errors(nik: str, birth_date: dt.date | None, gender: str | None) -> dict[str, list[str]]:
    """NIK validity and its agreement with the declared birth date and gender, per form field."""
    errors: dict[str, list[str]] = {}
    result = parse_nik(nik or "")
    if not result.valid:
        errors["nik"] = [str(e.message) for e in result.errors]
        return errors
    if birth_date and result.birth_date and birth_date != result.birth_date:
        errors.setdefault("birth_date", []).append(
            _("Tanggal lahir %(declared)s tidak sama dengan tanggal lahir di NIK (%(nik)s).")
            % {"declared": birth_date.strftime("%d-%m-%Y"), "nik": result.birth_date.strftime("%d-%m-%Y")}
        )
    if gender and result.gender and gender != result.gender:
        errors.setdefault("gender", []).append(
            _("Jenis kelamin tidak sesuai NIK (NIK menunjukkan %(g)s).")
            % {"g": _("perempuan") if result.gender == "P" else _("laki-laki")}
        )
    return errors


def visible_workers(user: User | Scope | None) -> QuerySet[Worker]:
    """Workers the user may see: domicile in scope, or enrolled by a payer in scope."""
    scope = user if isinstance(user, Scope) else scope_for(user)
    qs = Worker.objects.select_related("domicile__parent__parent__parent")
    if scope.national:
        return qs
    from sijaga.enrollment.services import worker_ids_enrolled_in_scope

    return qs.filter(scope.q("domicile__code") | Q(pk__in=worker_ids_enrolled_in_scope(scope)))


def search_workers(
    user: User,
    *,
    q: str = "",
    region: str = "",
    category: str = "",
    status: str = "",
) -> QuerySet[Worker]:
    """Scoped list with filters; `q` is a NIK (full or prefix) or words of the name."""
    qs = visible_workers(user)
    q = q.strip()
    if q:
        digits = q.replace(" ", "")
        if digits.isdigit():
            qs = qs.filter(nik__startswith=digits)
        else:
            for word in q.split():
                qs = qs.filter(full_name__icontains=word)
    if region:
        qs = qs.filter(Q(domicile__code=region) | Q(domicile__code__startswith=region + "."))
    if category:
        qs = qs.filter(category=category)
    if status:
        from sijaga.enrollment.services import worker_ids_with_status

        qs = qs.filter(pk__in=worker_ids_with_status(status))
    return qs.order_by("full_name", "id")


def get_worker(user: User, pk: int, *, audit: bool = True, channel: str = "web", ip: str | None = None) -> Worker:
    try:
        worker = visible_workers(user).get(pk=pk)
    except (Worker.DoesNotExist, ValueError, TypeError) as exc:
        raise WorkerNotFound(pk) from exc
    if audit:
        log_access(user, "view", "worker", worker.pk, channel=channel, ip=ip)
    return worker


def find_by_nik(user: User, nik: str) -> tuple[Worker | None, bool]:
    """(worker, visible): the worker holding this NIK if any, and whether the user may open it."""
    worker = Worker.objects.filter(nik=nik.strip()).first()
    if worker is None:
        return None, False
    return worker, visible_workers(user).filter(pk=worker.pk).exists()


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: data[k] for k in WORKER_FIELDS if k in data}
    if "domicile" in data and "domicile_id" not in clean:
        d = data["domicile"]
        clean["domicile_id"] = getattr(d, "code", d)
    for key in ("nik", "full_name", "phone", "occupation"):
        if isinstance(clean.get(key), str):
            clean[key] = " ".join(clean[key].split()) if key == "full_name" else clean[key].strip()
    return clean


def create_worker(
    user: User, data: dict[str, Any], *, channel: str = "web", domicile_checked_by_caller: bool = False
) -> Worker:
    """Create a worker; a duplicate NIK raises `DuplicateNik`.

    The domicile must be in the user's scope, unless the caller enrols the worker with a payer in scope in the
    same transaction (`domicile_checked_by_caller`): a city may employ people who live next door.
    """
    scope = scope_for(user)
    if not scope.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mendaftarkan tenaga kerja."))
    clean = _clean_data(data)
    if not domicile_checked_by_caller and not scope.covers(clean.get("domicile_id")):
        raise PermissionDenied(_("Domisili berada di luar wilayah tugas Anda."))
    worker = Worker(created_by=user, **clean)
    worker.full_clean(validate_unique=False, validate_constraints=False)
    existing, _visible = find_by_nik(user, worker.nik)
    if existing is not None:
        raise DuplicateNik(existing)
    try:
        with transaction.atomic():
            worker.save()
    except IntegrityError as exc:  # a concurrent request created the same NIK
        raise DuplicateNik(Worker.objects.filter(nik=worker.nik).first()) from exc
    log_access(user, "create", "worker", worker.pk, channel=channel)
    return worker


def update_worker(user: User, worker: Worker, data: dict[str, Any], *, channel: str = "web") -> Worker:
    scope = scope_for(user)
    if not scope.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah data tenaga kerja."))
    clean = _clean_data(data)
    clean.pop("nik", None)  # the NIK identifies the person; a wrong NIK is a new registration, not an edit
    for key, value in clean.items():
        setattr(worker, key, value)
    worker.full_clean(validate_unique=False, validate_constraints=False)
    worker.save()
    log_access(user, "update", "worker", worker.pk, channel=channel)
    return worker


def category_choices() -> list[tuple[str, str]]:
    return list(Category.choices)
