"""Allocation and status refresh set-based (bench/billing.py): the same outcome as the walk they replaced — oldest
payment to oldest bill, one status event per move with its reason — for many payers at once."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sijaga.accounts.actor import Actor
from sijaga.contributions import billing, payments
from sijaga.contributions.models import Allocation, Bill, Payment
from sijaga.contributions.services import load_rates
from sijaga.core.bulk import Dialect
from sijaga.core.periods import Month
from sijaga.enrollment.models import EventKind, Membership, MembershipEvent

pytestmark = pytest.mark.django_db


def walk(bills: list[tuple[int, int]], credit: list[int]) -> list[tuple[int, int, int]]:
    """The greedy walk `allocate` replaced: (bill index, payment index, amount), bills oldest first, payments in
    order, each payment used up before the next."""
    out, left, pi = [], list(credit), 0
    for bi, (total, paid) in enumerate(bills):
        while paid < total and pi < len(left):
            part = min(left[pi], total - paid)
            if part:
                out.append((bi, pi, part))
            left[pi] -= part
            paid += part
            if left[pi] == 0:
                pi += 1
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bills=st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=6),
    credit=st.lists(st.integers(1, 700), min_size=0, max_size=6),
)
def test_allocation_equals_the_oldest_first_walk(world, bills, credit):
    payer = world.sites["A"].payer
    Allocation.objects.all().delete()
    Payment.objects.all().delete()
    Bill.objects.filter(payer=payer).delete()
    now = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    made = [
        Bill.objects.create(payer=payer, month=dt.date(2024, 1 + i, 1), total=total, paid=min(paid, total),
                            status="partial" if paid else "issued", created_at=now, updated_at=now)
        for i, (total, paid) in enumerate(bills)
    ]  # fmt: skip
    paid_in = [
        Payment.objects.create(payer=payer, amount=amount, unallocated=amount, paid_on=dt.date(2025, 1, 1 + i % 3),
                               reference=f"R{i}", source="web", created_at=now)
        for i, amount in enumerate(credit)
    ]  # fmt: skip
    order = sorted(range(len(paid_in)), key=lambda i: (paid_in[i].paid_on, paid_in[i].pk))
    expected = walk([(b.total, b.paid) for b in made], [credit[i] for i in order])
    assert payments.allocate([payer.pk]) == sum(part for *_x, part in expected)
    got = sorted(
        (
            made.index(next(b for b in made if b.pk == a.bill_id)),
            order.index(next(i for i, p in enumerate(paid_in) if p.pk == a.payment_id)),
            a.amount,
        )
        for a in Allocation.objects.all()
    )
    assert got == sorted(expected)
    for b in made:
        b.refresh_from_db()
        if any(bi == made.index(b) for bi, *_ in expected):
            assert b.status == ("paid" if b.paid >= b.total else "partial")
    left = sum(p.unallocated for p in Payment.objects.all())
    assert left == sum(credit) - sum(part for *_x, part in expected)


@pytest.fixture
def billed(world):
    load_rates(Actor.system("cli"))
    for month in (Month(2025, 1), Month(2025, 2), Month(2025, 3)):
        billing.run_billing(world.users["coordinator"], month, settle=False)
    return world


def test_many_payers_refreshed_at_once_with_one_event_per_move(billed, settings):
    settings.ARREARS_MONTHS = 3
    a, b, c = (billed.sites[k].membership for k in "ABC")
    Membership.objects.filter(pk=b.pk).update(status="active")
    Membership.objects.filter(pk=c.pk).update(status="inactive")
    # A pays January (registered → active), B nothing (three months: active → inactive), C everything (→ active)
    for site, amount in (("A", Bill.objects.get(payer=a.payer, month=dt.date(2025, 1, 1)).total),
                         ("C", sum(Bill.objects.filter(payer=c.payer).values_list("total", flat=True)))):  # fmt: skip
        Payment.objects.create(payer=billed.sites[site].payer, amount=amount, unallocated=amount, reference=site,
                               paid_on=dt.date(2025, 3, 1), source="web", created_at=a.created_at)  # fmt: skip
    payers = [a.payer_id, b.payer_id, c.payer_id]
    assert payments.allocate(payers) > 0
    assert payments.refresh_statuses(payers) == {"active": 2, "inactive": 1}
    assert dict(Membership.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "status")) == {
        a.pk: "active", b.pk: "inactive", c.pk: "active"}  # fmt: skip
    events = {e.membership_id: e for e in MembershipEvent.objects.filter(kind=EventKind.STATUS)}
    assert (events[a.pk].from_status, events[a.pk].reason) == ("registered", "Pembayaran iuran pertama diterima")
    assert (events[b.pk].from_status, events[b.pk].reason) == ("active", "Menunggak iuran 3 bulan")
    assert (events[c.pk].from_status, events[c.pk].reason, events[c.pk].by) == ("inactive", "Tunggakan iuran dibayar",
                                                                               None)  # fmt: skip
    assert payments.refresh_statuses(payers) == {"active": 0, "inactive": 0}  # nothing left to move
    assert MembershipEvent.objects.filter(kind=EventKind.STATUS).count() == 3


def test_a_bulk_move_skips_memberships_changed_meanwhile_and_refuses_ending(world):
    from django.core.exceptions import PermissionDenied
    from django.db import connection
    from django.utils import timezone

    from sijaga.enrollment.bulk import change_statuses

    a, b = world.sites["A"].membership, world.sites["B"].membership  # both registered
    d = Dialect(connection.vendor)
    with connection.cursor() as cur:
        cur.execute(d.temp_table("moves", ["membership_id bigint", "from_status text", "to_status text",
                                           "reason text"]))  # fmt: skip
        cur.executemany("INSERT INTO moves VALUES (%s, %s, %s, %s)",
                        [(a.pk, "registered", "active", "x"), (b.pk, "active", "inactive", "stale"),
                         (world.sites["C"].membership.pk, "registered", "ended", "no end reason")])  # fmt: skip
        moved = change_statuses(cur, d, "moves", actor=Actor.system("task"), now=timezone.now())
        with pytest.raises(PermissionDenied):
            change_statuses(cur, d, "moves", actor=Actor.of(world.users["auditor"]), now=timezone.now())
    assert moved == [a.payer_id]
    assert list(Membership.objects.order_by("pk").values_list("status", flat=True)) == [
        "active", "registered", "registered"]  # fmt: skip
    assert MembershipEvent.objects.filter(kind=EventKind.STATUS).count() == 1
