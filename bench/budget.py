"""Benchmark the budget simulator at national size: price every regency/city (514) and every village (≈75,000) for
a fiscal year in one vectorised call, against a per-region Python loop measured in the same run.

    python bench/budget.py [--regencies 514] [--villages 75000] [--year 2027] [--sample 40] [--repeat 2]

The synthetic national dataset (deterministic, no database) gives each regency/city its non-ASN staff (PU, wages
Rp2.0–4.9 million in 30 steps, both enrolled and targets), RT/RW heads, vulnerable workers and election organisers
(BPU, declared incomes Rp1.0–2.4 million), and each village its apparatus (PU, siltap Rp2.0–2.6 million) and RT/RW
heads, with JKK + JKM or JKK + JKM + JHT. Rates come from the data files.

(a) vectorised: every cohort of the nation priced by ``budget.pricing.price`` (distinct terms × 12 months through
    ``contributions.calculate.calculate_frame``, multiplied by people), totals per region;
(b) per-region loop: ``budget.pricing.estimate`` called once per region — what pricing each region's page one by one
    costs — timed on ``--sample`` regions and extrapolated to all;
(c) scalar loop: ``budget.pricing.estimate_scalar`` (the scalar calculator, one cohort and month at a time) on the
    same sample, extrapolated.
It fails unless (a), (b) and (c) agree to the Rupiah on the sample. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")

import django

django.setup()

from sijaga.budget import pricing  # noqa: E402
from sijaga.contributions.rates import PROGRAMMES, table_from_files  # noqa: E402


def _rand(n: int, seed: int, salt: int, modulo: int) -> pl.Expr:
    """Deterministic pseudo-random integers in [0, modulo) (Park–Miller rounds, as bench/calculate.py)."""
    m = 2**31 - 1
    x = (pl.int_range(0, n, dtype=pl.Int64) + seed * 1_000_003 + salt * 7_919) % m + 1
    for _ in range(3):
        x = x * 48_271 % m
    return x % modulo


def _cohorts(codes: pl.Series, seed: int, specs: list[tuple]) -> pl.DataFrame:
    """One cohort per region × spec: (category, source, segment, wage base, wage steps, step, people max, enrolled)."""
    n = len(codes)
    frames = []
    for salt, (category, source, segment, base, steps, step, people, enrolled) in enumerate(specs):
        jht = _rand(n, seed, 100 + salt, 5) == 0  # one region in five also pays JHT
        frames.append(
            pl.select(
                region=codes,
                category=pl.lit(category),
                source=pl.lit(source),
                enrolled=pl.lit(enrolled),
                segment=pl.lit(segment),
                jkk=pl.lit(True),
                jkm=pl.lit(True),
                jht=jht,
                jp=pl.lit(False),
                jkp=pl.lit(False),
                wage=pl.lit(base) + _rand(n, seed, salt, steps) * step,
                risk_class=pl.lit(1, dtype=pl.Int64),
                people=_rand(n, seed, 50 + salt, people) + 1,
            )
        )
    return pl.concat(frames).cast(pricing.COHORT_SCHEMA)


def dataset(regencies: int, villages: int, seed: int) -> pl.DataFrame:
    i = pl.int_range(0, regencies)
    reg = pl.select(code=pl.format("{}.{}", i // 20 + 11, (i % 20 + 1).cast(pl.Utf8).str.zfill(2))).to_series()
    vil = pl.select(code=pl.format("{}.{}.{}", reg.gather(pl.int_range(0, villages, eager=True) % regencies),
                                   (pl.int_range(0, villages) // regencies % 30 + 1).cast(pl.Utf8).str.zfill(2),
                                   (pl.int_range(0, villages) + 2001).cast(pl.Utf8))).to_series()  # fmt: skip
    regency_specs = [
        ("non_asn", "apbd", "pu", 2_000_000, 30, 100_000, 2_000, True),
        ("non_asn", "apbd", "pu", 2_000_000, 30, 100_000, 800, False),
        ("rt_rw", "apbd", "bpu", 1_000_000, 3, 500_000, 1_500, False),
        ("pekerja_rentan", "apbd", "bpu", 1_000_000, 15, 100_000, 5_000, False),
        ("penyelenggara_pemilu", "apbd", "bpu", 1_000_000, 2, 500_000, 600, False),
    ]
    village_specs = [
        ("perangkat_desa", "apbdes", "pu", 2_000_000, 7, 100_000, 12, True),
        ("rt_rw", "apbdes", "bpu", 1_000_000, 1, 1, 25, False),
    ]
    return pl.concat([_cohorts(reg, seed, regency_specs), _cohorts(vil, seed + 1, village_specs)])


def as_cohorts(frame: pl.DataFrame) -> list[pricing.Cohort]:
    return [
        pricing.Cohort(r["category"], r["source"], r["segment"], frozenset(p for p in PROGRAMMES if r[p]), r["wage"],
                       r["people"], r["risk_class"], r["enrolled"], r["region"])
        for r in frame.iter_rows(named=True)
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regencies", type=int, default=514)
    parser.add_argument("--villages", type=int, default=75_000)
    parser.add_argument("--year", type=int, default=2027)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rates = table_from_files()
    started = time.perf_counter()
    cohorts = dataset(args.regencies, args.villages, args.seed)
    generated = time.perf_counter() - started
    regions = cohorts["region"].n_unique()

    best = float("inf")
    totals = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        priced = pricing.price(cohorts, args.year, rates)
        totals = pricing.totals_by_region(priced)
        best = min(best, time.perf_counter() - t)
    assert totals is not None and totals.height == regions, (totals.height if totals is not None else 0, regions)
    by_region = dict(totals.iter_rows())

    sample = cohorts["region"].unique(maintain_order=True).gather_every(max(regions // args.sample, 1))[: args.sample]
    t = time.perf_counter()
    loop_totals = {code: pricing.estimate(as_cohorts(cohorts.filter(pl.col("region") == code)), args.year, rates).total
                   for code in sample}  # fmt: skip
    loop = time.perf_counter() - t
    t = time.perf_counter()
    scalar_totals = {code: pricing.estimate_scalar(as_cohorts(cohorts.filter(pl.col("region") == code)), args.year,
                                                   rates) for code in sample}  # fmt: skip
    scalar = time.perf_counter() - t
    for code in sample:
        if not by_region[code] == loop_totals[code] == scalar_totals[code]:
            raise SystemExit(f"disagreement for {code}: {by_region[code]} {loop_totals[code]} {scalar_totals[code]}")

    loop_all = loop / len(sample) * regions
    scalar_all = scalar / len(sample) * regions
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    national = sum(by_region.values())
    summary = (
        f"{args.regencies} regencies/cities + {args.villages:,} villages = {regions:,} regions, "
        f"{cohorts.height:,} cohorts, {cohorts['people'].sum():,} people; year {args.year}; "
        f"dataset {generated:.2f} s; peak RSS {peak:,.0f} MB; national need Rp{national:,}"
    )
    print(summary)
    print()
    print("| method | regions timed | seconds (timed) | seconds for all regions | ratio to vectorised |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| (a) vectorised, one call (best of {args.repeat}) | {regions:,} | {best:.2f} | {best:.2f} | 1.0 |")
    print(f"| (b) per-region loop of `estimate` | {len(sample)} | {loop:.2f} | {loop_all:,.0f} (extrapolated) | "
          f"{loop_all / best:,.0f} |")  # fmt: skip
    print(f"| (c) scalar loop of `contribution` | {len(sample)} | {scalar:.2f} | {scalar_all:,.0f} (extrapolated) | "
          f"{scalar_all / best:,.0f} |")  # fmt: skip
    print()
    print(f"goal: all regions in under 60 s — {'met' if best < 60 else 'NOT met'} ({best:.2f} s)")


if __name__ == "__main__":
    main()
