"""`sijaga demo_data`: plausible, valid, deterministic and idempotent demo data, and a login for every role.

The command runs once for the module (6 workers per regency, inside a transaction rolled back at the end);
the tests read what it wrote.
"""

import datetime as dt
import json
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from sijaga.accounts.models import Role, User
from sijaga.accounts.services import scope_for
from sijaga.demo import write
from sijaga.demo.payers import province_payer, regency_payers
from sijaga.demo.people import REFERENCE_DATE, plan_regency
from sijaga.demo.places import load_demo_regions
from sijaga.demo.users import DEMO_PASSWORD
from sijaga.enrollment.models import Membership, MembershipEvent, Payer
from sijaga.enrollment.services import programme_errors
from sijaga.regions.models import Region
from sijaga.registry.models import TargetCategory, Worker
from sijaga.registry.nik import parse_nik

pytestmark = pytest.mark.django_db

PER_REGENCY = 6
PROVINCES = ("64", "65", "34")


def run(*args: str) -> str:
    out = StringIO()
    call_command(
        "demo_data", "--i-know-this-is-not-production", "--workers-per-regency", str(PER_REGENCY), *args, stdout=out
    )
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "payers": Payer.objects.count(),
        "workers": Worker.objects.count(),
        "memberships": Membership.objects.count(),
        "events": MembershipEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def runs(django_db_setup, django_db_blocker):
    """Three runs: the first creates (JSON counts), the second prints, the third must create nothing."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = json.loads(run("--json"))
        after_first = table_counts()
        printed = run()
        after_second = table_counts()
        third = json.loads(run("--json"))
        yield {
            "first": first,
            "third": third,
            "printed": printed,
            "after_first": after_first,
            "after_second": after_second,
        }
        transaction.set_rollback(True)


def demo_regencies() -> list[Region]:
    regencies = []
    for province in PROVINCES:
        regencies += Region.objects.filter(level=2, is_current=True, code__startswith=f"{province}.")
    return regencies


def expected_payer_count() -> int:
    """A regency: its government, two desa governments, a water company, a CSR forum; a city: no desa."""
    regencies = demo_regencies()
    cities = sum(r.kind == "kota" for r in regencies)
    return 5 * (len(regencies) - cities) + 3 * cities + len(PROVINCES)


def test_every_regency_of_the_three_provinces_has_every_category(runs):
    regencies = demo_regencies()
    assert len(regencies) == 20  # Kaltim 10, Kaltara 5, DIY 5
    assert sum(r.kind == "kota" for r in regencies) == 5  # Balikpapan, Samarinda, Bontang, Tarakan, Yogyakarta
    seen = defaultdict(set)
    for domicile, category in Worker.objects.values_list("domicile_id", "category"):
        seen[domicile[:5]].add(category)
    for regency in regencies:
        if regency.kind == "kota":  # only kelurahan: no perangkat desa
            assert seen[regency.code] == set(TargetCategory.values) - {"perangkat_desa"}, regency.name
        else:
            assert seen[regency.code] == set(TargetCategory.values), regency.name
    assert Worker.objects.count() == PER_REGENCY * len(regencies)


def test_cities_have_kelurahan_staff_and_rt_rw_paid_by_the_city(runs):
    for regency in demo_regencies():
        if regency.kind != "kota":
            continue
        memberships = Membership.objects.filter(worker__domicile__code__startswith=regency.code + ".").select_related(
            "payer", "worker"
        )
        # worker 1 of a city: kelurahan staff (non-ASN of the city) instead of perangkat desa
        kelurahan_staff = [
            m for m in memberships if m.worker.category == "non_asn" and "kelurahan" in m.worker.occupation
        ]
        rt_rw = [m for m in memberships if m.worker.category == "rt_rw"]
        assert kelurahan_staff and rt_rw, regency.name
        for m in kelurahan_staff + rt_rw:
            assert (m.payer.kind, m.payer.region_id, m.payer.funding_source) == ("pemkab", regency.code, "apbd")


def test_no_two_workers_of_a_regency_share_a_name(runs):
    names = defaultdict(list)
    for domicile, name in Worker.objects.values_list("domicile_id", "full_name"):
        names[domicile[:5]].append(name)
    for regency, regency_names in names.items():
        assert len(set(regency_names)) == len(regency_names), regency


def test_names_stay_unique_in_large_regencies_and_plans_keep_their_prefix():
    regencies = load_demo_regions(PROVINCES)
    payers = {p.code: p for p in map(province_payer, {r.province for r in regencies})}
    for regency in regencies:
        payers.update({p.code: p for p in regency_payers(regency)})
    for regency in regencies:
        plans = plan_regency(regency, 400, payers)
        names = [p.full_name for p in plans]
        assert len(set(names)) == len(names), regency.name
        assert plans[:50] == plan_regency(regency, 50, payers)
        for plan in plans:
            assert plan.full_name == " ".join(plan.full_name.split())
            if regency.is_city:
                assert plan.category != "perangkat_desa"
                assert payers[plan.payer_code].kind != "pemdes"


def test_every_nik_is_valid_and_agrees_with_birth_date_gender_and_regency(runs):
    districts = set(Region.objects.filter(level=3).values_list("code", flat=True))
    workers = list(Worker.objects.all())
    assert workers
    for w in workers:
        result = parse_nik(w.nik)
        assert result.valid and not result.warnings, (w.nik, result.errors, result.warnings)
        assert (result.birth_date, result.gender) == (w.birth_date, w.gender)
        assert result.district_code in districts
        assert result.regency_code == w.domicile_id[:5]  # issued in the regency where the worker lives
        age = (REFERENCE_DATE - w.birth_date).days // 365.25
        assert 20 <= age <= 58
        assert w.full_name.strip() and w.full_name == " ".join(w.full_name.split())
        assert not w.phone or (w.phone.startswith("08") and len(w.phone) == 12 and w.phone.isdigit())
    assert len({w.nik for w in workers}) == len(workers)
    # people move: some live in another district than the one that issued their NIK
    assert any(w.nik[:6] != w.domicile_id[:8].replace(".", "") for w in workers)


def test_every_domicile_is_a_village_of_the_regency_that_enrols_the_worker(runs):
    levels = dict(Region.objects.filter(level=4).values_list("code", "level"))
    for m in Membership.objects.select_related("worker", "payer"):
        assert levels.get(m.worker.domicile_id) == 4
        if m.payer.kind != "pemprov":
            assert m.worker.domicile_id.startswith(m.payer.region_id[:5] + ".")
        else:
            assert m.worker.domicile_id.startswith(m.payer.region_id + ".")
    assert not Worker.objects.filter(category="pekerja_rentan", occupation="").exists()


def test_payers_per_regency_and_province(runs):
    payers = list(Payer.objects.select_related("region"))
    by_region = defaultdict(list)
    for p in payers:
        by_region[p.region_id[:5] if p.kind != "pemprov" else p.region_id].append(p)
    for regency in demo_regencies():
        kinds = sorted(p.kind for p in by_region[regency.code])
        if regency.kind == "kota":  # only kelurahan, which are not village governments
            assert kinds == ["badan_usaha", "pemkab", "pihak_ketiga"], regency.name
        else:
            assert kinds == ["badan_usaha", "pemdes", "pemdes", "pemkab", "pihak_ketiga"], regency.name
        pemkab = next(p for p in by_region[regency.code] if p.kind == "pemkab")
        assert pemkab.name == f"Pemerintah {regency.name}"
        assert pemkab.funding_source == "apbd"
        for p in by_region[regency.code]:
            if p.kind == "pemdes":
                assert p.region.level == 4 and p.funding_source == "apbdes"
                assert p.region.kind in ("desa", "desa_adat"), p.name
                assert p.name == f"Pemerintah Desa {p.region.name}"
            p.full_clean()  # every demo payer passes the model's rules
    for province in PROVINCES:
        [pemprov] = by_region[province]
        assert pemprov.kind == "pemprov" and pemprov.funding_source == "apbd"
    assert len(payers) == expected_payer_count() == 5 * 15 + 3 * 5 + 3
    assert not Payer.objects.filter(kind="pemdes").exclude(region__kind__in=["desa", "desa_adat"]).exists()
    assert not any("Kelurahan" in p.name for p in payers)
    assert all(p.code == p.code.lower() and " " not in p.code for p in payers)


def test_second_run_creates_nothing(runs):
    first, third = runs["first"], runs["third"]
    assert first["workers_created"] == PER_REGENCY * 20
    assert first["memberships_created"] == first["workers_created"]
    assert first["payers_created"] == expected_payer_count()
    assert first["users_created"] == len(demo_roles_expected())
    assert runs["after_first"] == runs["after_second"] == table_counts()
    assert {k: v for k, v in third.items() if not k.endswith("_existing")} == dict.fromkeys(
        (
            "users_created",
            "payers_created",
            "workers_created",
            "memberships_created",
            "status_changes",
            "benefit_cases_created",
        ),
        0,
    )
    assert third["workers_existing"] == first["workers_created"]
    assert third["payers_existing"] == first["payers_created"]
    assert third["users_existing"] == first["users_created"]


def demo_roles_expected() -> list[str]:
    return ["admin", "koordinator", "admin.kaltim", "admin.kaltara", "operator.desa", "petugas.bpjs", "auditor"] + [
        f"operator.{r.name.removeprefix('Kabupaten ').removeprefix('Kota ').lower().replace(' ', '-')}"
        for r in demo_regencies()
    ]


def test_every_role_has_a_demo_user_with_the_scope_its_role_requires(runs):
    users = {u.username: u for u in User.objects.prefetch_related("regions")}
    assert set(demo_roles_expected()) <= set(users)
    assert {u.role for u in users.values()} == set(Role.values)
    for username in demo_roles_expected():
        user = users[username]
        regions = list(user.regions.all())
        user.clean_regions(regions)  # raises when the assignment breaks the role's rules
        assert user.first_name and user.last_name
        if username != "admin":
            assert user.password == users["koordinator"].password  # one shared hash of the demo password
    assert users["koordinator"].check_password(DEMO_PASSWORD)
    assert not users["admin"].check_password(DEMO_PASSWORD)  # the superuser has its own random password
    assert users["admin"].is_superuser and users["admin"].is_staff and users["admin"].role == Role.COORDINATOR
    assert not users["koordinator"].is_superuser
    assert scope_for(users["koordinator"]).national

    def codes(username):
        return sorted(users[username].regions.values_list("code", flat=True))

    assert codes("admin.kaltim") == ["64"] and codes("admin.kaltara") == ["65"]
    assert codes("petugas.bpjs") == ["64", "65"] and codes("auditor") == ["34", "64", "65"]
    [balikpapan] = users["operator.balikpapan"].regions.all()
    assert (balikpapan.name, balikpapan.level) == ("Kota Balikpapan", 2)
    operated = {users[u].regions.get().code for u in users if users[u].role == Role.REGENCY_OPERATOR}
    assert operated >= {r.code for r in demo_regencies()}
    [village] = users["operator.desa"].regions.all()
    assert village.level == 4 and village.code.startswith(balikpapan.code + ".")
    assert Worker.objects.filter(domicile=village).exists()


def test_statuses_history_programmes_wages_and_dates(runs):
    memberships = list(Membership.objects.select_related("payer", "worker").annotate(n=Count("events")))
    statuses = {m.status for m in memberships}
    assert statuses == {"registered", "active", "inactive", "ended"}
    segments = {m.segment for m in memberships}
    assert segments == {"pu", "bpu", "jakon"}
    for m in memberships:
        assert m.n >= 1
        events = list(m.events.all())
        assert events[0].to_status == "registered" and events[-1].to_status == m.status
        assert events[0].by.role == Role.REGENCY_OPERATOR or m.payer.kind == "pemprov"
        if m.status == "ended":
            assert m.end_reason and m.end_date and m.start_date <= m.end_date <= REFERENCE_DATE
            assert events[-1].end_reason == m.end_reason
        assert not programme_errors(m.segment, m.programmes)
        assert dt.date(2021, 4, 1) <= m.start_date <= dt.date(2026, 6, 30)
        assert isinstance(m.wage, int) and m.wage % 1000 == 0
        if m.segment == "bpu":
            assert 1_000_000 <= m.wage <= 3_000_000
            assert m.worker.category == "pekerja_rentan"
            assert m.payer.kind in ("pihak_ketiga", "pemkab")
        else:
            assert 2_000_000 <= m.wage <= 6_000_000
        if m.worker.category in ("perangkat_desa",):
            assert m.payer.kind == "pemdes"
    ended_reasons = {m.end_reason for m in memberships if m.status == "ended"}
    assert ended_reasons <= {"death", "retirement", "resignation", "moved"}


def test_printed_table_lists_every_login_and_the_password(runs):
    printed = runs["printed"]
    for username in demo_roles_expected():
        assert f"  {username} " in printed
    assert DEMO_PASSWORD in printed
    assert "Tenaga kerja: 0 baru" in printed  # the second run created nothing, and still printed the table
    assert "Kota Balikpapan" in printed and "Operator desa" in printed


def test_plans_are_deterministic_and_independent_of_the_number_of_workers():
    regencies = load_demo_regions(PROVINCES)
    payers = {p.code: p for p in map(province_payer, {r.province for r in regencies})}
    for regency in regencies:
        payers.update({p.code: p for p in regency_payers(regency)})
    regency = regencies[0]
    assert plan_regency(regency, 8, payers)[:3] == plan_regency(regency, 3, payers)
    assert regency_payers(regency) == regency_payers(load_demo_regions(PROVINCES)[0])


def test_refuses_without_regions_or_with_a_bad_number(monkeypatch, settings):
    settings.DEBUG = True  # past the production guard (tested in core/tests/test_hardening.py)
    with pytest.raises(CommandError, match="--workers-per-regency"):
        call_command("demo_data", "--workers-per-regency", "0", stdout=StringIO())
    before = table_counts()
    monkeypatch.setattr(write, "DEMO_PROVINCES", ("99",))
    with pytest.raises(CommandError, match="load_regions"):
        call_command("demo_data", stdout=StringIO())
    assert table_counts() == before


def test_benefit_cases_of_the_kaltim_meeting(runs):
    """Four JKM deaths paid Rp42 million each (two village heads, a Tagana officer, an RT head) and one death of
    a worker a BUMD never registered: the BUMD owes the benefit (unverified rule, shown as such)."""
    from sijaga.benefits.models import BenefitCase

    paid = BenefitCase.objects.filter(status="paid")
    assert paid.count() == 4 and {c.paid_amount for c in paid} == {42_000_000}
    assert all(c.heirs.count() == 2 and c.membership.status == "ended" for c in paid)
    owed = BenefitCase.objects.get(eligibility="not_registered")
    assert owed.payer.kind == "badan_usaha" and owed.employer_owes == 42_000_000 and not owed.rule_verified
    assert runs["first"]["benefit_cases_created"] == 5 and runs["third"]["benefit_cases_existing"] == 5
