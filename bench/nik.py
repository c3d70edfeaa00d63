"""Benchmark the NIK engine: scalar ``parse_nik`` against vectorised ``parse_nik_column``.

    python bench/nik.py [--n 1000000] [--scalar-sample 200000] [--seed 2025]

Generates N NIKs deterministically (about 70 % valid, built from real Kemendagri codes; 30 % invalid of
assorted kinds) with Polars expressions, then times both paths. The scalar path runs on a sample (the
first ``--scalar-sample`` rows) and is extrapolated to N when the sample is smaller; the vectorised path
always runs on all N. Goal: vectorised under 1 s for 1M rows on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")

import django

django.setup()

from sijaga.registry.nik import default_region_index, parse_nik, parse_nik_column  # noqa: E402

TODAY = dt.date(2026, 11, 25)  # fixed, so every run classifies the same rows the same way


def _rand(n: int, seed: int, salt: int, modulo: int) -> pl.Expr:
    """Deterministic pseudo-random integers in [0, modulo): Park–Miller rounds over the row number.

    Plain integer arithmetic (not ``Expr.hash``, whose output changes between Polars versions).
    """
    m = 2**31 - 1
    x = (pl.int_range(0, n, dtype=pl.Int64) + seed * 1_000_003 + salt * 7_919) % m + 1
    for _ in range(3):
        x = x * 48_271 % m
    return x % modulo


def generate(n: int, seed: int) -> pl.Series:
    """N NIK strings: ~70 % valid, ~30 % broken in one of ten ways, all with Polars expressions."""
    districts = pl.Series(sorted(int(c.replace(".", "")) for c in default_region_index().districts), dtype=pl.Int64)
    start = dt.date(1927, 1, 1)
    span = (TODAY - start).days
    frame = pl.select(
        district=districts.gather(pl.select(_rand(n, seed, 1, len(districts))).to_series()),
        born=pl.lit(start) + pl.duration(days=_rand(n, seed, 2, span)),
        female=_rand(n, seed, 3, 2) == 1,
        serial=_rand(n, seed, 4, 9999) + 1,
        kind=_rand(n, seed, 5, 100),
        pos=_rand(n, seed, 6, 16),
    )

    def pad(expr: pl.Expr, width: int) -> pl.Expr:
        return expr.cast(pl.Utf8).str.zfill(width)

    day = pl.col("born").dt.day() + pl.when(pl.col("female")).then(40).otherwise(0)
    nik = pl.concat_str(
        pad(pl.col("district"), 6),
        pad(day, 2),
        pad(pl.col("born").dt.month(), 2),
        pad(pl.col("born").dt.year() % 100, 2),
        pad(pl.col("serial"), 4),
    )
    head, tail = nik.str.slice(0, pl.col("pos")), nik.str.slice(pl.col("pos"))
    k = pl.col("kind")
    broken = (
        pl.when(k < 70)
        .then(nik)
        .when(k < 73)
        .then(pl.concat_str(head, pl.lit("O"), tail.str.slice(1)))  # letter O for zero
        .when(k < 76)
        .then(pl.concat_str(head, tail.str.slice(1)))  # 15 digits
        .when(k < 79)
        .then(pl.concat_str(head, pl.lit(" "), tail))  # inner space
        .when(k < 82)
        .then(pl.concat_str(nik.str.slice(0, 1), pl.lit("."), nik.str.slice(1, 5), pl.lit("E+15")))
        .when(k < 85)
        .then(pl.concat_str(nik.str.slice(0, 6), pl.lit("35"), nik.str.slice(8)))  # day 35
        .when(k < 88)
        .then(pl.concat_str(nik.str.slice(0, 8), pl.lit("13"), nik.str.slice(10)))  # month 13
        .when(k < 91)
        .then(pl.concat_str(nik.str.slice(0, 12), pl.lit("0000")))  # serial 0000
        .when(k < 94)
        .then(pl.concat_str(pl.lit("99"), nik.str.slice(2)))  # unknown province
        .when(k < 96)
        .then(pl.lit(""))
        .otherwise(pl.concat_str(pl.lit("\u00a0"), nik, pl.lit(" ")))  # padded, still valid
    )
    return frame.select(nik=broken).to_series()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--scalar-sample", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3, help="vectorised runs; the best is reported")
    args = parser.parse_args()

    regions = default_region_index()
    parse_nik_column(pl.Series(["6471054412950001"]), today=TODAY, regions=regions)  # warm caches
    t0 = time.perf_counter()
    values = generate(args.n, args.seed)
    print(f"generated {len(values):,} NIKs in {time.perf_counter() - t0:.2f} s (seed {args.seed})")

    sample = values.head(min(args.scalar_sample, args.n))
    rows = sample.to_list()
    t0 = time.perf_counter()
    scalar_valid = sum(parse_nik(v, today=TODAY, regions=regions).valid for v in rows)
    scalar_seconds_sample = time.perf_counter() - t0
    scalar_seconds = scalar_seconds_sample * args.n / len(rows)

    vector_seconds = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = parse_nik_column(values, today=TODAY, regions=regions)
        vector_seconds = min(vector_seconds, time.perf_counter() - t0)
    vector_valid_sample = int(out["valid"].head(len(rows)).sum())
    if vector_valid_sample != scalar_valid:
        raise SystemExit(f"MISMATCH on the sample: scalar {scalar_valid:,} valid, vectorised {vector_valid_sample:,}")

    extrapolated = len(rows) < args.n
    note = f" (measured on {len(rows):,}, extrapolated)" if extrapolated else ""
    print(
        f"valid rows: {int(out['valid'].sum()):,} of {args.n:,}; "
        f"the sample of {len(rows):,} agrees ({scalar_valid:,} valid)"
    )
    print(f"threads: {pl.thread_pool_size()}; vectorised: best of {args.repeat}")
    print()
    print("| implementation | rows | seconds | rows/s | ratio vs scalar |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| scalar parse_nik{note} | {args.n:,} | {scalar_seconds:.2f} | {args.n / scalar_seconds:,.0f} | 1.0 |")
    print(
        f"| vectorised parse_nik_column | {args.n:,} | {vector_seconds:.3f} | {args.n / vector_seconds:,.0f} "
        f"| {scalar_seconds / vector_seconds:,.1f}x |"
    )


if __name__ == "__main__":
    main()
