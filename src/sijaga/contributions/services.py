"""Commands on the rates: loading the data files (idempotent) and the national coordinator's corrections.

History is never rewritten: a changed data file or a correction creates a new version of the schedule with new rows
(the old rows stay, so bills that used them keep pointing at them), and writes a `RateEvent` saying who, why and
what changed. A correction stays current until its data file changes; then the file's new version replaces it and
`load_rates` reports the correction as superseded (fold corrections into the data files: docs/contributions.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import Role
from sijaga.contributions import events, selectors
from sijaga.contributions.models import Origin, Rate, RateSchedule
from sijaga.contributions.rates import (
    DATA_DIR,
    KINDS,
    RateDataError,
    RateRow,
    RateTable,
    ScheduleData,
    percent_to_bp,
    read_files,
    row_errors,
)
from sijaga.core.periods import Month


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    retired: int
    rows: int  # rows in force after the load (every current version)
    superseded_corrections: tuple[str, ...]
    seconds: float


def _require_coordinator(actor: Actor, message: str) -> None:
    if actor.role != Role.COORDINATOR or actor.user is None:
        raise PermissionDenied(message)


def load_rates(actor: Actor | None = None, *, directory: Path = DATA_DIR) -> LoadResult:
    """Load `data/rates/*.toml`. Unchanged files change nothing; a changed file becomes a new version; a removed
    file's schedule stops being current. All or nothing: a file or table problem raises `RateDataError`."""
    actor = actor or Actor.system("cli")
    if not actor.is_system:
        _require_coordinator(actor, _("Hanya koordinator nasional yang dapat memuat tarif."))
    started = time.perf_counter()
    files = read_files(directory)
    RateTable(row for schedule in files for row in schedule.rows)  # the files agree among themselves
    created = updated = unchanged = retired = 0
    superseded: list[str] = []
    with transaction.atomic():
        current = {s.code: s for s in RateSchedule.objects.select_for_update().filter(is_current=True)}
        for data in files:
            digest = data.digest()
            before = current.get(data.code)
            if before is not None and before.file_digest == digest:
                unchanged += 1
                continue
            schedule = _new_version(data.code, data, actor=actor, origin=Origin.FILE, file_digest=digest, reason="")
            if before is None:
                created += 1
                events.schedule_loaded(schedule, actor=actor)
            else:
                updated += 1
                old_rows = {r.key: r.as_row() for r in before.rates.all()}
                changes = row_changes(old_rows, {r.key: r for r in data.rows})
                events.schedule_updated(schedule, actor=actor, changes=changes, superseded=before)
                if before.origin == Origin.CORRECTION:
                    superseded.append(f"{before.code} v{before.version}")
        codes = {data.code for data in files}
        for code, schedule in sorted(current.items()):
            if code not in codes:
                _retire(schedule)
                events.schedule_retired(schedule, actor=actor)
                retired += 1
        rows = len(selectors.current_table())  # raises RateDataError (and rolls back) if corrections now collide
    return LoadResult(created, updated, unchanged, retired, rows, tuple(superseded), time.perf_counter() - started)


def _retire(schedule: RateSchedule) -> None:
    schedule.is_current = False
    schedule.save(update_fields=["is_current"])


def _new_version(
    code: str, data: ScheduleData, *, actor: Actor, origin: str, file_digest: str, reason: str
) -> RateSchedule:
    """Make ``data`` the current version of ``code`` (the previous current one, if any, is kept, not current)."""
    RateSchedule.objects.filter(code=code, is_current=True).update(is_current=False)
    version = (RateSchedule.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1
    schedule = RateSchedule.objects.create(
        code=code, version=version, regulation=data.regulation, title=data.title, source=data.source, origin=origin,
        digest=data.digest(), file_digest=file_digest, is_current=True, reason=reason[:300],
        created_at=timezone.now(), created_by=actor.user,
    )  # fmt: skip
    Rate.objects.bulk_create([Rate.from_row(row, schedule) for row in data.rows])
    return schedule


def row_changes(before: Mapping[str, RateRow], after: Mapping[str, RateRow]) -> dict[str, Any]:
    """``{key: {field: [before, after]}}``; added and removed rows as ``{key: {"added"|"removed": content}}``."""
    changes: dict[str, Any] = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None:
            changes[key] = {"added": new.content()}  # type: ignore[union-attr]
        elif new is None:
            changes[key] = {"removed": old.content()}
        else:
            a, b = old.content(), new.content()
            diff = {name: [a[name], b[name]] for name in b if a[name] != b[name]}
            if diff:
                changes[key] = diff
    return changes


# --- the coordinator's corrections ------------------------------------------------------------------------------------

#: What a correction may change. The identity of a row (kind, segment, programme, party, class) stays: to change it,
#: add a row and end the old one.
EDITABLE = ("rate", "amount", "lower", "upper", "valid_from", "valid_to", "regulation", "article", "source",
            "verified")  # fmt: skip


def _coerce(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Form/API values → RateRow fields (``rate`` "0.24%" → ``bp`` 24; months from text)."""
    unknown = sorted(set(changes) - set(EDITABLE) - {"key", "segment", "programme", "party", "risk_class",
                                                     "capped", "condition", "from_programme"})  # fmt: skip
    if unknown:
        raise ValidationError(_("Kolom ini tidak dapat diubah: %(f)s.") % {"f": ", ".join(unknown)})
    out: dict[str, Any] = {}
    try:
        for name, value in changes.items():
            if name == "rate":
                out["bp"] = percent_to_bp(str(value))
            elif name in ("valid_from", "valid_to"):
                if value in (None, ""):
                    out[name] = None
                else:
                    out[name] = value if isinstance(value, Month) else Month.parse(str(value))
            elif name in ("amount", "lower", "upper", "risk_class"):
                out[name] = None if value in (None, "") else int(value)
            elif name in ("verified", "capped"):
                out[name] = bool(value)
            else:
                out[name] = "" if value is None else str(value).strip()
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc)) from None
    return out


def _commit_correction(
    actor: Actor, schedule: RateSchedule, rows: Iterable[RateRow], *, reason: str, changes: dict
) -> RateSchedule:
    data = ScheduleData(schedule.code, schedule.regulation, schedule.title, schedule.source, tuple(rows))
    new = _new_version(schedule.code, data, actor=actor, origin=Origin.CORRECTION,
                       file_digest=schedule.file_digest, reason=reason)  # fmt: skip
    events.rate_corrected(new, actor=actor, reason=reason, changes=changes)
    try:
        selectors.current_table()
    except RateDataError as exc:
        raise ValidationError(exc.problems) from None
    return new


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Koreksi tarif wajib disertai alasan.")})
    return reason


def correct_rate(actor: Actor, rate: Rate | int, changes: Mapping[str, Any], *, reason: str) -> Rate:
    """Change figures or citations of one current rate row; returns the row of the new version.

    National coordinators only. Writes a new schedule version (the old rows stay) and a `RateEvent` with the reason
    and the before/after values."""
    _require_coordinator(actor, _("Hanya koordinator nasional yang dapat mengoreksi tarif."))
    reason = _check_reason(reason)
    values = _coerce(changes)
    if set(values) - set(EDITABLE) - {"bp"}:
        raise ValidationError(_("Identitas baris tarif tidak dapat diubah; tambahkan baris baru."))
    with transaction.atomic():
        rate = selectors.get_current_rate(rate.pk if isinstance(rate, Rate) else rate)
        schedule = RateSchedule.objects.select_for_update().get(pk=rate.schedule_id)
        rows = {r.key: r.as_row() for r in schedule.rates.all()}
        old = rows[rate.key]
        new = replace(old, **values, id=0)
        errors = row_errors(new)
        if errors:
            raise ValidationError(errors)
        if new.content() == old.content():
            raise ValidationError(_("Tidak ada yang berubah."))
        rows[rate.key] = new
        changes_log = row_changes({rate.key: old}, {rate.key: new})
        new_schedule = _commit_correction(actor, schedule, rows.values(), reason=reason, changes=changes_log)
        return new_schedule.rates.get(key=rate.key)


def add_rate(actor: Actor, schedule_code: str, kind: str, fields: Mapping[str, Any], *, reason: str) -> Rate:
    """Add a row to a current schedule (say the JP wage cap of a new year). National coordinators only; evented."""
    _require_coordinator(actor, _("Hanya koordinator nasional yang dapat mengoreksi tarif."))
    reason = _check_reason(reason)
    if kind not in KINDS:
        raise ValidationError(_("Jenis baris tarif tidak dikenal."))
    values = _coerce(fields)
    with transaction.atomic():
        try:
            schedule = RateSchedule.objects.select_for_update().get(code=schedule_code, is_current=True)
        except RateSchedule.DoesNotExist:
            raise selectors.RateNotFound(schedule_code) from None
        rows = {r.key: r.as_row() for r in schedule.rates.all()}
        key = str(values.pop("key", ""))
        if key in rows:
            raise ValidationError({"key": _("Kunci ini sudah dipakai di jadwal tarif ini.")})
        try:
            row = RateRow(schedule=schedule.code, key=key, kind=kind, regulation=schedule.regulation,
                          **{"segment": "", "programme": "", **values})  # fmt: skip
        except TypeError as exc:
            raise ValidationError(str(exc)) from None
        errors = row_errors(row)
        if errors:
            raise ValidationError(errors)
        rows[key] = row
        new_schedule = _commit_correction(actor, schedule, rows.values(), reason=reason,
                                          changes=row_changes({}, {key: row}))  # fmt: skip
        return new_schedule.rates.get(key=key)
