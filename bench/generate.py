"""Synthetic workers and memberships for benchmarks: plausible, valid, deterministic, built with Polars expressions.

    from generate import generate, regency_places     # bench/ is on sys.path when a bench script runs
    districts, villages = regency_places("64.02")     # needs Django set up and the regions loaded
    frame = generate(1_000_000, districts, villages)  # the enrolment template's columns, all text

Every row is valid for the enrolment import: a NIK built from a real district code of the regency whose DDMMYY and
gender agree with the birth-date and gender columns (unique: district × birth date × serial block), a domicile that
is a real village of the NIK's district, a name, a phone number, a category (with its template label) and an
occupation of that category, segment PU with JKK+JKM+JHT, a wage and a start date from 04/2021. No loop over rows.

The name pools, phone prefixes, occupations and category weights are the demo's (``sijaga.demo``), not a second
copy: benchmark data and demo data look alike, and a change to one shows in both.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections import defaultdict
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

SEED = 2021
BIRTH_FIRST, BIRTH_LAST = dt.date(1961, 1, 1), dt.date(2007, 12, 31)  # 18–65 years old; one DDMMYY per date
FIRST_START, LAST_START = dt.date(2021, 4, 1), dt.date(2026, 1, 1)  # Inpres 2/2021 to a fixed month
WAGE_STEPS = 60  # wages Rp 2,000,000 + k × 100,000 for k < WAGE_STEPS
NO_PHONE_ONE_IN = 10  # one row in ten has no phone number


def rand(n: int, salt: int, modulo: int, seed: int = SEED) -> pl.Expr:
    """Deterministic pseudo-random integers in [0, modulo) from the row number (as in bench/nik.py).

    Plain integer arithmetic (Park–Miller rounds), not ``Expr.hash``, whose output changes between Polars versions.
    """
    m = 2**31 - 1
    x = (pl.int_range(0, n, dtype=pl.Int64) + seed * 1_000_003 + salt * 7_919) % m + 1
    for _ in range(3):
        x = x * 48_271 % m
    return x % modulo


def pick(values: list[str], index: pl.Expr) -> pl.Expr:
    """values[index] for every row, as an expression (a small lookup table, no Python loop over rows)."""
    return index.replace_strict(dict(enumerate(values)), return_dtype=pl.String)


def regency_places(regency: str) -> tuple[list[str], dict[str, list[str]]]:
    """District codes of the regency known to the NIK engine, and the village codes of each (from the database)."""
    from sijaga.regions.models import Region
    from sijaga.registry.nik import default_region_index

    known = default_region_index().districts
    villages: dict[str, list[str]] = defaultdict(list)
    for code in (
        Region.objects.filter(level=4, is_current=True, code__startswith=regency + ".")
        .order_by("code")
        .values_list("code", flat=True)
    ):
        villages[code[:8]].append(code)
    districts = sorted(d for d in villages if d in known)
    if not districts:
        raise SystemExit(f"no districts with villages under {regency}: are the regions loaded?")
    return districts, {d: villages[d] for d in districts}


def _offsets(groups: list[list[str]]) -> tuple[list[str], dict[int, int], dict[int, int]]:
    """Flatten `groups`; returns the flat list, where each group starts in it and how long each group is."""
    flat: list[str] = []
    offsets: dict[int, int] = {}
    counts: dict[int, int] = {}
    for i, group in enumerate(groups):
        offsets[i], counts[i] = len(flat), len(group)
        flat += group
    return flat, offsets, counts


def generate(n: int, districts: list[str], villages: dict[str, list[str]], *, seed: int = SEED) -> pl.DataFrame:
    """N valid enrolment rows in the template's columns (Indonesian headers), all text, Polars expressions only.

    Uniqueness of the NIK: row i gets district i mod D; q = i div D picks the birth date (a bijection of q mod
    the number of dates) and a block of serials (q div dates), so no two rows share district+date+serial.
    """
    from sijaga.demo.names import NAMES, PHONE_PREFIXES
    from sijaga.demo.people import CATEGORY_WEIGHTS, OCCUPATIONS
    from sijaga.imports.columns import COLUMNS
    from sijaga.registry.models import TargetCategory

    n_districts = len(districts)
    n_dates = (BIRTH_LAST - BIRTH_FIRST).days + 1
    stride = next(s for s in (7_919, 7_927, 7_933) if math.gcd(s, n_dates) == 1)
    blocks = -(-n // (n_districts * n_dates))
    serial_spread = 9_999 // blocks
    if serial_spread < 1:
        raise SystemExit(f"{n:,} rows do not fit in {n_districts} districts × {n_dates} dates × 9,999 serials")

    male = sorted({w for p in NAMES.values() for w in p.male})
    female = sorted({w for p in NAMES.values() for w in p.female})
    male_last = sorted({w for p in NAMES.values() for w in p.male_last})
    female_last = sorted({w for p in NAMES.values() for w in p.female_last})
    prefixes = list(PHONE_PREFIXES)

    village_list, village_offset, village_count = _offsets([villages[d] for d in districts])
    categories = list(CATEGORY_WEIGHTS)
    cumulative: list[int] = []
    for c in categories:
        cumulative.append((cumulative[-1] if cumulative else 0) + CATEGORY_WEIGHTS[c])
    labels = dict(TargetCategory.choices)
    occupations, occ_offset, occ_count = _offsets(
        [[o.replace("_", " ") for o in OCCUPATIONS[c]] for c in categories]  # as the demo writes them
    )

    months = (LAST_START.year - FIRST_START.year) * 12 + LAST_START.month - FIRST_START.month + 1
    i = pl.int_range(0, n, dtype=pl.Int64)
    base = pl.select(
        district=(i % n_districts).cast(pl.Int32),
        q=i // n_districts,
        female=rand(n, 1, 2, seed) == 1,
        r_first=rand(n, 2, 10_000, seed),
        r_last=rand(n, 3, 10_000, seed),
        r_village=rand(n, 4, 10_000, seed),
        r_phone=rand(n, 5, 100_000_000, seed),
        r_prefix=rand(n, 6, len(prefixes), seed),
        r_cat=rand(n, 7, cumulative[-1], seed),
        r_occ=rand(n, 8, 10_000, seed),
        r_wage=rand(n, 9, WAGE_STEPS, seed),
        r_start=rand(n, 10, months, seed),
        r_no_phone=rand(n, 11, NO_PHONE_ONE_IN, seed),
    )
    c = pl.col
    frame = base.with_columns(
        born=pl.lit(BIRTH_FIRST) + pl.duration(days=(c("q") % n_dates) * stride % n_dates),
        serial=(c("q") // n_dates) * serial_spread + (c("district") * 31 + c("q") * 17) % serial_spread + 1,
        cat=pl.sum_horizontal(*[(c("r_cat") >= w).cast(pl.Int32) for w in cumulative[:-1]]),
    )

    def pad(expr: pl.Expr, width: int) -> pl.Expr:
        return expr.cast(pl.String).str.zfill(width)

    def within(group: str, offsets: dict[int, int], counts: dict[int, int], draw: str) -> pl.Expr:
        """Index into a flattened list: the group's offset plus a draw modulo the group's length."""
        g = c(group)
        size = g.replace_strict(counts, return_dtype=pl.Int64)
        return g.replace_strict(offsets, return_dtype=pl.Int64) + c(draw) % size

    district_digits = pick([d.replace(".", "") for d in districts], c("district"))
    nik_day = c("born").dt.day() + pl.when(c("female")).then(40).otherwise(0)
    first = (
        pl.when(c("female"))
        .then(pick(female, c("r_first") % len(female)))
        .otherwise(pick(male, c("r_first") % len(male)))
    )
    last = (
        pl.when(c("female"))
        .then(pick(female_last, c("r_last") % len(female_last)))
        .otherwise(pick(male_last, c("r_last") % len(male_last)))
    )
    start_month = c("r_start") + (FIRST_START.month - 1)
    start = pl.date(FIRST_START.year + start_month // 12, start_month % 12 + 1, 1)
    by_key = {
        "nik": pl.concat_str(
            district_digits,
            pad(nik_day, 2),
            pad(c("born").dt.month(), 2),
            pad(c("born").dt.year() % 100, 2),
            pad(c("serial"), 4),
        ),
        "full_name": pl.concat_str(first, pl.lit(" "), last),
        "birth_date": c("born").dt.strftime("%d/%m/%Y"),
        "gender": pl.when(c("female")).then(pl.lit("P")).otherwise(pl.lit("L")),
        "domicile": pick(village_list, within("district", village_offset, village_count, "r_village")),
        "phone": pl.when(c("r_no_phone") == 0)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.concat_str(pick(prefixes, c("r_prefix")), pad(c("r_phone"), 8))),
        "category": pick([str(labels[k]) for k in categories], c("cat")),
        "occupation": pick(occupations, within("cat", occ_offset, occ_count, "r_occ")),
        "segment": pl.lit("PU"),
        "programmes": pl.lit("JKK+JKM+JHT"),
        "wage": ((c("r_wage") + 20) * 100_000).cast(pl.String),
        "start_date": start.dt.strftime("%d/%m/%Y"),
    }
    return frame.select(*[by_key[col.key].alias(col.header) for col in COLUMNS])


def ensure_database(url: str) -> None:
    """Create a benchmark's PostgreSQL database when it does not exist (connecting to the server's `postgres`
    database). Shared by every benchmark that needs its own database."""
    import psycopg
    from psycopg import conninfo, sql

    try:
        psycopg.connect(url).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    info = conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(conninfo.make_conninfo(**info, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created database {name}")
