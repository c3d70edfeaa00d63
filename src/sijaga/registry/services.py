"""Worker commands. Each takes the acting `Actor`, checks role and scope, writes history and audits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.scoping import ensure_visible
from sijaga.accounts.services import audit
from sijaga.registry import events
from sijaga.registry.models import Worker
from sijaga.registry.selectors import WorkerNotFound, editable_workers
from sijaga.registry.signals import workers_changed

WORKER_FIELDS = ("nik", "full_name", "birth_date", "gender", "domicile_id", "phone", "occupation", "category")


class DuplicateNik(ValidationError):
    def __init__(self, existing: Worker | None):
        self.existing = existing
        super().__init__({"nik": [_("NIK ini sudah terdaftar.")]}, code="duplicate_nik")


def clean_worker_data(data: dict[str, Any]) -> dict[str, Any]:
    """Shape input from any channel: `domicile`/`domicile_code`/`domicile_id` → `domicile_id`, trimmed text."""
    clean = {k: data[k] for k in WORKER_FIELDS if k in data}
    for alias in ("domicile_code", "domicile"):
        if alias in data and "domicile_id" not in clean:
            d = data[alias]
            clean["domicile_id"] = getattr(d, "code", d)
    for key in ("nik", "full_name", "phone", "occupation"):
        if isinstance(clean.get(key), str):
            clean[key] = " ".join(clean[key].split()) if key == "full_name" else clean[key].strip()
    if clean.get("phone"):
        clean["phone"] = _clean_phone(clean["phone"])
    return clean


def _clean_phone(raw: str) -> str:
    from sijaga.registry.phone import normalise_phone

    try:
        return normalise_phone(raw)
    except ValueError as exc:
        raise ValidationError({"phone": [str(exc)]}) from exc


def create_worker(actor: Actor, data: dict[str, Any], *, domicile_checked_by_caller: bool = False) -> Worker:
    """Create a worker; a duplicate NIK raises `DuplicateNik`.

    The domicile must be in the actor's scope, unless the caller enrols the worker with a payer in scope in the
    same transaction (`domicile_checked_by_caller`): a city may employ people who live next door.
    """
    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mendaftarkan tenaga kerja."))
    clean = clean_worker_data(data)
    if not domicile_checked_by_caller and not actor.covers(clean.get("domicile_id")):
        raise PermissionDenied(_("Domisili berada di luar wilayah tugas Anda."))
    worker = Worker(created_by=actor.user, **clean)
    worker.full_clean(validate_unique=False, validate_constraints=False)
    if Worker.objects.filter(nik=worker.nik).exists():
        raise DuplicateNik(Worker.objects.filter(nik=worker.nik).first())
    try:
        with transaction.atomic():
            worker.save()
    except IntegrityError as exc:  # a concurrent request created the same NIK
        raise DuplicateNik(Worker.objects.filter(nik=worker.nik).first()) from exc
    audit(actor, "create", "worker", worker.pk)
    return worker


def update_worker(actor: Actor, worker: Worker, data: dict[str, Any], *, reason: str = "") -> Worker:
    """Change a worker's data; the NIK never changes (a wrong NIK is a new registration, not an edit).

    Scope is checked here, not in the endpoints: the worker must be editable by the actor, and a new domicile
    must be in the actor's scope. One history row records every changed field with its before/after value.
    """
    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah data tenaga kerja."))
    clean = clean_worker_data(data)
    clean.pop("nik", None)
    with transaction.atomic():
        try:
            current = editable_workers(actor).select_for_update().get(pk=worker.pk)
        except Worker.DoesNotExist as exc:
            if Worker.objects.visible_to(actor).filter(pk=worker.pk).exists():
                raise PermissionDenied(
                    _("Tenaga kerja ini juga dibiayai wilayah lain; perubahan data dilakukan oleh wilayah domisilinya.")
                ) from exc
            raise WorkerNotFound(worker.pk) from exc
        moved = "domicile_id" in clean and clean["domicile_id"] != current.domicile_id
        if moved and not actor.covers(clean["domicile_id"]):
            raise PermissionDenied(_("Domisili berada di luar wilayah tugas Anda."))
        before = {k: getattr(current, k) for k in events.TRACKED}
        for key, value in clean.items():
            setattr(current, key, value)
        current.full_clean(validate_unique=False, validate_constraints=False)
        changes = events.diff(before, {k: getattr(current, k) for k in events.TRACKED})
        if changes:
            current.save()
            events.worker_changed(current, actor=actor, changes=changes, reason=reason)
            if {"domicile_id", "category"} & set(changes):
                moved = {current.pk: before["domicile_id"]} if "domicile_id" in changes else {}
                workers_changed.send(sender=Worker, worker_ids=[current.pk], previous_domiciles=moved)
            ensure_visible(actor, current, _("Perubahan ini memindahkan tenaga kerja ke luar wilayah tugas Anda."))
    audit(actor, "update", "worker", current.pk)
    return current
