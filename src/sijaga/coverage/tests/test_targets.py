"""Targets: the import kind rejects bad rows one by one with reasons; the resolution rule; the page's service."""

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from sijaga.accounts.actor import Actor
from sijaga.coverage import services
from sijaga.coverage.importing import TargetKind, code_of_key, region_key
from sijaga.coverage.models import Target, TargetRollup
from sijaga.imports.kinds import ROW, Context
from sijaga.imports.kinds import Target as ImportTarget


def frame(rows):
    keys = ["region_code", "year", "category", "count", "source", "payer_code"]
    return pl.DataFrame({ROW: list(range(2, 2 + len(rows))), **{k: [r[i] for r in rows] for i, k in enumerate(keys)}})


@pytest.mark.django_db
def test_target_file_rejects_unknown_codes_and_negative_counts_row_by_row():
    kind = TargetKind()
    ctx = Context(actor=Actor.system(), target=ImportTarget(6471, "64.71", "64.71", "64.71"), today=dt.date(2026, 6, 1))
    checked = kind.validate(
        frame(
            [
                ["64.71", "2026", "angkatan_kerja", "420.000", "BPS Sakernas 2025", None],
                ["64.71.05", "2026", "Perangkat desa", "120", "Pemkot", None],
                ["64.99", "2026", "angkatan_kerja", "5", "BPS", None],  # unknown code
                ["64.72", "2026", "angkatan_kerja", "5", "BPS", None],  # outside the region uploaded for
                ["64.71.05", "2026", "rt_rw", "-3", "BPS", None],  # negative
                ["64.71.05", "2026", "astronot", "3", "BPS", None],  # unknown category
                ["64.71.05", "2026", "rt_rw", "3", None, None],  # no source
            ]
        ),
        ctx,
    )
    assert checked.valid.height == 2
    reasons: dict[int, str] = {}
    for row, reason in zip(checked.rejections.get_column(ROW), checked.rejections.get_column("reason"), strict=True):
        reasons[row] = reasons.get(row, "") + " " + reason
    assert "Kemendagri" in reasons[4] and "di luar" in reasons[5] and "negatif" in reasons[6]
    assert "Kategori" in reasons[7] and "Sumber" in reasons[8]
    result = kind.merge(checked.valid, ctx)
    assert (result.created, result.updated) == (2, 0)
    assert Target.objects.get(region_code="64.71", category="angkatan_kerja").count == 420_000
    again = kind.merge(checked.valid, ctx)
    assert (again.created, again.updated) == (0, 2)
    assert TargetRollup.objects.get(code="64", year=2026, category="angkatan_kerja").count == 420_000


def test_region_keys_round_trip():
    for code in ("64", "64.71", "64.71.05", "64.71.05.1002"):
        assert code_of_key(region_key(code)) == code
    assert code_of_key(123) is None


def test_an_entry_at_a_region_wins_over_the_sum_of_its_parts():
    resolved = services.resolve_targets([
        ("64.71", "angkatan_kerja", 400, False), ("64.72", "angkatan_kerja", 500, True),
        ("64", "angkatan_kerja", 1_800, False), ("64.71.05.1002", "rt_rw", 30, False),
        ("64.71.05.1006", "rt_rw", 20, False),
    ])  # fmt: skip
    assert resolved[("64", "angkatan_kerja")] == (1_800, False)
    assert resolved[("", "angkatan_kerja")] == (1_800, False)
    assert resolved[("64.71.05", "rt_rw")] == (50, False) and resolved[("", "rt_rw")] == (50, False)
    assert resolved[("64.72", "angkatan_kerja")] == (500, True)


def test_target_service_checks_scope_and_region(world):
    admin = Actor.of(world.users["province_admin"])
    with pytest.raises(PermissionDenied):
        services.set_target(admin, services.TargetInput("65.01", 2026, "angkatan_kerja", 10, "BPS"))
    with pytest.raises(PermissionDenied):
        services.set_target(Actor.of(world.users["auditor"]),
                            services.TargetInput("64.71", 2026, "angkatan_kerja", 10, "BPS"))  # fmt: skip
    target = services.set_target(admin, services.TargetInput("64.71", 2026, "angkatan_kerja", 10, "BPS"))
    assert target.count == 10 and TargetRollup.objects.get(code="64", year=2026).count == 10


def test_a_code_that_left_the_official_list_keeps_its_history(world):
    from sijaga.coverage import refresh, selectors
    from sijaga.regions.models import Region

    refresh.rebuild()
    village = world.sites["A"].village
    Region.objects.filter(code=village).update(is_current=False)
    rows = selectors.coverage_rows(Actor.system(), measure="domicile", level=4, parent=village[:8])
    row = next(r for r in rows if r.code == village)
    assert row.registered == 1 and not row.is_current
