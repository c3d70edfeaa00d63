"""Membership terms through time: enrolment opens them, a change closes and reopens them from its date, an end
closes them, a bulk re-upload does the same set-based, and periods of one membership never overlap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sijaga.enrollment import services, terms
from sijaga.enrollment.models import EventKind, Membership, MembershipEvent, MembershipTerms
from sijaga.imports import services as imports
from sijaga.imports.tests.test_pipeline import row, write_csv

pytestmark = pytest.mark.django_db


def test_enrolment_opens_the_first_terms_with_the_payers_risk_class(world):
    m = world.sites["A"].membership
    (first,) = MembershipTerms.objects.filter(membership=m)
    assert (first.valid_from, first.valid_to, first.segment, first.wage) == (m.start_date, None, "pu", 4_000_000)
    assert (first.jkk_risk_class, first.labour_intensive, first.worker_share_paid_by) == (1, False, "payer")
    assert first.programmes == ["jkk", "jkm", "jht"]


def test_a_change_closes_the_terms_in_force_and_opens_new_ones(world):
    m = world.sites["A"].membership
    user = world.users["regency_operator"]
    services.change_terms(user, m, {"wage": 5_000_000, "jkk_risk_class": 3}, reason="Kenaikan upah",
                          effective=dt.date(2025, 5, 1))  # fmt: skip
    old, new = MembershipTerms.objects.filter(membership=m).order_by("valid_from")
    assert (old.valid_from, old.valid_to, old.wage, old.jkk_risk_class) == (dt.date(2025, 1, 1), dt.date(2025, 4, 30),
                                                                           4_000_000, 1)  # fmt: skip
    assert (new.valid_from, new.valid_to, new.wage, new.jkk_risk_class) == (dt.date(2025, 5, 1), None, 5_000_000, 3)
    event = MembershipEvent.objects.get(membership=m, kind=EventKind.TERMS)
    assert event.changes == {
        "wage": [4_000_000, 5_000_000],
        "jkk_risk_class": [1, 3],
        "effective": [None, "2025-05-01"],
    }
    assert Membership.objects.get(pk=m.pk).wage == 5_000_000
    # before the terms in force: refused
    with pytest.raises(ValidationError):
        services.change_terms(user, m, {"wage": 6_000_000}, reason="x", effective=dt.date(2025, 4, 1))
    # on the day the open terms began: they are replaced, not split
    services.change_terms(user, m, {"wage": 5_500_000}, reason="Koreksi", effective=dt.date(2025, 5, 1))
    assert list(MembershipTerms.objects.filter(membership=m).values_list("valid_from", "wage")) == [
        (dt.date(2025, 1, 1), 4_000_000), (dt.date(2025, 5, 1), 5_500_000)]  # fmt: skip


def test_ending_the_membership_ends_its_terms(world):
    m = world.sites["A"].membership
    services.change_status(world.users["regency_operator"], m, "ended", reason="Berhenti", end_reason="resignation",
                           end_date=dt.date(2025, 6, 30))  # fmt: skip
    assert MembershipTerms.objects.get(membership=m).valid_to == dt.date(2025, 6, 30)


def test_overlapping_terms_are_refused(world):
    m = world.sites["A"].membership
    overlap = MembershipTerms(membership=m, valid_from=dt.date(2024, 6, 1), valid_to=dt.date(2025, 2, 1),
                              segment="pu", wage=1_000_000, created_at=timezone.now())  # fmt: skip
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            overlap.save()
    else:
        overlap.save()
        with pytest.raises(ValidationError):
            terms.check_no_overlap([m.pk])
    # adjacent periods are fine
    MembershipTerms.objects.filter(pk=overlap.pk).delete()
    MembershipTerms.objects.create(membership=m, valid_from=dt.date(2024, 6, 1), valid_to=dt.date(2024, 12, 31),
                                   segment="pu", wage=1_000_000, created_at=timezone.now())  # fmt: skip
    terms.check_no_overlap([m.pk])


def test_a_reupload_closes_and_opens_terms_set_based(world, tmp_path):
    payer = world.sites["A"].payer
    operator = world.users["regency_operator"]
    imports.import_file(write_csv(tmp_path, [row(1), row(2)]), payer_code=payer.code, user=operator)
    first = Membership.objects.get(payer=payer, worker__full_name="Pekerja Nomor 1")
    (t,) = MembershipTerms.objects.filter(membership=first)
    assert (t.valid_from, t.valid_to, t.wage) == (dt.date(2026, 1, 1), None, 3_500_000)
    today = timezone.localdate()
    changed = [row(1, wage="4.250.000"), row(2)]
    imports.import_file(write_csv(tmp_path, changed, "v2.csv"), payer_code=payer.code, user=operator)
    rows = list(MembershipTerms.objects.filter(membership=first).values_list("valid_from", "valid_to", "wage"))
    if today > dt.date(2026, 1, 1):
        assert rows == [(dt.date(2026, 1, 1), today - dt.timedelta(days=1), 3_500_000), (today, None, 4_250_000)]
    else:
        assert rows == [(dt.date(2026, 1, 1), None, 4_250_000)]
    second = Membership.objects.get(payer=payer, worker__full_name="Pekerja Nomor 2")
    assert MembershipTerms.objects.filter(membership=second).count() == 1
    # the same file again changes nothing
    imports.import_file(write_csv(tmp_path, changed, "v3.csv"), payer_code=payer.code, user=operator)
    assert list(MembershipTerms.objects.filter(membership=first).values_list("valid_from", "valid_to", "wage")) == rows
    terms.check_no_overlap()


def test_kpj_is_unique_when_known(world):
    a, b = world.sites["A"].membership, world.sites["B"].membership
    Membership.objects.filter(pk=a.pk).update(kpj="12345678901")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=b.pk).update(kpj="12345678901")
    assert Membership.objects.filter(kpj__isnull=True).count() == 2


def test_the_card_shows_the_kpj_once_known(world):
    from django.template.loader import render_to_string

    m = world.sites["A"].membership
    assert "No. KPJ" not in render_to_string("enrollment/card.html", {"m": m, "programmes": ["JKK"]})
    m.kpj = "12345678901"
    html = render_to_string("enrollment/card.html", {"m": m, "programmes": ["JKK"]})
    assert "No. KPJ BPJS" in html and "12345678901" in html
