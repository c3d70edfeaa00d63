"""Role × field × channel: what each role sees of a worker, on every channel that shows the field (F4).

The verdicts come from the policies in the presenters (one rule per field); this test checks every channel obeys
them, and that docs/architecture.md's "Who sees what" table is the policies' table.
"""

import io
import re
from pathlib import Path

import pytest

from sijaga.accounts.models import Role
from sijaga.benefits.presenters import CASE_POLICY, HEIR_POLICY
from sijaga.enrollment.presenters import MEMBERSHIP_POLICY
from sijaga.registry.presenters import WORKER_POLICY

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "province_admin", "regency_operator", "village_operator", "bpjs_officer", "auditor"]
PHONE = "081299990000"


def _body(response) -> tuple[int, str]:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import polars as pl

        return response.status_code, pl.read_excel(io.BytesIO(b"".join(response.streaming_content))).write_csv()
    return response.status_code, response.content.decode()


def _channels(client, site):
    w, m = site.worker, site.membership
    return {
        "web detail": lambda: client.get(f"/pekerja/{w.pk}/"),
        "web list": lambda: client.get("/pekerja/"),
        "web export": lambda: client.get("/pekerja/ekspor.xlsx"),
        "api worker detail": lambda: client.get(f"/api/workers/{w.pk}"),
        "api worker list": lambda: client.get("/api/workers/"),
        "api membership detail": lambda: client.get(f"/api/memberships/{m.pk}"),
        "api membership list": lambda: client.get("/api/memberships/"),
        "admin worker": lambda: client.get(f"/admin/registry/worker/{w.pk}/change/"),
        "admin workers": lambda: client.get("/admin/registry/worker/"),
    }


#: The forms in which each field appears on a channel that carries it.
def _forms(site):
    w = site.worker
    return {
        "nik": [w.nik],
        "birth_date": [w.birth_date.isoformat(), "11 Maret 1990", "11/03/1990", "11-03-1990"],
        "phone": [PHONE],
        "wage": ["Rp4.000.000", '"wage":4000000', '"wage": 4000000', "4000000"],
    }


#: Which channels show a field at all when the role may see it (the rest never carry it).
CARRIES = {
    "nik": {"web detail", "web list", "web export", "api worker detail", "api worker list", "admin worker",
            "admin workers"},
    "birth_date": {"web detail", "web export", "api worker detail", "api worker list", "admin worker"},
    "phone": {"web detail", "web export", "api worker detail", "api worker list", "admin worker"},
    "wage": {"web detail", "api membership detail", "api membership list"},
}  # fmt: skip
POLICY = {"nik": WORKER_POLICY, "birth_date": WORKER_POLICY, "phone": WORKER_POLICY, "wage": MEMBERSHIP_POLICY}


@pytest.mark.parametrize("role", ROLES)
def test_f4_every_channel_shows_each_field_as_the_policy_says(client, world, role):
    from django.contrib.auth.models import Permission

    from sijaga.accounts.actor import Actor

    site = world.sites["A"]
    site.worker.phone = PHONE
    site.worker.save()
    user = world.users[role]
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["registry", "enrollment"]))
    client.force_login(user)
    actor = Actor.of(user)
    forms = _forms(site)
    for channel, fetch in _channels(client, site).items():
        status, body = _body(fetch())
        admin_closed = channel.startswith("admin") and status != 200
        assert status == 200 or admin_closed, f"{role} {channel}: {status}"
        for field, policy in POLICY.items():
            verdict = policy.rule(actor, field)
            present = [f for f in forms[field] if f in body]
            if field == "wage" and verdict != "hide":
                present = [f for f in present if f != "4000000" or channel.startswith("api")]
            if verdict == "show" and channel in CARRIES[field] and not admin_closed:
                assert present, f"{role} should see {field} on {channel}"
            if verdict in ("hide", "mask"):
                leaked = [f for f in present if not (field == "wage" and f == "4000000" and "api" not in channel)]
                assert not leaked, f"{role} sees {field} on {channel}: {leaked}"
            if verdict == "mask" and channel in CARRIES[field] and not admin_closed:
                assert policy.present(actor, field, site.worker.nik) in body, f"{role}: masked {field} on {channel}"


def test_f4_masked_roles_cannot_search_by_nik_prefix(client, world):
    site = world.sites["A"]
    client.force_login(world.users["auditor"])
    for prefix_len in (6, 8, 12, 15):
        prefix = site.worker.nik[:prefix_len]
        assert client.get("/api/workers/", {"q": prefix}).json()["count"] == 0
        assert "0 tenaga kerja" in client.get("/pekerja/", {"q": prefix}).content.decode()
    assert client.get("/api/workers/", {"q": site.worker.nik}).json()["count"] == 1  # a complete NIK still finds


def test_f4_admin_is_closed_to_masked_roles(client, world):
    from django.contrib.auth.models import Permission

    auditor = world.users["auditor"]
    auditor.is_staff = True
    auditor.save()
    auditor.user_permissions.set(Permission.objects.all())
    client.force_login(auditor)
    for url in ("/admin/registry/worker/", f"/admin/registry/worker/{world.sites['A'].worker.pk}/change/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert world.sites["A"].worker.nik not in response.content.decode()


def test_masking_table_in_the_docs_is_the_policies_table():
    doc = (Path(__file__).resolve().parents[4] / "docs" / "architecture.md").read_text()
    table = re.search(r"<!-- masking-table -->\n(.*?)<!-- /masking-table -->", doc, re.S).group(1)
    rows = {
        cells[0]: dict(zip(Role.values, cells[1:], strict=True))
        for line in table.strip().splitlines()[2:]
        if (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    expected = {
        f"{p.name}.{f}": verdicts
        for p in (WORKER_POLICY, MEMBERSHIP_POLICY, HEIR_POLICY, CASE_POLICY)
        for f, verdicts in p.table().items()
    }
    assert rows == expected


#: Heirs of a benefit case: which channels carry each field when the role may see it.
HEIR_CARRIES = {"nik": {"web case", "api case"}, "birth_date": {"api case"}, "account_number": {"web case", "api case"}}


@pytest.mark.parametrize("role", ROLES)
def test_heirs_are_shown_as_the_policy_says_on_every_channel(client, world, role):
    import datetime as dt

    from sijaga.accounts.actor import Actor
    from sijaga.benefits.services import load_benefit_rules, record_case
    from sijaga.regions.models import Region
    from sijaga.testing import make_nik

    load_benefit_rules()
    site = world.sites["A"]
    district = Region.objects.get(code=site.village).parent_id
    born = dt.date(1989, 4, 17)
    nik = make_nik(district, born, "P", 77)
    case = record_case(world.users["coordinator"], worker_id=site.worker.pk, event_type="death",
                       event_date=dt.date(2025, 6, 1), cause="Sakit",
                       heirs=[{"name": "Istri Almarhum", "relation": "spouse", "nik": nik, "birth_date": born,
                               "bank_name": "Bank Kaltimtara", "account_number": "0099887766"}])  # fmt: skip
    user = world.users[role]
    client.force_login(user)
    actor = Actor.of(user)
    values = {"nik": [nik], "birth_date": [born.isoformat()], "account_number": ["0099887766"]}
    channels = {"web case": f"/manfaat/{case.pk}/", "api case": f"/api/benefits/cases/{case.pk}"}
    for channel, url in channels.items():
        body = client.get(url).content.decode()
        assert "Istri Almarhum" in body, f"{role} {channel}"
        for field, forms in values.items():
            verdict = HEIR_POLICY.rule(actor, field)
            present = [f for f in forms if f in body]
            if verdict == "show" and channel in HEIR_CARRIES[field]:
                assert present, f"{role} should see heir {field} on {channel}"
            if verdict in ("hide", "mask"):
                assert not present, f"{role} sees heir {field} on {channel}"
            if verdict == "mask":
                assert HEIR_POLICY.present(actor, field, nik) in body


@pytest.mark.parametrize("role", ROLES)
def test_case_amounts_follow_the_wage_rule_on_every_channel(client, world, role):
    """A JKK amount is a multiple of the wage (48x for a death from a work accident): a role that may not see the
    wage sees no per-case amount on the page, the list, its exports or the API."""
    import datetime as dt

    from sijaga.accounts.actor import Actor
    from sijaga.benefits.services import load_benefit_rules, record_case

    load_benefit_rules()
    site = world.sites["A"]  # wage Rp4.000.000
    case = record_case(world.users["coordinator"], worker_id=site.worker.pk, event_type="work_accident",
                       outcome="death", event_date=dt.date(2025, 6, 1), cause="Jatuh dari tangga")  # fmt: skip
    assert case.entitlement >= 48 * 4_000_000
    shown = {"192.000.000", "192000000"}  # 48 x the wage, as the page and as the exports write it
    client.force_login(world.users[role])
    actor = Actor.of(world.users[role])
    visible = CASE_POLICY.visible(actor, "entitlement")
    assert visible == MEMBERSHIP_POLICY.visible(actor, "wage")  # the same people see the wage and its multiples
    urls = [f"/manfaat/{case.pk}/", "/manfaat/", "/manfaat/kasus.csv", "/manfaat/kasus.json",
            f"/api/benefits/cases/{case.pk}", "/api/benefits/cases/"]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{role} {url}: {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        body = body.decode()
        assert case.number in body, f"{role} {url}"
        found = [s for s in shown if s in body]
        assert bool(found) == visible, f"{role} {url}: amounts {'missing' if visible else 'leak'}"
