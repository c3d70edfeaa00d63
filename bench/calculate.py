"""Benchmark the contribution calculator: scalar ``contribution`` against vectorised ``calculate_frame``.

    python bench/calculate.py [--n 1000000] [--sample 20000] [--seed 2026] [--repeat 3] [--months 2024-03:2025-02]

Generates N terms × months rows deterministically with Polars expressions (wage earners, non-wage earners and
construction, as a regency's bill run would see them: programme sets by segment, wages Rp1–30 million with some above
the JP cap, JKK risk classes mostly I, a few labour-intensive employers, a few Jakon projects priced on contract value,
and 1 % refused rows — negative wages and declared incomes below the lowest bracket), spread over the months given.
Rates come from the data files (no database). The scalar path runs on the first ``--sample`` rows; the vectorised path
on all N (best of ``--repeat``). It fails if the two disagree on the sample. Prints a Markdown table.
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

from sijaga.contributions.calculate import (  # noqa: E402
    ContributionError,
    Terms,
    calculate_frame,
    contribution,
    error_from_row,
)
from sijaga.contributions.rates import PROGRAMMES, table_from_files  # noqa: E402
from sijaga.core.periods import Month  # noqa: E402


def _rand(n: int, seed: int, salt: int, modulo: int) -> pl.Expr:
    """Deterministic pseudo-random integers in [0, modulo) (the Park–Miller rounds of bench/nik.py)."""
    m = 2**31 - 1
    x = (pl.int_range(0, n, dtype=pl.Int64) + seed * 1_000_003 + salt * 7_919) % m + 1
    for _ in range(3):
        x = x * 48_271 % m
    return x % modulo


def generate(n: int, seed: int, months: list[Month]) -> pl.DataFrame:
    c = pl.col
    firsts = pl.Series([m.first_day for m in months], dtype=pl.Date)
    frame = pl.select(
        kind=_rand(n, seed, 1, 1000),
        month_i=_rand(n, seed, 2, len(months)),
        wage=(_rand(n, seed, 3, 29_000) + 1_000) * 1_000,
        risk=_rand(n, seed, 4, 100),
        li=_rand(n, seed, 5, 10) == 0,
        opt=_rand(n, seed, 6, 100),
        contract=(_rand(n, seed, 7, 20_000) + 1) * 1_000_000,
    )
    k = c("kind")
    segment = pl.when(k < 700).then(pl.lit("pu")).when(k < 920).then(pl.lit("bpu")).otherwise(pl.lit("jakon"))
    jakon_contract = k >= 980
    wage = (
        pl.when(k < 5)
        .then(-c("wage"))  # refused: negative
        .when((k >= 700) & (k < 705))
        .then(c("wage") // 10)  # refused: BPU income below the lowest bracket (mostly)
        .when(jakon_contract)
        .then(None)
        .otherwise(c("wage"))
    )
    return frame.select(
        month=firsts.gather(frame["month_i"]),
        segment=segment,
        jkk=pl.lit(True),
        jkm=pl.lit(True),
        jht=(k < 920) & (c("opt") < 80),
        jp=(k < 700) & (c("opt") < 60),
        jkp=(k < 700) & (c("opt") < 30),
        wage=wage,
        contract_value=pl.when(jakon_contract).then(c("contract")),
        risk_class=pl.when(c("risk") < 80).then(1).when(c("risk") < 90).then(2).otherwise(c("risk") % 3 + 3),
        labour_intensive=c("li") & (k < 700),
    )


def scalar_rows(frame: pl.DataFrame) -> list[tuple[Terms, Month]]:
    rows = []
    for r in frame.iter_rows(named=True):
        terms = Terms(
            segment=r["segment"],
            programmes=frozenset(p for p in PROGRAMMES if r[p]),
            wage=r["wage"],
            risk_class=r["risk_class"],
            labour_intensive=r["labour_intensive"],
            contract_value=r["contract_value"],
        )
        rows.append((terms, Month.of(r["month"])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="vectorised runs; the best is reported")
    parser.add_argument("--months", default="2024-03:2025-02", help="first:last month, both included")
    args = parser.parse_args()

    first, last = (Month.parse(x) for x in args.months.split(":"))
    months = Month.range(first, last)
    rates = table_from_files()
    t0 = time.perf_counter()
    frame = generate(args.n, args.seed, months)
    print(f"generated {frame.height:,} terms × months rows over {len(months)} months in "
          f"{time.perf_counter() - t0:.2f} s (seed {args.seed})")  # fmt: skip

    sample = frame.head(min(args.sample, args.n))
    rows = scalar_rows(sample)
    t0 = time.perf_counter()
    scalar: list = []
    for terms, month in rows:
        try:
            scalar.append(contribution(terms, month, rates))
        except ContributionError as exc:
            scalar.append(exc)
    scalar_seconds = time.perf_counter() - t0

    calculate_frame(sample.head(100), rates)  # warm up
    vector_seconds = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = calculate_frame(frame, rates)
        vector_seconds = min(vector_seconds, time.perf_counter() - t0)

    # the sample must agree: same amounts per row and programme, same refusals
    head = result.lines.filter(pl.col("row") < len(rows))
    by_row: dict[int, list[tuple]] = {}
    for r in head.iter_rows(named=True):
        by_row.setdefault(r["row"], []).append((r["programme"], r["employer"], r["worker"], r["government"]))
    errors = {r["row"]: error_from_row(r).key() for r in result.errors.filter(pl.col("row") < len(rows)).to_dicts()}
    for i, got in enumerate(scalar):
        if isinstance(got, ContributionError):
            if errors.get(i) != got.key():
                raise SystemExit(f"MISMATCH row {i}: scalar {got.key()}, vectorised {errors.get(i)}")
        elif by_row.get(i) != [(x.programme, x.employer, x.worker, x.government) for x in got.lines]:
            raise SystemExit(f"MISMATCH row {i}: scalar {got.lines}, vectorised {by_row.get(i)}")

    billed = int(result.lines["employer"].sum() + result.lines["worker"].sum())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_row_scalar = scalar_seconds / len(rows)
    print(f"priced: {result.lines.height:,} programme lines; refused rows: {result.errors.height:,}; "
          f"billed Rp{billed:,}; the sample of {len(rows):,} agrees")  # fmt: skip
    print(f"threads: {pl.thread_pool_size()}; vectorised: best of {args.repeat}; peak RSS {rss:,.0f} MB; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print()
    print("| implementation | rows | seconds | rows/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| scalar `contribution` | {len(rows):,} | {scalar_seconds:.2f} | {len(rows) / scalar_seconds:,.0f} | 1.0 |")
    print(f"| scalar, extrapolated to {args.n:,} | {args.n:,} | {per_row_scalar * args.n:.1f} | "
          f"{len(rows) / scalar_seconds:,.0f} | 1.0 |")  # fmt: skip
    print(f"| vectorised `calculate_frame` | {args.n:,} | {vector_seconds:.2f} | {args.n / vector_seconds:,.0f} | "
          f"{per_row_scalar * args.n / vector_seconds:,.0f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
