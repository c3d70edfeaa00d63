"""Every figure the selectors give equals an independent COUNT over memberships: both measures, every level."""

import datetime as dt
from dataclasses import replace

import pytest
from django.db.models import Q

from sijaga.accounts.actor import Actor
from sijaga.coverage import refresh, selectors
from sijaga.coverage.models import CoverageCell, CoverageRollup
from sijaga.enrollment.models import Membership

OPEN = ("registered", "active", "inactive")
FIELD = {"payer": "payer__region__code", "domicile": "worker__domicile__code"}


def independent(measure: str, code: str, **extra) -> dict[str, int]:
    field = FIELD[measure]
    qs = Membership.objects.all()
    if code:
        qs = qs.filter(Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."}))
    qs = qs.filter(**extra)
    return {
        "registered": qs.filter(status__in=OPEN).count(),
        "active": qs.filter(status="active").count(),
        "arrears": qs.filter(status="inactive").count(),
    }


def codes_at(level: int, measure: str) -> set[str]:
    field = FIELD[measure]
    length = {1: 2, 2: 5, 3: 8, 4: 13}[level]
    return {c[:length] for c in Membership.objects.values_list(field, flat=True) if len(c) >= length}


def snapshot(measure: str):
    return sorted(
        CoverageRollup.objects.filter(measure=measure).values_list(
            "level", "code", "parent", "category", "segment", "registered", "active", "arrears", "jht", "jp", "jkp"
        )
    )


@pytest.mark.parametrize("measure", ["payer", "domicile"])
def test_every_level_equals_an_independent_count(coverage_world, measure):
    refresh.rebuild()
    system = Actor.system()
    nation = selectors.national_total(system, measure=measure)
    assert (nation.registered, nation.active, nation.arrears) == tuple(independent(measure, "").values())
    assert nation.registered > 0 and nation.active > 0 and nation.arrears > 0
    for level in (1, 2, 3, 4):
        parents = {c[: {1: 0, 2: 2, 3: 5, 4: 8}[level]] for c in codes_at(level, measure)}
        for parent in parents:
            rows = selectors.coverage_rows(system, measure=measure, level=level, parent=parent or None)
            got = {r.code: (r.registered, r.active, r.arrears) for r in rows if not r.is_direct}
            for code in codes_at(level, measure):
                if code.startswith(parent):
                    assert got[code] == tuple(independent(measure, code).values()), (measure, level, code)
            # the children (and, for the payer measure, the payers seated at the parent) add up to the parent
            parent_row = selectors.region_total(system, measure=measure, code=parent)
            assert sum(r.registered for r in rows) == parent_row.registered
            assert sum(r.active for r in rows) == parent_row.active


def test_a_province_equals_the_sum_of_its_regencies_for_the_population(coverage_world):
    refresh.rebuild()
    system = Actor.system()
    province = selectors.region_total(system, measure="domicile", code="64")
    regencies = selectors.coverage_rows(system, measure="domicile", level=2, parent="64")
    assert not any(r.is_direct for r in regencies)
    assert province.registered == sum(r.registered for r in regencies) > 0


def test_payer_measure_shows_the_province_government_as_its_own_row(coverage_world):
    refresh.rebuild()
    rows = selectors.coverage_rows(Actor.system(), measure="payer", level=2, parent="64")
    direct = [r for r in rows if r.is_direct]
    assert len(direct) == 1 and direct[0].code == "64"
    assert direct[0].registered == independent("payer", "64", payer__region__code="64")["registered"] > 0


def test_programmes_and_categories_and_segments(coverage_world):
    refresh.rebuild()
    system = Actor.system()
    nation = selectors.national_total(system, measure="domicile")
    assert nation.jht == Membership.objects.filter(status__in=OPEN, jht=True).count()
    for category in ("non_asn", "perangkat_desa", "rt_rw", "pekerja_rentan"):
        row = selectors.national_total(system, measure="payer", category=category)
        assert row.registered == independent("payer", "", worker__category=category)["registered"]
    for segment in ("pu", "bpu"):
        row = selectors.national_total(system, measure="domicile", segment=segment)
        assert row.registered == independent("domicile", "", segment=segment)["registered"]


def test_new_enrolments_of_this_month(coverage_world):
    from sijaga.core.periods import Month

    refresh.rebuild()
    month = Month.of(dt.date.today())
    started = Membership.objects.filter(start_date__gte=month.first_day, start_date__lte=month.last_day)
    assert started.count() > 0
    for measure in ("payer", "domicile"):
        assert selectors.national_total(Actor.system(), measure=measure).new == started.count()
        for code in {c[:5] for c in started.values_list(FIELD[measure], flat=True)}:
            field = FIELD[measure]
            expected = started.filter(Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})).count()
            assert selectors.region_total(Actor.system(), measure=measure, code=code).new == expected


def test_incremental_refresh_equals_the_full_recompute(coverage_world, django_capture_on_commit_callbacks):
    from sijaga.enrollment import services as enrollment

    refresh.rebuild()
    coordinator = coverage_world.users["coordinator"]
    open_ = Membership.objects.filter(status="registered").order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        for m in list(open_[:3]):
            enrollment.change_status(coordinator, m, "active", reason="bayar")
    incremental = {m: snapshot(m) for m in ("payer", "domicile")}
    cells = sorted(CoverageCell.objects.values_list("payer_id", "domicile", "registered", "active"))
    refresh.rebuild()
    assert {m: snapshot(m) for m in ("payer", "domicile")} == incremental
    assert sorted(CoverageCell.objects.values_list("payer_id", "domicile", "registered", "active")) == cells


def test_a_worker_who_moves_moves_in_the_domicile_measure(coverage_world, django_capture_on_commit_callbacks):
    from sijaga.registry import services as registry

    refresh.rebuild()
    site = coverage_world.sites["B"]
    before = selectors.region_total(Actor.system(), measure="domicile", code="65").registered
    with django_capture_on_commit_callbacks(execute=True):
        registry.update_worker(coverage_world.users["coordinator"], site.worker,
                               {"domicile_id": coverage_world.sites["A"].village}, reason="pindah")  # fmt: skip
    after = selectors.region_total(Actor.system(), measure="domicile", code="65").registered
    assert after == before - Membership.objects.filter(worker=site.worker, status__in=OPEN).count()
    assert after == independent("domicile", "65")["registered"]


def test_pages_never_read_memberships(coverage_world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    refresh.rebuild()
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage_rows(Actor.system(), measure="payer", level=1)
        selectors.coverage_rows(Actor.system(), measure="domicile", level=4, parent="64.71.05")
        selectors.trend(Actor.system(), measure="domicile", region_code="64")
    assert not any("enrollment_membership" in q["sql"] for q in ctx.captured_queries)
    with django_assert_max_num_queries(8):
        selectors.coverage_rows(Actor.system(), measure="payer", level=2, parent="64")


def test_snapshots_and_trend(coverage_world):
    from sijaga.core.periods import Month
    from sijaga.coverage.models import CoverageSnapshot

    refresh.rebuild()
    now = Month.of(dt.date.today())
    refresh.backfill_snapshots(Month(2024, 1), now.prev())
    end = Month(2025, 6).last_day
    expected = Membership.objects.filter(start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gt=end))
    snap = CoverageSnapshot.objects.get(month=202506, measure="domicile", code="")
    assert snap.registered == expected.count() and snap.active is None and snap.backfilled
    refresh.take_snapshot(now.prev())  # a real snapshot replaces the backfilled month
    real = CoverageSnapshot.objects.get(month=now.prev().year * 100 + now.prev().month, measure="payer", code="64")
    assert real.active == selectors.region_total(Actor.system(), measure="payer", code="64").active
    points = selectors.trend(Actor.system(), measure="payer", region_code="64", since=Month(2024, 1))
    assert points[-1].live and points[-1].month == now
    assert [p.month for p in points] == sorted(p.month for p in points)
    refresh.backfill_snapshots(Month(2024, 1), now.prev())  # keeps the real month
    assert not CoverageSnapshot.objects.get(month=real.month, measure="payer", code="64").backfilled


@pytest.mark.parametrize("measure", ["payer", "domicile"])
def test_by_category_equals_one_region_total_per_category(coverage_world, measure):
    from sijaga.coverage.services import TargetInput, write_targets
    from sijaga.registry.models import TargetCategory as WorkerCategory

    refresh.rebuild()
    system = Actor.system()
    write_targets(system, [TargetInput("64", 2024, "rt_rw", 7, "uji"), TargetInput("64", 2026, "non_asn", 9, "uji")])
    for code in ("", "64", coverage_world.sites["A"].regency, coverage_world.sites["A"].village):
        got = selectors.by_category(system, measure=measure, code=code)
        expected = [
            replace(selectors.region_total(system, measure=measure, code=code, category=c), name=str(label), code=c)
            for c, label in WorkerCategory.choices
        ]
        assert got == expected, code
