"""Commands of the coverage app: the first argument is the acting Actor.

Targets (denominators) are entered one by one on a page (`set_target`) or imported as a file (`importing.TargetKind`,
which writes through `write_targets`). Both rebuild `TargetRollup` for the years they touched. The summary tables
are kept by `refresh` (signals from the lower apps, on commit) and rebuilt by `rebuild_all`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.services import audit
from sijaga.core.periods import Month
from sijaga.coverage import refresh
from sijaga.coverage.models import CODE_LENGTHS, Target, TargetRollup, level_of

WRITE_ROLES = ("coordinator", "province_admin", "regency_operator")


@dataclass(frozen=True)
class TargetInput:
    region_code: str
    year: int
    category: str
    count: int
    source: str
    payer_id: int | None = None
    is_demo: bool = False


def can_edit_targets(actor: Actor, region_code: str | None = None) -> bool:
    actor = as_actor(actor)
    if actor.is_system:
        return True
    if actor.role not in WRITE_ROLES or not actor.can_write:
        return False
    return region_code is None or actor.covers(region_code)


def _check(actor: Actor, item: TargetInput) -> None:
    from sijaga.regions.models import Region

    if not can_edit_targets(actor, item.region_code):
        raise PermissionDenied(_("Wilayah ini di luar wilayah tugas Anda."))
    if not Region.objects.filter(pk=item.region_code).exists():
        raise ValidationError({"region_code": [_("Kode wilayah tidak dikenal.")]})
    if item.payer_id is not None:
        from sijaga.enrollment.models import Payer

        payer = Payer.objects.filter(pk=item.payer_id).values_list("region_id", flat=True).first()
        if payer != item.region_code:
            raise ValidationError({"payer_id": [_("Pembayar tidak berada di wilayah ini.")]})


def set_target(actor: Actor, item: TargetInput) -> Target:
    """Create or replace one target (region, year, category[, payer])."""
    actor = as_actor(actor)
    _check(actor, item)
    with transaction.atomic():
        written = write_targets(actor, [item])
    audit(actor, "update", "coverage_target", written[0].pk)
    return written[0]


def write_targets(actor: Actor, items: Iterable[TargetInput], *, counts: bool = False):
    """Upsert targets (already checked by the caller: the page's `set_target` or the import's vectorised
    validation) in bulk and rebuild the target rollup for the years touched. Returns the targets, or
    (created, updated) with `counts`."""
    actor = as_actor(actor)
    items = list(items)
    years = sorted({i.year for i in items})
    codes = sorted({i.region_code for i in items})
    existing: dict[tuple, Target] = {}
    for n in range(0, len(codes), 500):
        for t in Target.objects.filter(year__in=years, region_code__in=codes[n : n + 500]):
            existing[(t.region_code, t.year, t.category, t.payer_id)] = t
    new, changed = [], []
    for item in items:
        key = (item.region_code, item.year, item.category, item.payer_id)
        target = existing.get(key)
        if target is None:
            target = Target(region_code=item.region_code, year=item.year, category=item.category,
                            payer_id=item.payer_id)  # fmt: skip
            new.append(target)
        else:
            changed.append(target)
        target.count, target.source, target.is_demo = item.count, item.source.strip(), item.is_demo
        target.updated_by_id, target.updated_at = actor.user_id, timezone.now()
        target.clean()
        existing[key] = target
    with transaction.atomic():
        Target.objects.bulk_create(new, batch_size=2000)
        Target.objects.bulk_update(changed, ["count", "source", "is_demo", "updated_by_id", "updated_at"],
                                   batch_size=2000)  # fmt: skip
        for year in years:
            rebuild_target_rollup(year)
    if counts:
        return len(new), len(changed)
    return [existing[(i.region_code, i.year, i.category, i.payer_id)] for i in items]


def delete_target(actor: Actor, target: Target) -> None:
    actor = as_actor(actor)
    if not can_edit_targets(actor, target.region_code):
        raise PermissionDenied(_("Wilayah ini di luar wilayah tugas Anda."))
    year = target.year
    with transaction.atomic():
        target.delete()
        rebuild_target_rollup(year)
    audit(actor, "delete", "coverage_target", target.pk)


def _parent(code: str) -> str:
    level = level_of(code)
    return "" if level <= 1 else code[: CODE_LENGTHS[level - 1]]


def resolve_targets(entries: Iterable[tuple[str, str, int, bool]]) -> dict[tuple[str, str], tuple[int, bool]]:
    """(code, category) → (count, demo?) at every level: an entry at a region wins over the sum of its parts.

    `entries`: (region code, category, count, is_demo); per-payer non-ASN entries are summed into their region
    first. Pure (no database), so the rule is tested on its own."""
    exact: dict[tuple[str, str], list] = {}
    for code, category, count, demo in entries:
        slot = exact.setdefault((code, category), [0, False])
        slot[0] += count
        slot[1] = slot[1] or demo
    resolved: dict[tuple[str, str], tuple[int, bool]] = {k: (v[0], v[1]) for k, v in exact.items()}
    # bottom-up: village → district → regency → province → nation
    for level in (4, 3, 2, 1):
        sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, False])
        for (code, category), (count, demo) in resolved.items():
            if level_of(code) == level:
                slot = sums[(_parent(code), category)]
                slot[0] += count
                slot[1] = slot[1] or demo
        for key, (count, demo) in sums.items():
            if key not in exact:
                resolved[key] = (count, demo)
    return resolved


def rebuild_target_rollup(year: int) -> int:
    rows = Target.objects.filter(year=year).values_list("region_code", "category", "count", "is_demo")
    resolved = resolve_targets(rows)
    with transaction.atomic():
        TargetRollup.objects.filter(year=year).delete()
        TargetRollup.objects.bulk_create(
            [
                TargetRollup(
                    level=level_of(code),
                    code=code,
                    parent=_parent(code),
                    year=year,
                    category=category,
                    count=count,
                    is_demo=demo,
                )
                for (code, category), (count, demo) in resolved.items()
            ],
            batch_size=5000,
        )
    return len(resolved)


def refresh_payers(actor: Actor, payer_ids: Iterable[int]) -> int:
    """Incremental refresh of the summary tables for these payers (system or coordinator)."""
    actor = as_actor(actor)
    if not (actor.is_system or actor.role == "coordinator"):
        raise PermissionDenied(_("Hanya koordinator yang dapat menghitung ulang rekap cakupan."))
    return refresh.refresh_payers(payer_ids)


def rebuild_all(actor: Actor) -> int:
    actor = as_actor(actor)
    if not (actor.is_system or actor.role == "coordinator"):
        raise PermissionDenied(_("Hanya koordinator yang dapat menghitung ulang rekap cakupan."))
    return refresh.rebuild()


def take_snapshot(actor: Actor, month: Month) -> int:
    actor = as_actor(actor)
    if not (actor.is_system or actor.role == "coordinator"):
        raise PermissionDenied(_("Hanya koordinator yang dapat membekukan potret bulanan."))
    return refresh.take_snapshot(month)


def ensure_snapshot(actor: Actor, *, replace: bool = False) -> tuple[Month, bool]:
    """Last month's snapshot, taken if missing (or retaken with `replace`): (month, whether it was taken now)."""
    actor = as_actor(actor)
    if not (actor.is_system or actor.role == "coordinator"):
        raise PermissionDenied(_("Hanya koordinator yang dapat membekukan potret bulanan."))
    month = Month.of(timezone.localdate()).prev()
    with transaction.atomic():
        refresh.lock()
        if replace:
            refresh.take_snapshot(month)
            taken = True
        else:
            taken = refresh.ensure_snapshot()
    return month, taken
