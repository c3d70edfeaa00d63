"""The finer refresh key (payer × domicile village × start month): after each kind of change, the incremental
refresh recounts only the cells touched — never the whole payer — and every figure still equals the full recompute
and an independent count over memberships."""

import datetime as dt

import pytest

from sijaga.accounts.actor import Actor
from sijaga.coverage import refresh, selectors
from sijaga.coverage.models import CoverageCell, CoverageNew, CoverageRollup
from sijaga.coverage.tests.test_rollups import FIELD, independent
from sijaga.enrollment.models import Membership

COUNTS = ("registered", "active", "arrears", "jht", "jp", "jkp")


def state():
    return (
        sorted(
            CoverageRollup.objects.values_list("measure", "level", "code", "parent", "category", "segment", *COUNTS)
        ),
        sorted(CoverageNew.objects.values_list("measure", "level", "code", "month", "new")),
        sorted(
            CoverageCell.objects.values_list(
                "payer_id", "payer_region", "domicile", "category", "segment", "start_month", *COUNTS, "ended"
            )
        ),
    )


@pytest.fixture
def coarse(monkeypatch):
    """The payers recounted whole (the coarse key); the finer key must leave this empty."""
    seen: list[int] = []
    original = refresh._refresh_payers

    def spy(cur, ids):
        seen.extend(ids)
        return original(cur, ids)

    monkeypatch.setattr(refresh, "_refresh_payers", spy)
    return seen


def assert_exact():
    """Incremental state == full recompute, and every region of both measures == an independent count."""
    incremental = state()
    refresh.rebuild()
    assert state() == incremental
    system = Actor.system()
    for measure in ("payer", "domicile"):
        codes = {""}
        for code in Membership.objects.values_list(FIELD[measure], flat=True):
            codes |= {code[:n] for n in (2, 5, 8, 13)}
        for code in codes:
            row = selectors.region_total(system, measure=measure, code=code)
            assert (row.registered, row.active, row.arrears) == tuple(independent(measure, code).values()), (
                measure,
                code,
            )


def test_a_status_change_recounts_its_cells_only(coverage_world, coarse, django_capture_on_commit_callbacks):
    from sijaga.enrollment import services as enrollment

    refresh.rebuild()
    coordinator = coverage_world.users["coordinator"]
    registered = list(Membership.objects.filter(status="registered").order_by("pk")[:2])
    active = Membership.objects.filter(status="active").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        for m in registered:
            enrollment.change_status(coordinator, m, "active", reason="bayar")
        enrollment.change_status(coordinator, active, "inactive", reason="menunggak")
    assert coarse == []
    assert_exact()


def test_a_membership_ended(coverage_world, coarse, django_capture_on_commit_callbacks):
    from sijaga.enrollment import services as enrollment

    refresh.rebuild()
    m = Membership.objects.filter(status="active").order_by("-pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.change_status(coverage_world.users["coordinator"], m, "ended", reason="berhenti",
                                 end_reason="resignation", end_date=dt.date.today())  # fmt: skip
    assert coarse == []
    assert_exact()


def test_a_new_membership_and_changed_terms(coverage_world, coarse, django_capture_on_commit_callbacks):
    from sijaga.enrollment import services as enrollment
    from sijaga.testing import make_nik

    refresh.rebuild()
    coordinator = coverage_world.users["coordinator"]
    site = coverage_world.sites["C"]
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.enrol(
            coordinator, payer_id=site.payer.pk, segment="pu", programmes=["jkk", "jkm"], wage=3_000_000,
            start_date=dt.date.today().replace(day=1),
            worker_data={"nik": make_nik(site.village[:8], dt.date(1991, 2, 3), "P", 901), "full_name": "Baru",
                         "birth_date": dt.date(1991, 2, 3), "gender": "P", "domicile_id": site.village,
                         "category": "rt_rw"},
        )  # fmt: skip
        enrollment.change_terms(coordinator, site.membership, {"programmes": ["jkk", "jkm"]}, reason="koreksi")
    assert coarse == []
    assert CoverageNew.objects.filter(measure="payer", code="").exists()
    assert_exact()


def test_a_worker_who_moves_leaves_the_old_village(coverage_world, coarse, django_capture_on_commit_callbacks):
    from sijaga.registry import services as registry

    refresh.rebuild()
    coordinator = coverage_world.users["coordinator"]
    mover = Membership.objects.filter(status__in=("registered", "active", "inactive"))
    worker = mover.exclude(worker__domicile_id=coverage_world.extra["village"]).order_by("pk").first().worker
    old = worker.domicile_id
    before = selectors.region_total(Actor.system(), measure="domicile", code=old).registered
    with django_capture_on_commit_callbacks(execute=True):
        registry.update_worker(coordinator, worker, {"domicile_id": coverage_world.extra["village"]}, reason="pindah")
    assert coarse == []
    after = selectors.region_total(Actor.system(), measure="domicile", code=old).registered
    assert after < before and after == independent("domicile", old)["registered"]
    assert_exact()


def test_a_worker_moved_twice_in_one_transaction(coverage_world, coarse, django_capture_on_commit_callbacks):
    from django.db import transaction

    from sijaga.registry import services as registry

    refresh.rebuild()
    coordinator = coverage_world.users["coordinator"]
    worker = coverage_world.sites["B"].worker
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        registry.update_worker(coordinator, worker, {"domicile_id": coverage_world.sites["A"].village}, reason="x")
        registry.update_worker(coordinator, worker, {"domicile_id": coverage_world.sites["C"].village}, reason="y")
    assert coarse == []
    assert_exact()


def test_a_category_change(coverage_world, coarse, django_capture_on_commit_callbacks):
    from sijaga.registry import services as registry

    refresh.rebuild()
    worker = coverage_world.sites["A"].worker
    with django_capture_on_commit_callbacks(execute=True):
        registry.update_worker(coverage_world.users["coordinator"], worker, {"category": "rt_rw"},
                               reason="koreksi")  # fmt: skip
    assert coarse == []
    assert_exact()


def test_a_signal_without_details_still_recounts_the_payers(coverage_world, coarse, django_capture_on_commit_callbacks):
    from sijaga.registry.models import Worker
    from sijaga.registry.signals import workers_changed

    refresh.rebuild()
    worker = coverage_world.sites["B"].worker
    Worker.objects.filter(pk=worker.pk).update(domicile_id=coverage_world.sites["A"].village)
    with django_capture_on_commit_callbacks(execute=True):
        workers_changed.send(sender=Worker, worker_ids=[worker.pk])  # no previous domicile: unknown
    assert coarse == [coverage_world.sites["B"].payer.pk]
    assert_exact()


def test_an_import_of_new_members_and_a_reupload_that_moves_one(
    coverage_world, coarse, django_capture_on_commit_callbacks, tmp_path
):
    from sijaga.imports import services
    from sijaga.imports.tests.test_pipeline import row, write_csv

    refresh.rebuild()
    payer = coverage_world.sites["A"].payer
    this_month = dt.date.today().replace(day=1).strftime("%d/%m/%Y")
    rows = [row(i, start_date=this_month if i % 2 else "01/03/2024") for i in range(1, 9)]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_file(write_csv(tmp_path, rows), payer_code=payer.code)
    assert batch.status == "imported" and batch.created == 8
    assert coarse == []
    assert_exact()
    # a re-upload: one worker moves to another village, one membership's wage and programmes change
    moved = row(3, domicile=coverage_world.sites["C"].village, start_date=this_month)
    changed = row(4, programmes="JKK+JKM", wage="4.000.000", start_date="01/03/2024")
    rows = [moved, changed, *rows[4:]]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_file(write_csv(tmp_path, rows, name="ulang.csv"), payer_code=payer.code)
    assert batch.status == "imported" and batch.updated == 2, batch.status
    assert coarse == []
    assert_exact()


def test_an_import_as_big_as_its_payer_recounts_the_payer_whole(
    coverage_world, coarse, django_capture_on_commit_callbacks, tmp_path, monkeypatch
):
    """A file naming at least `WHOLE_PAYER_AT` workers and as many as the payer had memberships recounts the payer
    whole (cheaper than the finer key at 1M rows): the same cells, also with a worker who moves in the same file."""
    from sijaga.imports import services
    from sijaga.imports.tests.test_pipeline import row, write_csv

    monkeypatch.setattr(refresh, "WHOLE_PAYER_AT", 4)
    refresh.rebuild()
    payer = coverage_world.sites["A"].payer
    before = Membership.objects.filter(payer=payer).count()
    this_month = dt.date.today().replace(day=1).strftime("%d/%m/%Y")
    rows = [row(i, start_date=this_month if i % 2 else "01/03/2024") for i in range(1, before + 3)]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_file(write_csv(tmp_path, rows), payer_code=payer.code)
    assert batch.status == "imported" and batch.created == before + 2
    assert coarse == [payer.pk]
    assert_exact()
    # fewer workers than the payer's memberships: the finer key, even above WHOLE_PAYER_AT
    coarse.clear()
    changed = [row(i, wage="4.000.000", start_date=this_month if i % 2 else "01/03/2024") for i in range(1, 5)]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_file(write_csv(tmp_path, changed, name="v2.csv"), payer_code=payer.code)
    assert batch.updated == 4 and coarse == []
    assert_exact()
    # as many again, with a worker who moves to another village: whole payer, and the mover's keys
    monkeypatch.setattr(refresh, "WHOLE_PAYER_AT", 2)
    total = Membership.objects.filter(payer=payer).count()
    moved = row(3, domicile=coverage_world.sites["C"].village, wage="4.000.000", start_date=this_month)
    more = [row(i, start_date="01/06/2025") for i in range(200, 200 + total)]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_file(write_csv(tmp_path, [moved, *more], name="v3.csv"), payer_code=payer.code)
    assert batch.created == total and batch.updated == 1
    assert coarse == [payer.pk]
    assert_exact()


def test_the_planner_settings_do_not_outlive_the_refresh(coverage_world):
    """PostgreSQL: the refresh probes by index for its own transaction only; a caller's transaction goes on with
    its own settings."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    refresh.rebuild()
    names = list(refresh.PLANNER)
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        before = cur.fetchone()
        refresh.refresh(memberships=[coverage_world.sites["A"].membership.pk])
        cur.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        assert cur.fetchone() == before
