"""Construction projects (Jakon): registered within 14 working days of the work order (late ones flagged), Jakon
memberships hanging off them, and the contract Rp750,000,000 priced on the marginal tiers into the payer's bill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sijaga.accounts.actor import Actor
from sijaga.contributions import billing
from sijaga.contributions.models import Bill, BillLine, ProjectContribution
from sijaga.contributions.services import load_rates
from sijaga.core.periods import Month
from sijaga.enrollment import services
from sijaga.enrollment.rules import jakon_registration_deadline, jakon_registration_late

pytestmark = pytest.mark.django_db


def test_registration_deadline_is_fourteen_working_days():
    monday = dt.date(2026, 3, 2)
    assert jakon_registration_deadline(monday) == dt.date(2026, 3, 20)  # three working weeks less a day
    assert jakon_registration_deadline(dt.date(2026, 3, 6)) == dt.date(2026, 3, 26)  # from a Friday
    assert not jakon_registration_late(monday, dt.date(2026, 3, 20))
    assert jakon_registration_late(monday, dt.date(2026, 3, 23))


def _project(world, **extra):
    data = {"payer_id": world.sites["A"].payer.pk, "name": "Jembatan Sepinggan", "contract_value": 750_000_000,
            "work_order_date": dt.date(2026, 3, 2), "start_date": dt.date(2026, 3, 9),
            "end_date": dt.date(2026, 9, 30), "registered_on": dt.date(2026, 3, 10), **extra}  # fmt: skip
    return services.register_project(world.users["regency_operator"], data)


def test_register_project_warns_when_late_and_checks_scope(world):
    on_time = _project(world)
    assert not on_time.project.late and on_time.warnings == []
    late = _project(world, name="Drainase", registered_on=dt.date(2026, 3, 23))
    assert late.project.late and "20/03/2026" in late.warnings[0]
    with pytest.raises(PermissionDenied):
        _project(world, payer_id=world.sites["B"].payer.pk)
    with pytest.raises(PermissionDenied):
        services.register_project(world.users["auditor"], {"payer_id": world.sites["A"].payer.pk})
    with pytest.raises(ValidationError):
        _project(world, contract_value=0)
    with pytest.raises(ValidationError):
        _project(world, end_date=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError):  # no overflow counting working days from the end of the calendar
        _project(world, work_order_date=dt.date(9999, 12, 31), registered_on=dt.date(9999, 12, 31),
                 end_date=dt.date(9999, 12, 31))  # fmt: skip


def test_contract_of_750_million_is_billed_on_the_marginal_tiers_once(world):
    """Golden: 100M × 0.21 % + 400M × 0.17 % + 250M × 0.13 % = 1,215,000 (JKK); 30,000 + 80,000 + 50,000 = 160,000
    (JKM); the Jakon members of the project are not billed on their wages as well."""
    load_rates(Actor.system("cli"))
    project = _project(world).project
    payer = world.sites["A"].payer
    coordinator = world.users["coordinator"]
    from sijaga.enrollment.models import Membership, MembershipTerms

    # the world's membership becomes a construction worker's (its payer is the project's)
    member = Membership.objects.get(pk=world.sites["A"].membership.pk)
    Membership.objects.filter(pk=member.pk).update(segment="jakon", jht=False)
    MembershipTerms.objects.filter(membership=member).update(segment="jakon", jht=False)
    services.attach_to_project(world.users["regency_operator"], member, project)

    billing.run_billing(coordinator, Month(2026, 3), payer_id=payer.pk)
    c = ProjectContribution.objects.get(project=project)
    assert (c.jkk_employer, c.jkm_employer, c.total) == (1_215_000, 160_000, 1_375_000)
    bill = Bill.objects.get(payer=payer, month=dt.date(2026, 3, 1))
    assert bill.total == 1_375_000 and not BillLine.objects.filter(membership=member).exists()
    # a re-run, and the next month: nothing more
    billing.run_billing(coordinator, Month(2026, 3), payer_id=payer.pk)
    billing.run_billing(coordinator, Month(2026, 4), payer_id=payer.pk)
    assert ProjectContribution.objects.count() == 1
    assert Bill.objects.get(pk=bill.pk).total == 1_375_000
    # a wage-priced project's members are billed on their wages (Jakon JKK 1.74 % + JKM 0.30 %)
    wage_project = _project(world, name="Gedung", priced_on="wage").project
    Membership.objects.filter(pk=member.pk).update(project=wage_project)
    billing.run_billing(coordinator, Month(2026, 5), payer_id=payer.pk)
    line = BillLine.objects.get(membership=member, month=dt.date(2026, 5, 1))
    assert (line.jkk_employer, line.jkm_employer) == (4_000_000 * 174 // 10_000, 4_000_000 * 30 // 10_000)


def test_only_jakon_memberships_of_the_payer_hang_off_a_project(world):
    project = _project(world).project
    with pytest.raises(ValidationError):  # the world's membership is PU
        services.attach_to_project(world.users["regency_operator"], world.sites["A"].membership, project)


def test_project_page_and_api_are_scoped(client, world, django_assert_max_num_queries):
    import json

    mine = _project(world).project
    foreign = services.register_project(
        world.users["coordinator"],
        {"payer_id": world.sites["B"].payer.pk, "name": "Bendungan Asing", "contract_value": 5_000_000_000,
         "work_order_date": dt.date(2026, 3, 2), "start_date": dt.date(2026, 3, 9), "end_date": dt.date(2026, 12, 31),
         "registered_on": dt.date(2026, 3, 3)},
    ).project  # fmt: skip
    client.force_login(world.users["regency_operator"])
    with django_assert_max_num_queries(12):
        page = client.get("/kepesertaan/proyek/").content.decode()
    assert mine.name in page and foreign.name not in page and "Rp750.000.000" in page
    listed = client.get("/api/projects/?limit=500").json()
    assert [p["name"] for p in listed["items"]] == [mine.name] and listed["count"] == 1
    # register through the page: a late one is flagged with a warning
    r = client.post("/kepesertaan/proyek/", {"payer": world.sites["A"].payer.pk, "name": "Saluran Terlambat",
                                             "contract_value": "200000000", "work_order_date": "2026-01-05",
                                             "start_date": "2026-01-12", "end_date": "2026-06-30",
                                             "priced_on": "contract"}, follow=True)  # fmt: skip
    assert "Saluran Terlambat" in r.content.decode() and "lewat dari batas" in r.content.decode()
    # through the API
    body = {"payer_id": world.sites["A"].payer.pk, "name": "Jalan Desa", "contract_value": 1_200_000_000,
            "work_order_date": str(dt.date.today()), "start_date": str(dt.date.today()),
            "end_date": str(dt.date.today() + dt.timedelta(days=90))}  # fmt: skip
    r = client.post("/api/projects/", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["warnings"] == [] and not r.json()["project"]["late"]
    bad = client.post(
        "/api/projects/", data=json.dumps({**body, "contract_value": -1}), content_type="application/json"
    )
    assert bad.status_code in (400, 422)
    # attaching: a foreign project is not found; a PU membership is refused
    m = world.sites["A"].membership
    r = client.post(f"/api/projects/{foreign.pk}/memberships", data=json.dumps({"membership_id": m.pk}),
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 404
    r = client.post(f"/api/projects/{mine.pk}/memberships", data=json.dumps({"membership_id": m.pk}),
                    content_type="application/json")  # fmt: skip
    assert r.status_code in (400, 422)
    client.force_login(world.users["auditor"])
    assert "Daftarkan proyek" not in client.get("/kepesertaan/proyek/").content.decode()
