"""Payer rules: funding source per kind, region level per kind, and village governments only on desa.

A kelurahan is an administrative unit of the regency/city government: it has no village budget (APBDes) and its
staff are paid from the regency/city APBD, so a `pemdes` payer can only sit on a desa or desa adat.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sijaga.accounts.services import create_user
from sijaga.enrollment.models import Payer
from sijaga.enrollment.services import create_payer
from sijaga.regions.models import Region

pytestmark = pytest.mark.django_db

KELURAHAN_MESSAGE = "Pemerintah desa harus berada di desa atau desa adat; kelurahan dibiayai APBD kabupaten/kota."


@pytest.fixture
def coordinator():
    return create_user("k", None, role="coordinator")


def village(kind: str) -> Region:
    region = Region.objects.filter(kind=kind, is_current=True).order_by("code").first()
    assert region is not None and region.level == 4, kind
    return region


def payer(kind: str, region: str, funding_source: str, code: str = "p-uji") -> Payer:
    return Payer(code=code, name=f"Pembayar uji {code}", kind=kind, region_id=region, funding_source=funding_source)


def data(kind: str, region: str, funding_source: str, code: str = "p-uji") -> dict[str, str]:
    return {
        "code": code,
        "name": f"Pembayar uji {code}",
        "kind": kind,
        "region_id": region,
        "funding_source": funding_source,
    }


# --- village governments: desa yes, kelurahan no ------------------------------------------------------------------


@pytest.mark.parametrize("funding_source", ["apbdes", "apbd"])
def test_clean_refuses_a_village_government_on_a_kelurahan(funding_source):
    kelurahan = village("kelurahan")
    with pytest.raises(ValidationError) as exc:
        payer("pemdes", kelurahan.code, funding_source).clean()
    assert exc.value.message_dict == {"region": [KELURAHAN_MESSAGE]}


def test_create_payer_refuses_a_village_government_on_a_kelurahan(coordinator):
    kelurahan = village("kelurahan")
    with pytest.raises(ValidationError) as exc:
        create_payer(coordinator, data("pemdes", kelurahan.code, "apbdes", "pemdes-kelurahan"))
    assert exc.value.message_dict["region"] == [KELURAHAN_MESSAGE]
    assert not Payer.objects.filter(code="pemdes-kelurahan").exists()


def test_a_kelurahan_in_a_city_and_in_a_regency_are_both_refused(coordinator):
    in_city = Region.objects.filter(kind="kelurahan", parent__parent__kind="kota").order_by("code").first()
    in_regency = Region.objects.filter(kind="kelurahan", parent__parent__kind="kabupaten").order_by("code").first()
    assert in_city is not None and in_regency is not None
    for region in (in_city, in_regency):
        with pytest.raises(ValidationError, match="kelurahan dibiayai APBD"):
            create_payer(coordinator, data("pemdes", region.code, "apbdes", f"pemdes-{region.code.replace('.', '-')}"))
    assert not Payer.objects.filter(kind="pemdes").exists()


@pytest.mark.parametrize("kind", ["desa", "desa_adat"])
def test_a_village_government_on_a_desa_is_accepted(coordinator, kind):
    desa = village(kind)
    payer("pemdes", desa.code, "apbdes").full_clean()
    created = create_payer(coordinator, data("pemdes", desa.code, "apbdes", f"pemdes-{desa.code.replace('.', '-')}"))
    assert created.pk and created.region_id == desa.code and created.kind == "pemdes"


def test_a_village_government_on_an_unknown_region_is_reported_not_crashed():
    with pytest.raises(ValidationError) as exc:
        payer("pemdes", "64.71.05.9999", "apbdes").full_clean()
    assert "region" in exc.value.message_dict
    assert KELURAHAN_MESSAGE not in exc.value.message_dict["region"]


def test_a_village_government_at_a_regency_is_refused_for_its_level():
    with pytest.raises(ValidationError) as exc:
        payer("pemdes", "64.71", "apbdes").clean()
    assert exc.value.message_dict == {"region": ["Tingkat wilayah tidak sesuai jenis pembayar."]}


def test_other_payer_kinds_may_sit_on_a_kelurahan(coordinator):
    kelurahan = village("kelurahan")
    for kind, funding in (("badan_usaha", "mandiri"), ("pihak_ketiga", "csr"), ("mandiri", "mandiri")):
        created = create_payer(coordinator, data(kind, kelurahan.code, funding, f"{kind.replace('_', '-')}-kel"))
        assert created.region_id == kelurahan.code


# --- levels ----------------------------------------------------------------------------------------------------------


def test_a_regency_government_on_a_regency_is_accepted(coordinator):
    payer("pemkab", "64.71", "apbd").full_clean()
    created = create_payer(coordinator, data("pemkab", "64.71", "apbd", "pemkab-64-71"))
    assert created.kind == "pemkab" and created.region_id == "64.71"


def test_a_province_government_on_a_regency_is_refused(coordinator):
    with pytest.raises(ValidationError) as exc:
        payer("pemprov", "64.71", "apbd").clean()
    assert exc.value.message_dict == {"region": ["Tingkat wilayah tidak sesuai jenis pembayar."]}
    with pytest.raises(ValidationError, match="Tingkat wilayah"):
        create_payer(coordinator, data("pemprov", "64.71", "apbd", "pemprov-64-71"))
    assert not Payer.objects.filter(kind="pemprov").exists()


# --- funding source per kind: the model and the database agree ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "region", "funding_source"),
    [
        ("pemkab", "64.71", "apbdes"),
        ("pemprov", "64", "csr"),
        ("mandiri", "64.71", "apbd"),
        ("badan_usaha", "64.71", "apbdes"),
    ],
)
def test_funding_that_does_not_match_the_kind_is_refused_by_clean_and_by_the_database(kind, region, funding_source):
    with pytest.raises(ValidationError) as exc:
        payer(kind, region, funding_source).clean()
    assert exc.value.message_dict == {"funding_source": ["Sumber dana tidak sesuai jenis pembayar."]}
    with pytest.raises(IntegrityError, match="payer_funding_matches_kind"), transaction.atomic():
        Payer.objects.create(
            code="p-db", name="Pembayar uji", kind=kind, region_id=region, funding_source=funding_source
        )
    assert not Payer.objects.filter(code="p-db").exists()


def test_village_government_funded_from_apbdes_on_a_desa_is_accepted_by_the_database():
    desa = village("desa")
    created = Payer.objects.create(
        code="p-db", name="Pemerintah Desa uji", kind="pemdes", region_id=desa.code, funding_source="apbdes"
    )
    assert created.pk
