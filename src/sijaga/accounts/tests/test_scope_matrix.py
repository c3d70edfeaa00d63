"""Cross-region access matrix: every role × every endpoint × a foreign region (UU PDP 27/2022).

The endpoint table below is checked against the URL configuration and the API's routes, so a new endpoint that is
not classified here fails the suite: nobody can add an endpoint and forget its scope.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from sijaga.api import api
from sijaga.testing import PASSWORD, make_nik

pytestmark = pytest.mark.django_db

ROLES = ["province_admin", "regency_operator", "village_operator", "bpjs_officer", "auditor"]

# Endpoints that address one object: a foreign object must answer 404 (never 403: existence is not disclosed).
# (name, method, url template, object kind, JSON body or form data)
STATUS_BODY = {"to_status": "active", "reason": "x"}
TERMS_BODY = {"wage": 5_000_000, "reason": "x"}
OBJECT_ENDPOINTS = [
    ("web worker detail", "get", "/pekerja/{worker}/", "worker", None),
    ("web worker edit", "get", "/pekerja/{worker}/ubah/", "worker", None),
    ("web worker edit post", "post", "/pekerja/{worker}/ubah/", "worker", {"full_name": "Diubah", "reason": "x"}),
    ("web payer edit", "get", "/kepesertaan/pembayar/{payer}/ubah/", "payer", None),
    ("web payer edit post", "post", "/kepesertaan/pembayar/{payer}/ubah/", "payer", {"name": "Diubah"}),
    ("api payer patch", "patch", "/api/payers/{payer}", "payer", {"name": "Diubah"}),
    ("api membership terms", "patch", "/api/memberships/{membership}/terms", "membership", {"wage": 5_000_000,
                                                                                           "reason": "x"}),
    ("web add membership", "get", "/kepesertaan/tambah/{worker}/", "worker", None),
    ("web add membership post", "post", "/kepesertaan/tambah/{worker}/", "worker", {"payer": "1"}),
    ("web status change", "post", "/kepesertaan/{membership}/status/", "membership", STATUS_BODY),
    ("web card", "get", "/kepesertaan/{membership}/kartu.pdf", "membership", None),
    ("api worker detail", "get", "/api/workers/{worker}", "worker", None),
    ("api worker patch", "patch", "/api/workers/{worker}", "worker", {"full_name": "Diubah"}),
    ("api membership detail", "get", "/api/memberships/{membership}", "membership", None),
    ("api membership status", "post", "/api/memberships/{membership}/status", "membership", STATUS_BODY),
    ("api card", "get", "/api/memberships/{membership}/card.pdf", "membership", None),
    ("api payer detail", "get", "/api/payers/{payer}", "payer", None),
    ("api enrol existing foreign worker", "post", "/api/memberships/", "worker_in_body", None),
    ("web import batch", "get", "/unggah/{batch}/", "batch", None),
    ("web import confirm", "post", "/unggah/{batch}/impor/", "batch", {}),
    ("web import retry", "post", "/unggah/{batch}/ulang/", "batch", {}),
    ("web import report", "get", "/unggah/{batch}/laporan.xlsx", "batch", None),
    ("api import batch", "get", "/api/imports/{batch}", "batch", None),
    ("api import confirm", "post", "/api/imports/{batch}/import", "batch", {}),
    ("api import retry", "post", "/api/imports/{batch}/retry", "batch", {}),
    ("api import report", "get", "/api/imports/{batch}/report.xlsx", "batch", None),
    ("web payer statement", "get", "/iuran/tagihan/{payer}/2025-01.xlsx", "payer", None),
    ("web payer statement pdf", "get", "/iuran/tagihan/{payer}/2025-01.pdf", "payer", None),
    ("web region contributions json", "get", "/iuran/wilayah/{region}.json", "region", None),
    ("web region contributions csv", "get", "/iuran/wilayah/{region}.csv", "region", None),
    ("web compliance checklist", "get", "/kepatuhan/wilayah/{regency}/2026/", "regency", None),
    ("web compliance declare", "post", "/kepatuhan/wilayah/{regency}/2026/", "regency", {"item": "rkpd", "met": "0"}),
    ("web payer detail", "get", "/kepesertaan/pembayar/{payer}/", "payer", None),
    ("web benefit case", "get", "/manfaat/{case}/", "case", None),
    ("web benefit claim", "post", "/manfaat/{case}/klaim/", "case", {"action": "rejudge"}),
    ("web benefit record", "get", "/manfaat/catat/{worker}/", "worker", None),
    ("web benefit record post", "post", "/manfaat/catat/{worker}/", "worker", {"event_type": "death",
                                                                                "event_date": "2025-06-01",
                                                                                "cause": "x"}),
    ("api benefit case", "get", "/api/benefits/cases/{case}", "case", None),
    ("api benefit claim", "post", "/api/benefits/cases/{case}/claim", "case", {"action": "rejudge"}),
    ("api benefit case for foreign worker", "post", "/api/benefits/cases/", "benefit_worker_in_body", None),
    ("web budget plan", "get", "/anggaran/rencana/{plan}/", "plan", None),
    ("web budget plan edit", "get", "/anggaran/simulasi/?rencana={plan}", "plan", None),
    ("web budget allocation", "get", "/anggaran/alokasi/{allocation}/", "allocation", None),
    ("web budget evidence", "get", "/anggaran/alokasi/{allocation}/bukti", "allocation", None),
    ("web budget review", "post", "/anggaran/alokasi/{allocation}/tinjau/", "allocation", {"decision": "verify"}),
    ("api budget allocation", "get", "/api/budget/allocations/{allocation}", "allocation", None),
    ("api budget review", "post", "/api/budget/allocations/{allocation}/review", "allocation", {"approve": True}),
]  # fmt: skip


def _case_of(world, key):
    """A work-accident case (temporary incapacity: the membership stays open) of the site's worker, made once."""
    import datetime as dt

    from sijaga.benefits.models import BenefitCase
    from sijaga.benefits.services import load_benefit_rules, record_case

    site = world.sites[key]
    found = BenefitCase.objects.filter(worker=site.worker).first()
    if found is not None:
        return found.pk
    load_benefit_rules()
    return record_case(world.users["coordinator"], worker_id=site.worker.pk, event_type="work_accident",
                       outcome="temporary", incapacity_months=2, event_date=dt.date(2025, 6, 1),
                       cause=f"Kecelakaan kerja situs {key}").pk  # fmt: skip


def _urls(world, key, template):
    site = world.sites[key]
    kw = {
        "worker": site.worker.pk,
        "membership": site.membership.pk,
        "payer": site.payer.pk,
        "batch": site.batch.pk,
        "region": site.regency,
        "regency": site.regency,
    }
    if "{case}" in template:
        kw["case"] = _case_of(world, key)
    if "{plan}" in template or "{allocation}" in template:
        kw.update(_budget_objects(world, site))
    return template.format(**kw)


# Endpoints that list or search: the foreign worker must not appear, and counts must not include it.
LIST_ENDPOINTS = [
    ("web worker list", "/pekerja/?q={nik}"),
    ("web worker list by name", "/pekerja/?q={name}"),
    ("web worker list by region", "/pekerja/?region={regency}"),
    ("web worker export", "/pekerja/ekspor.xlsx?q={nik}"),
    ("web nik check", "/pekerja/cek-nik/?nik={nik}"),
    ("web home counts", "/"),
    ("web payer list", "/kepesertaan/pembayar/"),
    ("web enrol form payers", "/kepesertaan/daftar/"),
    ("web domicile autocomplete", "/pekerja/pilih-domisili/?domicile_q={village_name}"),
    ("web payer picker", "/kepesertaan/pembayar/pilih/?payer_q=Pemerintah"),
    ("web payer picker all", "/kepesertaan/pembayar/pilih/"),
    ("web upload target picker", "/unggah/pilih-sasaran/?target_q=Pemerintah"),
    ("web worker list by region name", "/pekerja/?region={village_name}"),
    ("web access log", "/audit/"),
    ("web access log by user", "/audit/?user=op&action=search"),
    ("api worker list", "/api/workers/?q={nik}"),
    ("api worker list all", "/api/workers/?limit=500"),
    ("api membership list", "/api/memberships/?limit=500"),
    ("api payer list", "/api/payers/?limit=500"),
    ("api nik check", "/api/workers/nik-check?nik={nik}"),
    ("admin workers", "/admin/registry/worker/?q={nik}"),
    ("admin memberships", "/admin/enrollment/membership/"),
    ("admin payers", "/admin/enrollment/payer/"),
    ("web import history", "/unggah/"),
    ("admin import batches", "/admin/imports/importbatch/"),
    ("api import list", "/api/imports/?limit=500"),
    ("api bill list", "/api/contributions/bills/?limit=500"),
    ("web arrears list", "/iuran/tunggakan/"),
    ("web arrears list of a payer", "/iuran/tunggakan/?pembayar=1"),
    ("web region page contributions", "/wilayah/{regency}/"),
    ("web construction projects", "/kepesertaan/proyek/"),
    ("api construction projects", "/api/projects/?limit=500"),
    ("web compliance scorecard", "/kepatuhan/"),
    ("web compliance scorecard of a province", "/kepatuhan/?induk=65"),
    ("web compliance scorecard json", "/kepatuhan/skor.json?induk=65"),
    ("web compliance scorecard csv", "/kepatuhan/skor.csv"),
    ("web compliance scorecard xlsx", "/kepatuhan/skor.xlsx"),
    ("web compliance inpres", "/kepatuhan/inpres/"),
    ("web compliance meetings", "/kepatuhan/rapat/"),
    ("web compliance reports", "/kepatuhan/laporan/"),
    ("api compliance scorecard", "/api/compliance/scorecard?parent=65"),
    ("api compliance reports", "/api/compliance/reports/"),
    ("web benefit cases", "/manfaat/"),
    ("web benefit cases export", "/manfaat/kasus.csv"),
    ("web benefits paid", "/manfaat/dibayar/?semester=2025-S1"),
    ("web benefits paid export", "/manfaat/dibayar.json?semester=2025-S1"),
    ("api benefit cases", "/api/benefits/cases/?limit=500"),
    ("api benefits paid", "/api/benefits/paid?start=2020-01-01&end=2030-12-31"),
    ("api benefits exposure", "/api/benefits/exposure"),
    ("web budget home", "/anggaran/?tahun=2027"),
    ("web budget lists", "/anggaran/daftar/?tahun=2027&daftar=semua"),
    ("web budget lists json", "/anggaran/daftar.json?tahun=2027&daftar=semua"),
    ("web budget lists xlsx", "/anggaran/daftar.xlsx?tahun=2027&daftar=semua"),
    ("api budget status", "/api/budget/status?year=2027"),
    ("api budget allocations", "/api/budget/allocations/by-region?year=2027"),
]

# Endpoints that create: creating in a foreign region is refused.
CREATE_ENDPOINTS = [
    "api create worker",
    "api create payer",
    "web create payer",
    "api enrol new worker",
    "web enrol",
    "api import upload",
    "web import upload",
    "api record payment",
    "web record payment",
    "api create project",
    "web create project",
    "api benefit case with foreign employer",
    "web save budget plan",
    "web record budget allocation",
    "api price budget",
    "api save budget plan",
    "api record budget allocation",
]

# Everything else the site serves, with the reason it needs no scope test.
NOT_PERSONAL = {
    "/": "home (its counts are in LIST_ENDPOINTS)",
    "admin/": "Django admin (scoped querysets tested in LIST_ENDPOINTS)",
    "i18n/": "language switch",
    "akun/": "login/logout/password views",
    "wilayah/": "public region hierarchy",
    "sehat/": "health check without personal data",
    "robots.txt": "crawler rules, no data",
    "v/<str:token>/": "public card verification: masked data by unguessable token (tested in test_verification)",
    "/api/regions/": "public region hierarchy",
    "/api/verify/{token}": "public card verification (masked)",
    "/api/docs": "OpenAPI",
    "/api/openapi.json": "OpenAPI",
    "unggah/templat.": "empty import templates",
    "/api/imports/template.xlsx": "empty import template",
    "iuran/tarif/": "public contribution rates with their citations (regulation, no personal or regional data)",
    "/api/contributions/rates/": "public contribution rates with their citations",
    "iuran/hitung/": "contribution calculator for logged-in users: prices the figures typed in, reads and stores no "
    "personal data (tested in contributions/tests/test_web.py)",
    "/api/contributions/calculate": "contribution calculator for logged-in users: no personal data, stores nothing",
    "/api/benefits/rules/": "public benefit figures and liability rules with their citations",
    "anggaran/beli/": "what a budget buys: prices the amount typed in at default incomes, reads no regional or "
    "personal data, stores nothing (tested in budget/tests/test_web.py)",
    "cakupan/": "coverage aggregates (counts per region, no person; every signed-in role reads them nationally; the "
    "public page suppresses cells under 5); target writes are refused outside the actor's regions "
    "(coverage/tests/test_web.py::test_target_outside_scope_is_refused)",
    "/api/coverage/": "coverage aggregates, as the pages (no personal data)",
}

# Compliance objects addressed by id (checklist entries, evidence, meetings, follow-ups, reports): role × foreign
# region × every route below in sijaga/compliance/tests/test_scope.py (built on this module's `world`).
TESTED_IN_APP = {
    "kepatuhan/isian/<int:pk>/verifikasi/": "compliance/tests/test_scope.py",
    "kepatuhan/bukti/<int:pk>/": "compliance/tests/test_scope.py",
    "kepatuhan/rapat/<int:pk>/": "compliance/tests/test_scope.py",
    "kepatuhan/tindak-lanjut/<int:pk>/": "compliance/tests/test_scope.py",
    "kepatuhan/laporan/<int:pk>/": "compliance/tests/test_scope.py",
    "kepatuhan/laporan/<int:pk>/ulang/": "compliance/tests/test_scope.py",
    "kepatuhan/laporan/<int:pk>.<str:fmt>": "compliance/tests/test_scope.py",
    "/api/compliance/reports/{report_id}": "compliance/tests/test_scope.py",
    "/api/compliance/reports/": "compliance/tests/test_scope.py (request in a foreign province is refused)",
    "kepatuhan/skor.<str:fmt>": "LIST_ENDPOINTS 'web compliance scorecard json/csv/xlsx'",
    "kepatuhan/wilayah/<str:code>/<int:year>/": "OBJECT_ENDPOINTS 'web compliance checklist/declare'",
}


def _login(client, world, role):
    client.force_login(world.users[role])
    world.users[role].is_staff = True  # give the admin a chance to leak, too
    world.users[role].save()
    from django.contrib.auth.models import Permission

    world.users[role].user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["registry", "enrollment", "imports"])
    )
    return client


def _budget_objects(world, site) -> dict:
    """A budget plan and an allocation (with evidence) of the site's regency, made once per site."""
    if not hasattr(site, "_budget"):
        import datetime as dt

        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.utils import timezone

        from sijaga.budget import services as budget
        from sijaga.budget.models import BudgetPlan

        coordinator = world.users["coordinator"]
        plan = BudgetPlan.objects.create(region_id=site.regency, year=2027, title=f"Rencana {site.regency}",
                                         created_at=timezone.now(), created_by=coordinator)  # fmt: skip
        allocation = budget.record_allocation(
            coordinator, region_code=site.regency, year=2027, document_type="perda_apbd",
            document_number=f"DOK-{site.regency}", document_date=dt.date(2026, 12, 1), account_code="5.1",
            amount=1_000_000, evidence=SimpleUploadedFile("bukti.pdf", b"%PDF-1.4\n%%EOF\n"),
        )  # fmt: skip
        site._budget = {"plan": plan.pk, "allocation": allocation.pk}
    return site._budget


def _foreign(world, role):
    """Sites this role must not see: B (another province) always; C (sibling regency) below province level."""
    return ["B"] if role == "province_admin" else ["B", "C"]


def _request(client, method, url, body):
    if method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")
    return client.post(url, body or {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS, ids=[e[0] for e in OBJECT_ENDPOINTS])
def test_foreign_object_is_404(client, world, role, endpoint):
    name, method, template, kind, body = endpoint
    _login(client, world, role)
    for key in _foreign(world, role):
        site = world.sites[key]
        if kind == "worker_in_body":
            body = {"worker_id": site.worker.pk, "payer_id": world.sites["A"].payer.pk, "segment": "pu",
                    "programmes": ["jkk", "jkm"], "wage": 3_000_000, "start_date": "2026-01-01"}  # fmt: skip
            url = template
        elif kind == "benefit_worker_in_body":
            body = {"worker_id": site.worker.pk, "event_type": "death", "event_date": "2025-06-01", "cause": "x"}
            url = template
        else:
            url = _urls(world, key, template)
        response = _request(client, method, url, body)
        assert response.status_code == 404, f"{role} {name} site {key}: {response.status_code}"
    # ... while the user's own objects are reachable for reading
    own_hidden = (
        "payer",
        "batch",
        "region",
        "regency",
        "plan",
        "allocation",
    )  # a village operator sees its village's only
    if method == "get" and "in_body" not in kind and not (role == "village_operator" and kind in own_hidden):
        url = _urls(world, "A", template)
        from sijaga.accounts.services import scope_for

        scope = scope_for(world.users[role])
        forbidden = {
            "web add membership": not scope.can_write,
            "web worker edit": not scope.can_write,
            "web payer edit": not scope.can_manage_payers,
            "web import report": not scope.can_write,
            "api import report": not scope.can_write,
            "web payer statement": scope.role == "auditor",  # amounts reveal the wage, which auditors do not see
            "web payer statement pdf": scope.role == "auditor",
            "web benefit record": not scope.can_write,
            "web budget plan edit": False,
        }
        expected = 403 if forbidden.get(name, False) else 200
        assert client.get(url).status_code == expected, f"{role} {name} own object"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=[e[0] for e in LIST_ENDPOINTS])
def test_foreign_worker_never_listed(client, world, role, endpoint):
    from sijaga.regions.models import Region

    name, template = endpoint
    _login(client, world, role)
    if "manfaat" in template or "benefits" in template:
        for key in world.sites:
            _case_of(world, key)
    for key in _foreign(world, role):
        site = world.sites[key]
        url = template.format(
            nik=site.worker.nik,
            name=site.worker.full_name.replace(" ", "+"),
            regency=site.regency,
            village_name=Region.objects.get(code=site.village).name.replace(" ", "+"),
        )
        response = client.get(url)
        assert response.status_code in (200, 302, 403), f"{role} {name}: {response.status_code}"
        body = _content(response)
        # the page may echo the user's own search term (search box, pager links): that is not a leak
        from urllib.parse import quote_plus

        for term in (site.worker.nik, site.worker.full_name):
            if quote_plus(term) in url:
                for echo in (
                    f'value="{term}"',
                    f'"nik": "{term}"',
                    f'"nik":"{term}"',
                    f"q={quote_plus(term)}",
                    f"q%3D{quote_plus(quote_plus(term))}",
                ):
                    body = body.replace(echo, "")
        for secret in (
            site.worker.nik,
            site.worker.full_name,
            site.membership.number,
            site.payer.name,
            site.village,
        ):
            assert secret not in body, f"{role} {name} leaks {secret!r} of site {key}"
        if "/api/workers/?q=" in template or "/pekerja/?q=" in template:
            assert _count(response) == 0


def _content(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        import io

        import polars as pl

        raw = b"".join(response.streaming_content) if response.streaming else response.content
        frame = pl.read_excel(io.BytesIO(raw))
        return frame.write_csv()
    return response.content.decode()


def _count(response) -> int:
    if response["Content-Type"].startswith("application/json"):
        return response.json()["count"]
    import re

    match = re.search(r"(\d+) tenaga kerja", response.content.decode())
    return int(match.group(1)) if match else -1


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", CREATE_ENDPOINTS)
def test_create_in_foreign_region_is_refused(client, world, role, endpoint):
    from sijaga.registry.models import Worker

    _login(client, world, role)
    site = world.sites["B"]
    nik = make_nik("65.01.01", __import__("datetime").date(1991, 1, 1), "L", 4321)
    worker = {"nik": nik, "full_name": "Orang Asing", "birth_date": "1991-01-01", "gender": "L",
              "domicile_code": site.village, "category": "non_asn"}  # fmt: skip
    if endpoint == "api create worker":
        r = client.post("/api/workers/", data=json.dumps(worker), content_type="application/json")
        assert r.status_code == 403
    elif endpoint == "api create payer":
        payer = {
            "code": "asing",
            "name": "Asing",
            "kind": "pemkab",
            "region_code": "65.01",
            "funding_source": "apbd",
        }
        r = client.post("/api/payers/", data=json.dumps(payer), content_type="application/json")
        assert r.status_code == 403
        assert not __import__("sijaga.enrollment.models").enrollment.models.Payer.objects.filter(code="asing").exists()
    elif endpoint == "web create payer":
        from sijaga.enrollment.models import Payer

        payer = {"code": "asing", "name": "Asing", "kind": "pemkab", "region": "65.01", "funding_source": "apbd"}
        r = client.post("/kepesertaan/pembayar/tambah/", payer)
        assert r.status_code in (200, 403)  # form redisplayed with the refusal, or the role may not add payers
        assert not Payer.objects.filter(code="asing").exists()
    elif endpoint == "api enrol new worker":
        body = {"worker": worker, "payer_id": site.payer.pk, "segment": "pu", "programmes": ["jkk", "jkm"],
                "wage": 3_000_000, "start_date": "2026-01-01"}  # fmt: skip
        r = client.post("/api/memberships/", data=json.dumps(body), content_type="application/json")
        assert r.status_code == 403
    elif endpoint == "api record payment":
        from sijaga.contributions.models import Payment

        body = {"payer_id": site.payer.pk, "amount": 1000, "paid_on": "2026-01-05", "reference": "ASING-1"}
        r = client.post("/api/contributions/payments/", data=json.dumps(body), content_type="application/json")
        assert r.status_code == 403
        assert not Payment.objects.exists()
    elif endpoint == "web record payment":
        from sijaga.contributions.models import Payment

        form = {"payer": site.payer.pk, "amount": "1000", "paid_on": "2026-01-05", "reference": "ASING-2"}
        r = client.post("/iuran/bayar/", form)
        assert r.status_code in (200, 403)  # the payer is not offered to this user, or the role may not record
        assert not Payment.objects.exists()
    elif endpoint in ("api create project", "web create project"):
        from sijaga.enrollment.models import ConstructionProject

        data = {"name": "Asing", "contract_value": 750_000_000, "work_order_date": "2026-03-02",
                "start_date": "2026-03-09", "end_date": "2026-09-30", "priced_on": "contract"}  # fmt: skip
        if endpoint == "api create project":
            body = {"payer_id": site.payer.pk, **data}
            r = client.post("/api/projects/", data=json.dumps(body), content_type="application/json")
            assert r.status_code == 403
        else:
            r = client.post("/kepesertaan/proyek/", {"payer": site.payer.pk, **data})
            assert r.status_code in (200, 403)  # the payer is not offered to this user, or the role may not write
        assert not ConstructionProject.objects.exists()
    elif endpoint == "api benefit case with foreign employer":
        from sijaga.benefits.models import BenefitCase

        body = {"worker_id": world.sites["A"].worker.pk, "payer_id": site.payer.pk, "event_type": "death",
                "event_date": "2025-06-01", "cause": "x"}  # fmt: skip
        r = client.post("/api/benefits/cases/", data=json.dumps(body), content_type="application/json")
        assert r.status_code == 403
        assert not BenefitCase.objects.exists()
    elif endpoint == "web save budget plan":
        from sijaga.budget.models import BudgetPlan

        form = {"region": site.regency, "year": "2027", "programmes": ["jkk", "jkm"], "rt_rw_people": "5",
                "rt_rw_income": "1000000", "rt_rw_source": "apbd"}  # fmt: skip
        r = client.post("/anggaran/simulasi/", form)
        assert r.status_code == 200  # redisplayed with the refusal
        assert not BudgetPlan.objects.filter(region_id=site.regency).exists()
    elif endpoint == "web record budget allocation":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from sijaga.budget.models import BudgetAllocation

        form = {"region": site.regency, "year": "2027", "document_type": "perda_apbd", "document_number": "ASING",
                "document_date": "2026-12-01", "account_code": "5", "amount": "1000",
                "evidence": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n")}  # fmt: skip
        r = client.post("/anggaran/alokasi/baru/", form)
        assert r.status_code in (200, 403)  # redisplayed with the refusal, or the role may not record
        assert not BudgetAllocation.objects.filter(region_id=site.regency).exists()
    elif endpoint in ("api price budget", "api save budget plan"):
        from sijaga.budget.models import BudgetPlan

        body = {"region": site.regency, "year": 2027, "programmes": ["jkk", "jkm"],
                "targets": [{"category": "rt_rw", "people": 5, "income": 1_000_000, "source": "apbd"}]}  # fmt: skip
        url = "/api/budget/price" if endpoint == "api price budget" else "/api/budget/plans"
        r = client.post(url, data=json.dumps(body), content_type="application/json")
        assert r.status_code == 403, f"{role} {url}: {r.status_code}"
        assert not BudgetPlan.objects.filter(region_id=site.regency).exists()
    elif endpoint == "api record budget allocation":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from sijaga.budget.models import BudgetAllocation

        form = {"region": site.regency, "year": "2027", "document_type": "perda_apbd", "document_number": "ASING",
                "document_date": "2026-12-01", "account_code": "5", "amount": "1000",
                "evidence": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n")}  # fmt: skip
        r = client.post("/api/budget/allocations", form)
        assert r.status_code == 403, f"{role}: {r.status_code}"
        assert not BudgetAllocation.objects.filter(region_id=site.regency).exists()
    elif endpoint in ("api import upload", "web import upload"):
        import io

        data = io.BytesIO(
            f"NIK;Nama;Kode Desa;Kategori;Segmen;Program;Upah;Tanggal Mulai\n{nik};X;{site.village};"
            "non_asn;PU;JKK+JKM;3000000;01/01/2026\n".encode()
        )
        data.name = "asing.csv"
        if endpoint == "api import upload":
            r = client.post("/api/imports/", {"file": data, "payer_code": site.payer.code})
            assert r.status_code == 403
        else:
            r = client.post("/unggah/", {"file": data, "payer": site.payer.pk})
            assert r.status_code in (200, 403)  # payer not offered to this user, or the role may not upload
        from sijaga.imports.models import ImportBatch

        assert not ImportBatch.objects.filter(file_name="asing.csv").exists()
    else:
        form = {"nik": nik, "full_name": "Orang Asing", "birth_date": "1991-01-01", "gender": "L",
                "domicile": site.village, "category": "non_asn", "payer": site.payer.pk, "segment": "pu",
                "programmes": ["jkk", "jkm"], "wage": "3000000", "start_date": "2026-01-01"}  # fmt: skip
        r = client.post("/kepesertaan/daftar/", form)
        assert r.status_code in (
            200,
            403,
        )  # form redisplayed with the error, or the role may not enrol at all
    assert not Worker.objects.filter(nik=nik).exists()


def test_coordinator_sees_every_region(client, world):
    client.force_login(world.users["coordinator"])
    listed = client.get("/api/workers/?limit=100").json()
    assert {w["id"] for w in listed["items"]} == {s.worker.pk for s in world.sites.values()}
    for site in world.sites.values():
        assert client.get(f"/pekerja/{site.worker.pk}/").status_code == 200


def test_anonymous_gets_nothing(client, world):
    site = world.sites["A"]
    for url in ("/pekerja/", f"/pekerja/{site.worker.pk}/", "/pekerja/ekspor.xlsx", "/kepesertaan/daftar/"):
        assert client.get(url).status_code == 302  # to the login page
    for url in ("/api/workers/", f"/api/workers/{site.worker.pk}", "/api/memberships/", "/api/payers/"):
        assert client.get(url).status_code == 401


def test_auditor_sees_masked_niks_and_cannot_write(client, world):
    site = world.sites["A"]
    client.force_login(world.users["auditor"])
    detail = client.get(f"/api/workers/{site.worker.pk}").json()
    assert detail["nik"] == site.worker.nik[:6] + "******" + site.worker.nik[-4:]
    assert detail["birth_date"] is None
    page = client.get(f"/pekerja/{site.worker.pk}/").content.decode()
    assert site.worker.nik not in page
    r = client.patch(f"/api/workers/{site.worker.pk}", data='{"full_name": "X"}', content_type="application/json")
    assert r.status_code == 403


def test_every_access_to_personal_data_is_audited(client, world):
    from sijaga.accounts.models import AccessLog

    site = world.sites["A"]
    client.force_login(world.users["regency_operator"])
    before = AccessLog.objects.count()
    client.get(f"/pekerja/{site.worker.pk}/")
    client.get("/pekerja/")
    client.get("/pekerja/ekspor.xlsx")
    client.get(f"/api/workers/{site.worker.pk}")
    client.get(f"/kepesertaan/{site.membership.pk}/kartu.pdf")
    logs = list(AccessLog.objects.order_by("id")[before:].values_list("action", "channel", "object_type"))
    assert logs == [
        ("view", "web", "worker"), ("search", "web", "worker"), ("export", "web", "worker"),
        ("view", "api", "worker"), ("card", "web", "membership"),
    ]  # fmt: skip
    assert all(log.user == world.users["regency_operator"] for log in AccessLog.objects.order_by("id")[before:])


def _web_prefixes() -> set[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield route

    return set(walk(get_resolver().url_patterns))


def test_every_endpoint_is_classified():
    """Fails when someone adds a URL or an API route that this matrix does not cover."""
    covered = [t for _, _, t, _, _ in OBJECT_ENDPOINTS] + [t.split("?")[0] for _, t in LIST_ENDPOINTS]
    covered += [
        "/api/workers/",
        "/api/payers/",
        "/api/memberships/",
        "/kepesertaan/daftar/",
        "/kepesertaan/pembayar/tambah/",
        "/api/contributions/payments/",
        "/iuran/bayar/",
        "/iuran/tagihan/<payer>/<month>.xlsx",  # "web payer statement" above, for one month
        "/iuran/tagihan/<payer>/<month>.pdf",  # "web payer statement pdf" above
        "/iuran/wilayah/<code>.<fmt>",  # "web region contributions json/csv" above
        "/api/projects/",
        "/api/projects/{project_id}/memberships",  # attach: tested in contributions/tests/test_projects.py
        "/manfaat/kasus.<fmt>",  # "web benefit cases export" (csv; xlsx and json are the same query)
        "/manfaat/dibayar.<fmt>",  # "web benefits paid export"
        "/anggaran/simulasi/",
        "/anggaran/alokasi/baru/",
        "/anggaran/daftar.<fmt>",  # "web budget lists json/xlsx" above (csv: the same query)
        "/api/budget/price",
        "/api/budget/plans",
        "/api/budget/allocations",
    ]  # CREATE_ENDPOINTS

    import re

    def norm(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{x}", path.split("?")[0]).lstrip("/")

    covered += list(TESTED_IN_APP)
    covered_norm = {norm(c) for c in covered}
    public = [norm(k) for k in NOT_PERSONAL if k != "/"]

    def is_covered(route: str) -> bool:
        n = norm(route)
        return n == "" or n in covered_norm or any(n.startswith(p) for p in public)

    web = {r for r in _web_prefixes() if not r.startswith("api/")}
    api_routes = set()
    for prefix, router in api._routers:
        for path in router.path_operations:
            api_routes.add(("/api" + prefix.rstrip("/") + "/" + path.lstrip("/")).replace("//", "/"))
    unclassified = sorted(
        r for r in web | api_routes if not is_covered(r.lstrip("/") if r.startswith("/api") is False else r)
    )
    assert not unclassified, f"endpoints missing from the scope matrix: {unclassified}"


def test_login_with_password_works(client, world):
    assert client.login(username="op.balikpapan", password=PASSWORD)


# --- direct service calls: the scope lives in the services, so calling them directly is refused too -----------------


def _service_calls(world, site):
    import datetime as dt

    from sijaga.enrollment import services as enrollment
    from sijaga.registry import services as registry

    return {
        "update_worker": lambda a: registry.update_worker(a, site.worker, {"full_name": "Diubah"}),
        "change_status": lambda a: enrollment.change_status(a, site.membership, "active", reason="x"),
        "change_terms": lambda a: enrollment.change_terms(a, site.membership, {"wage": 5_000_000}, reason="x"),
        "card_pdf": lambda a: enrollment.card_pdf(a, site.membership),
        "update_payer": lambda a: enrollment.update_payer(a, site.payer, {"name": "Diubah"}),
        "enrol with foreign payer": lambda a: enrollment.enrol(
            a,
            worker=world.sites["A"].worker,
            payer_id=site.payer.pk,
            segment="pu",
            programmes=["jkk", "jkm"],
            wage=3_000_000,
            start_date=dt.date(2026, 1, 1),
        ),
        "create payer in foreign region": lambda a: enrollment.create_payer(
            a,
            {
                "code": "asing-svc",
                "name": "Asing",
                "kind": "pemkab",
                "region_id": site.regency,
                "funding_source": "apbd",
            },
        ),
    }


SERVICE_CALLS = [
    "update_worker",
    "change_status",
    "change_terms",
    "card_pdf",
    "update_payer",
    "enrol with foreign payer",
    "create payer in foreign region",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("call", SERVICE_CALLS)
def test_services_refuse_foreign_objects(world, role, call):
    from django.core.exceptions import PermissionDenied

    from sijaga.accounts.actor import Actor
    from sijaga.core.exceptions import NotFound
    from sijaga.enrollment.models import Membership, Payer
    from sijaga.registry.models import Worker

    actor = Actor.of(world.users[role], channel="cli")
    for key in _foreign(world, role):
        site = world.sites[key]
        before = (
            Worker.objects.get(pk=site.worker.pk).full_name,
            Membership.objects.get(pk=site.membership.pk).wage,
            Payer.objects.get(pk=site.payer.pk).name,
            Membership.objects.count(),
            Payer.objects.count(),
        )
        with pytest.raises((PermissionDenied, NotFound)):
            _service_calls(world, site)[call](actor)
        after = (
            Worker.objects.get(pk=site.worker.pk).full_name,
            Membership.objects.get(pk=site.membership.pk).wage,
            Payer.objects.get(pk=site.payer.pk).name,
            Membership.objects.count(),
            Payer.objects.count(),
        )
        assert before == after, f"{role} {call} changed site {key}"
