"""`bench/generate.py`: the benchmarks' synthetic rows are valid for the enrolment import and use the demo's pools."""

import datetime as dt
import importlib.util
from pathlib import Path

import polars as pl
import pytest

from sijaga.demo.names import NAMES, PHONE_PREFIXES
from sijaga.demo.people import OCCUPATIONS
from sijaga.imports.columns import COLUMNS
from sijaga.regions.models import Region
from sijaga.registry.models import TargetCategory
from sijaga.registry.nik import parse_nik_column

pytestmark = pytest.mark.django_db

GENERATE = Path(__file__).resolve().parents[4] / "bench" / "generate.py"
REGENCY = "64.02"  # Kutai Kartanegara, as bench/import.py
ROWS = 1_000


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def frame(generator) -> pl.DataFrame:
    districts, villages = generator.regency_places(REGENCY)
    return generator.generate(ROWS, districts, villages)


@pytest.fixture
def rows(frame) -> pl.DataFrame:
    """The generated frame with the column keys (`nik`, `birth_date`…) instead of the template's headers."""
    return frame.rename({c.header: c.key for c in COLUMNS})


def test_rows_are_valid_for_the_enrolment_import(frame, rows):
    assert frame.columns == [c.header for c in COLUMNS]
    assert frame.height == ROWS
    row = rows.row(0, named=True)

    nik = rows.get_column("nik")
    assert nik.n_unique() == ROWS
    parsed = parse_nik_column(nik, today=dt.date(2026, 6, 30))
    assert parsed.get_column("valid").all(), parsed.filter(~pl.col("valid")).head(3)
    assert parsed.get_column("birth_date").dt.strftime("%d/%m/%Y").to_list() == rows.get_column("birth_date").to_list()
    assert parsed.get_column("gender").to_list() == rows.get_column("gender").to_list()

    domicile = rows.get_column("domicile")
    codes = domicile.unique().to_list()
    assert Region.objects.filter(level=4, is_current=True, code__in=codes).count() == len(codes)
    assert domicile.str.starts_with(REGENCY + ".").all()
    # the domicile is a village of the district that issued the NIK
    assert (parsed.get_column("district_code") == domicile.str.slice(0, 8)).all()

    labels = {str(label) for label in TargetCategory.labels}
    assert set(rows.get_column("category")) <= labels
    assert len(set(rows.get_column("category"))) == len(labels)  # every category drawn in 1,000 rows
    assert row["segment"] == "PU" and row["programmes"] == "JKK+JKM+JHT"
    wages = rows.get_column("wage").cast(pl.Int64)
    assert wages.min() >= 2_000_000 and wages.max() < 8_000_000
    starts = rows.get_column("start_date").str.to_date("%d/%m/%Y")
    assert starts.min() >= dt.date(2021, 4, 1) and starts.max() <= dt.date(2026, 1, 1)


def test_names_phones_and_occupations_come_from_the_demo(rows):
    first_names = {w for p in NAMES.values() for w in (*p.male, *p.female)}
    last_names = {w for p in NAMES.values() for w in (*p.male_last, *p.female_last)}
    for name in rows.get_column("full_name"):
        first, last = name.split(" ")
        assert first in first_names and last in last_names, name
    phones = rows.get_column("phone").drop_nulls()
    assert 0 < phones.len() < ROWS
    assert phones.str.len_chars().eq(12).all()
    assert set(phones.str.slice(0, 4)) <= set(PHONE_PREFIXES)
    occupations = {o.replace("_", " ") for values in OCCUPATIONS.values() for o in values}
    assert set(rows.get_column("occupation")) <= occupations


def test_generation_is_deterministic(generator, frame):
    districts, villages = generator.regency_places(REGENCY)
    assert generator.generate(ROWS, districts, villages).equals(frame)
    assert not generator.generate(ROWS, districts, villages, seed=7).equals(frame)
