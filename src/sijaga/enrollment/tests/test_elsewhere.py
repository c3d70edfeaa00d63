"""`Membership.lives_elsewhere`: kept on every write path, and only ever narrowing the registry's scope (issue 18).

The registry shows a regional actor the workers who live in their regions and those with an open membership at a
payer of their regions whose worker lives elsewhere (the flag). These tests follow the flag through enrolment, a
bulk file, a re-upload that moves a worker, an edit that moves one, a payer that changes region, and check that the
scope with the flag is the scope without it, and that a corrupted flag can hide a worker but never show one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Exists, OuterRef, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sijaga.accounts.actor import as_actor
from sijaga.enrollment import elsewhere
from sijaga.enrollment import services as enrollment
from sijaga.enrollment.models import Membership
from sijaga.enrollment.rules import OPEN_STATUSES, lives_elsewhere
from sijaga.imports import services as imports
from sijaga.imports.tests.test_pipeline import row, write_csv
from sijaga.registry import services as registry
from sijaga.registry.models import Worker

pytestmark = pytest.mark.django_db


def scope_without_flag(actor) -> set[int]:
    """The registry's scope as it was before the flag: any open membership with a payer in scope."""
    scope = as_actor(actor).scope
    qs = Worker.objects.all()
    if not scope.national:
        funded = Membership.objects.filter(
            Q(worker_id=OuterRef("pk")) & Q(status__in=OPEN_STATUSES) & scope.q("payer__region__code")
        )
        qs = qs.filter(scope.q("domicile__code") | Q(Exists(funded)))
    return set(qs.values_list("pk", flat=True))


def visible(actor) -> set[int]:
    return set(Worker.objects.visible_to(as_actor(actor)).values_list("pk", flat=True))


def flags() -> dict[int, bool]:
    return dict(Membership.objects.values_list("pk", "lives_elsewhere"))


def test_the_rule():
    assert not lives_elsewhere("64.71.05.1002", "64.71")
    assert not lives_elsewhere("64.71.05.1002", "64")
    assert not lives_elsewhere("64.71.05.1002", "64.71.05.1002")
    assert lives_elsewhere("64.72.01.2001", "64.71")
    assert lives_elsewhere("64.710.1.2001", "64.71")  # a prefix of the code is not a parent region
    assert lives_elsewhere(None, "64.71") and lives_elsewhere("64.71.05.1002", "")


def test_enrolment_sets_the_flag_and_the_payer_region_sees_the_neighbour(world):
    a, c = world.sites["A"], world.sites["C"]
    assert not a.membership.lives_elsewhere
    neighbour = enrollment.enrol(
        world.users["coordinator"], payer_id=a.payer.pk, segment="pu", programmes=["jkk", "jkm"], wage=3_000_000,
        start_date=dt.date(2025, 2, 1), worker=c.worker, confirm_double_funding=True,
    ).membership  # fmt: skip
    neighbour.refresh_from_db()
    assert neighbour.lives_elsewhere
    operator = world.users["regency_operator"]  # 64.71, the payer's regency
    assert c.worker.pk in visible(operator)
    assert visible(operator) == scope_without_flag(operator)
    assert elsewhere.drift() == 0


def test_bulk_file_and_reupload_that_moves_a_worker(world, tmp_path):
    payer = world.sites["A"].payer  # 64.71
    away = world.sites["C"].village  # a village of 64.72
    imports.import_file(write_csv(tmp_path, [row(1), row(2, domicile=away)]), payer_code=payer.code)
    m1, m2 = (Membership.objects.get(payer=payer, worker__full_name=f"Pekerja Nomor {i}") for i in (1, 2))
    assert (m1.lives_elsewhere, m2.lives_elsewhere) == (False, True)
    # the re-upload brings the second worker home and sends the first one away
    imports.import_file(
        write_csv(tmp_path, [row(1, domicile=away), row(2)], "v2.csv"), payer_code=payer.code
    )  # fmt: skip
    m1.refresh_from_db()
    m2.refresh_from_db()
    assert (m1.lives_elsewhere, m2.lives_elsewhere) == (True, False)
    assert elsewhere.drift() == 0
    for role in ("regency_operator", "province_admin", "village_operator"):
        assert visible(world.users[role]) == scope_without_flag(world.users[role]), role
    assert m1.worker_id in visible(world.users["regency_operator"])


def test_an_edit_that_moves_the_worker(world):
    a, c = world.sites["A"], world.sites["C"]
    registry.update_worker(world.users["coordinator"], a.worker, {"domicile_id": c.village}, reason="pindah")
    a.membership.refresh_from_db()
    assert a.membership.lives_elsewhere
    assert a.worker.pk in visible(world.users["regency_operator"])  # still funded by Balikpapan
    registry.update_worker(world.users["coordinator"], a.worker, {"domicile_id": a.village}, reason="kembali")
    a.membership.refresh_from_db()
    assert not a.membership.lives_elsewhere
    assert elsewhere.drift() == 0


def test_a_payer_that_changes_region(world):
    a, c = world.sites["A"], world.sites["C"]
    enrollment.update_payer(world.users["coordinator"], a.payer, {"region_id": c.regency})
    a.membership.refresh_from_db()
    assert a.membership.lives_elsewhere  # the worker lives in 64.71, the payer is now 64.72's
    assert a.worker.pk in visible(world.users["coordinator"])
    operator_c = enrollment_operator(world, c.regency)
    assert a.worker.pk in visible(operator_c) and visible(operator_c) == scope_without_flag(operator_c)
    assert elsewhere.drift() == 0


def enrollment_operator(world, regency):
    from sijaga.accounts.services import create_user

    return create_user(f"op.{regency}", "x" * 20, role="regency_operator", region_codes=[regency])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corrupt=st.lists(st.booleans(), min_size=8, max_size=8))
def test_a_wrong_flag_can_hide_but_never_show(world, corrupt):
    """Whatever the flags say, each actor sees a subset of the scope without the flag; `refresh` restores it."""
    a, b, c = world.sites["A"], world.sites["B"], world.sites["C"]
    for site, other in ((a, c), (b, a), (c, b)):
        if not Membership.objects.filter(worker=other.worker, payer=site.payer).exists():
            enrollment.enrol(
                world.users["coordinator"], payer_id=site.payer.pk, segment="pu", programmes=["jkk", "jkm"],
                wage=3_000_000, start_date=dt.date(2025, 2, 1), worker=other.worker, confirm_double_funding=True,
            )  # fmt: skip
    right = flags()
    for pk, wrong in zip(sorted(right), corrupt, strict=False):
        Membership.objects.filter(pk=pk).update(lives_elsewhere=wrong)
    for role in ("regency_operator", "province_admin", "village_operator", "bpjs_officer", "auditor"):
        assert visible(world.users[role]) <= scope_without_flag(world.users[role]), role
    elsewhere.refresh()
    assert flags() == right and elsewhere.drift() == 0
    for role in ("regency_operator", "province_admin", "village_operator"):
        assert visible(world.users[role]) == scope_without_flag(world.users[role]), role


def test_check_derived_reports_and_repairs(world):
    """`sijaga check_derived` fails while a flag or a name word disagrees with the data, and `--fix` repairs both."""
    from django.core.management import CommandError, call_command

    from sijaga.registry import vocabulary
    from sijaga.registry.models import NameWord

    call_command("check_derived")  # all consistent: no error
    a, c = world.sites["A"], world.sites["C"]
    Membership.objects.filter(pk=a.membership.pk).update(lives_elsewhere=True)
    NameWord.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("check_derived")
    call_command("check_derived", "--fix")
    assert elsewhere.drift() == 0 and vocabulary.missing() == 0
    assert c.worker.pk not in visible(world.users["regency_operator"])  # 64.72's worker stays outside 64.71's view
