"""Month-end snapshots are taken without a human: by the first refresh of a month (before it moves the rollup) and
by `sijaga coverage_snapshot` from cron; both are idempotent."""

import datetime as dt
import json

from django.core.management import call_command

from sijaga.accounts.actor import Actor
from sijaga.core.periods import Month
from sijaga.coverage import refresh, selectors
from sijaga.coverage.models import CoverageSnapshot
from sijaga.enrollment.models import Membership

LAST = Month.of(dt.date.today()).prev()
NUMBER = LAST.year * 100 + LAST.month


def test_the_first_refresh_of_a_month_freezes_last_month_before_moving_the_rollup(
    coverage_world, django_capture_on_commit_callbacks
):
    from sijaga.enrollment import services as enrollment

    refresh.rebuild()
    before = selectors.national_total(Actor.system(), measure="domicile")
    assert not CoverageSnapshot.objects.filter(month=NUMBER).exists()
    m = Membership.objects.filter(status="registered").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.change_status(coverage_world.users["coordinator"], m, "active", reason="bayar")
    frozen = CoverageSnapshot.objects.get(month=NUMBER, measure="domicile", code="")
    assert (frozen.registered, frozen.active, frozen.backfilled) == (before.registered, before.active, False)
    assert selectors.national_total(Actor.system(), measure="domicile").active == before.active + 1
    taken_at = frozen.taken_at
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.change_status(coverage_world.users["coordinator"], m, "inactive", reason="menunggak")
    assert CoverageSnapshot.objects.get(month=NUMBER, measure="domicile", code="").taken_at == taken_at  # kept
    points = selectors.trend(Actor.system(), measure="domicile", region_code=None, since=LAST)
    assert (points[0].month, points[0].active) == (LAST, before.active)


def test_ensure_is_idempotent_and_replaces_a_backfilled_month(coverage_world):
    refresh.rebuild()
    refresh.backfill_snapshots(LAST, LAST)
    assert CoverageSnapshot.objects.get(month=NUMBER, measure="payer", code="").backfilled
    assert refresh.ensure_snapshot() is True
    real = CoverageSnapshot.objects.get(month=NUMBER, measure="payer", code="")
    assert not real.backfilled and real.active is not None
    count = CoverageSnapshot.objects.filter(month=NUMBER).count()
    assert refresh.ensure_snapshot() is False
    assert CoverageSnapshot.objects.filter(month=NUMBER).count() == count


def test_an_empty_country_still_marks_the_month_taken(db):
    assert refresh.ensure_snapshot() is True
    assert set(CoverageSnapshot.objects.filter(month=NUMBER).values_list("measure", "code", "registered")) == {
        ("payer", "", 0),
        ("domicile", "", 0),
    }
    assert refresh.ensure_snapshot() is False


def test_the_cron_command(coverage_world, capsys):
    refresh.rebuild()
    call_command("coverage_snapshot")
    assert json.loads(capsys.readouterr().out) == {"month": str(LAST), "taken": True}
    call_command("coverage_snapshot")
    assert json.loads(capsys.readouterr().out) == {"month": str(LAST), "taken": False}
    first = CoverageSnapshot.objects.get(month=NUMBER, measure="payer", code="").taken_at
    call_command("coverage_snapshot", "--replace")
    assert json.loads(capsys.readouterr().out)["taken"] is True
    assert CoverageSnapshot.objects.get(month=NUMBER, measure="payer", code="").taken_at >= first
