"""Benchmark the contribution calculator: scalar ``contribution`` against vectorised ``calculate_frame``.

    python bench/calculate.py [--n 1000000] [--sample 20000] [--seed 2026] [--repeat 3] [--months 2024-03:2025-02]
                              [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_h5_bench]

Generates N terms × months rows deterministically with Polars expressions (wage earners, non-wage earners and
construction, as a regency's bill run would see them: programme sets by segment, wages Rp1–30 million with some above
the JP cap, JKK risk classes mostly I, a few labour-intensive employers, a few Jakon projects priced on contract value,
and 1 % refused rows — negative wages and declared incomes below the lowest bracket), spread over the months given.
Rates come from the data files (no database). The scalar path runs on the first ``--sample`` rows; the vectorised path
on all N (best of ``--repeat``). It fails if the two disagree on the sample. Prints a Markdown table.

With ``--database-url`` (PostgreSQL; only temporary tables are used) it also prices the same rows the two ways a
set-based bill run could: (c) in the database, one ``INSERT … SELECT`` joining the terms to the price list
(:func:`price_sql`, a prototype of the SQL form) and (d) Polars end to end, terms copied out of the database,
priced, and the lines copied back in. It fails unless both give the vectorised totals per programme.
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
    MAX_CONTRACT_VALUE,
    MAX_WAGE,
    ContributionError,
    Terms,
    _slim,
    calculate_frame,
    contribution,
    error_from_row,
    price_list,
)
from sijaga.contributions.rates import BP, PARTIES, PROGRAMMES, table_from_files  # noqa: E402
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


# --- the SQL form (a prototype for the bill run of phase B) -----------------------------------------------------------

TERMS_DDL = """CREATE TEMP TABLE calc_terms (row integer, month date, segment text, jkk boolean, jkm boolean,
    jht boolean, jp boolean, jkp boolean, wage bigint, contract_value bigint, risk_class integer,
    labour_intensive boolean)"""


def price_sql(price_columns: list[str]) -> str:
    """``INSERT INTO calc_lines SELECT …``: the vectorised arithmetic in SQL, over ``calc_terms`` × ``calc_prices``.

    Same input checks, same key, same refusal rule (a row with any refused programme is not priced), same
    numerators summed exactly in ``numeric`` and rounded once, half up, with integer division."""
    tiers: dict[str, list[int]] = {}
    for name in price_columns:
        if name.startswith("t") and name.endswith("_bp"):
            index, party = name[1:].split("_", 1)
            tiers.setdefault(party.removesuffix("_bp"), []).append(int(index))

    def col(name: str, default: str = "0") -> str:
        return f"COALESCE({name}, {default})" if name in price_columns else default

    parts = []
    for party in PARTIES:
        flat = f"{col('flat_' + party)} * {BP}"
        wage_part = f"(base * {col('bp_' + party)} + {flat})"  # bigint: at most 2e13, times 2e4 still fits
        tier_terms = []
        for i in tiers.get(party, []):
            lower = col(f"t{i}_{party}_lower")
            upper = f"t{i}_{party}_upper" if f"t{i}_{party}_upper" in price_columns else "NULL"
            width = f"COALESCE({upper} - {lower}, value - {lower})"
            tier_terms.append(f"COALESCE(GREATEST(0, LEAST(value - {lower}, {width}))::numeric * t{i}_{party}_bp, 0)")
        relief = col("relief_bp_" + party)
        net = f"(2 * {wage_part} * ({BP} - {relief}) + {BP * BP}) / {2 * BP * BP}"
        gross = f"(2 * {wage_part} + {BP}) / {2 * BP}"
        if tier_terms:  # contract values: numeric, the products exceed 64 bits
            n = f"({wage_part}::numeric + " + " + ".join(tier_terms) + ")"
            exact = f"div(2 * {n} * ({BP} - {relief}) + {BP * BP}, {2 * BP * BP})::bigint"
            net = f"CASE WHEN contract THEN {exact} ELSE {net} END"
            gross = f"CASE WHEN contract THEN div(2 * {n} + {BP}, {2 * BP})::bigint ELSE {gross} END"
        parts.append(f"{net} AS {party}, {gross} AS gross_{party}")
    key = (
        "((((((extract(year FROM t.month)::bigint * 12 + extract(month FROM t.month)::bigint - 1) * 3 "
        "+ CASE t.segment WHEN 'pu' THEN 0 WHEN 'bpu' THEN 1 ELSE 2 END) * 2 + (t.contract_value IS NOT NULL)::int) "
        "* 5 + g.prog) * 5 + (t.risk_class - 1)) * 2 + t.labour_intensive::int)"
    )
    return f"""
WITH long AS (
    SELECT t.row, t.month, g.prog, COALESCE(t.contract_value, t.wage) AS value, {key} AS key,
           t.contract_value IS NOT NULL AS contract
    FROM calc_terms t
    CROSS JOIN LATERAL (VALUES (0, t.jkk), (1, t.jkm), (2, t.jht), (3, t.jp), (4, t.jkp)) AS g(prog, chosen)
    WHERE g.chosen AND t.segment IN ('pu', 'bpu', 'jakon') AND t.risk_class BETWEEN 1 AND 5
      AND (t.contract_value IS NULL OR (t.segment = 'jakon' AND t.wage IS NULL))
      AND (t.wage IS NOT NULL OR t.contract_value IS NOT NULL)
      AND (t.wage IS NULL OR t.wage BETWEEN 1 AND {MAX_WAGE})
      AND (t.contract_value IS NULL OR t.contract_value BETWEEN 1 AND {MAX_CONTRACT_VALUE})
), checked AS (
    SELECT l.*, p.*, CASE WHEN p.price IS NULL THEN 'no_rate' WHEN p.status IS NOT NULL THEN p.status
                          WHEN p.floor IS NOT NULL AND l.value < p.floor THEN 'income_below_floor' END AS error,
           CASE WHEN p.cap IS NOT NULL THEN LEAST(l.value, p.cap) ELSE l.value END AS base
    FROM long l LEFT JOIN calc_prices p USING (key)
), refused AS (
    SELECT DISTINCT row FROM checked WHERE error IS NOT NULL
), priced AS (
    SELECT c.*, {", ".join(parts)}
    FROM checked c LEFT JOIN refused r USING (row)
    WHERE r.row IS NULL
)
INSERT INTO calc_lines (row, month, prog, base, employer, worker, government, recomposed, relief, price)
SELECT row, month, prog, CASE WHEN has_pct THEN base END, employer, worker, government, recomposed,
       {" + ".join(f"gross_{p} - {p}" for p in PARTIES)}, price
FROM priced"""


LINES_DDL = """CREATE TEMP TABLE calc_lines (row integer, month date, prog smallint, base bigint, employer bigint,
    worker bigint, government bigint, recomposed bigint, relief bigint, price integer)"""


def _copy_in(cur, table: str, frame: pl.DataFrame) -> None:
    with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
        copy.write(frame.write_csv(include_header=False, null_value=""))


def sql_step(url: str, frame: pl.DataFrame, rates, months, expected: pl.DataFrame) -> list[tuple[str, int, float]]:
    import io

    import psycopg

    timings = []
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        prices = price_list(rates, months)
        columns = sorted(
            {c for basis in ("wage", "contract") for c in _slim(prices, basis).columns} | {"status", "floor"}
        )
        price_frame = prices.select(["key", "price", "status", "floor", "cap", "has_pct"] + [
            c for c in columns if c not in ("key", "price", "status", "floor", "cap", "has_pct")])  # fmt: skip
        cur.execute(TERMS_DDL)
        cur.execute(
            "CREATE TEMP TABLE calc_prices (key bigint PRIMARY KEY, price integer, status text, floor bigint, "
            "cap bigint, has_pct boolean, " + ", ".join(f"{c} bigint" for c in price_frame.columns[6:]) + ")"
        )
        _copy_in(cur, "calc_prices", price_frame)
        t0 = time.perf_counter()
        columns = ["month", "segment", *PROGRAMMES, "wage", "contract_value", "risk_class", "labour_intensive"]
        _copy_in(cur, "calc_terms", frame.with_row_index("row").select("row", *columns))
        cur.execute("ANALYZE calc_terms")
        timings.append(("COPY the terms into the database", frame.height, time.perf_counter() - t0))

        cur.execute(LINES_DDL)
        t0 = time.perf_counter()
        cur.execute(price_sql(price_frame.columns))
        timings.append(("(c) SQL: INSERT … SELECT priced lines", cur.rowcount, time.perf_counter() - t0))
        cur.execute("SELECT prog, count(*), sum(employer), sum(worker), sum(government), sum(recomposed), sum(relief) "
                    "FROM calc_lines GROUP BY prog ORDER BY prog")  # fmt: skip
        got = [tuple(int(x) for x in row) for row in cur.fetchall()]
        want = (
            expected.group_by(pl.col("programme").to_physical().alias("prog"))
            .agg(pl.len(), *[pl.col(p).sum() for p in ("employer", "worker", "government", "recomposed", "relief")])
            .sort("prog")
            .rows()
        )
        if got != [tuple(int(x) for x in row) for row in want]:
            raise SystemExit(f"SQL MISMATCH:\n{got}\n{want}")

        # (d) Polars end to end: terms out of the database, priced, lines back in
        cur.execute("TRUNCATE calc_lines")
        t0 = time.perf_counter()
        buffer = io.BytesIO()
        with cur.copy("COPY (SELECT month, segment, jkk::int, jkm::int, jht::int, jp::int, jkp::int, wage, "
                      "contract_value, risk_class, labour_intensive::int FROM calc_terms ORDER BY row) "
                      "TO STDOUT (FORMAT csv, HEADER)") as copy:  # fmt: skip
            for block in copy:
                buffer.write(block)
        terms = pl.read_csv(buffer.getvalue(), schema_overrides={"month": pl.Date, "wage": pl.Int64,
                                                                 "contract_value": pl.Int64})  # fmt: skip
        result = calculate_frame(terms, rates)
        amounts = ["base", "employer", "worker", "government", "recomposed", "relief", "price"]
        lines = result.lines.with_columns(pl.col("programme").to_physical().alias("prog"))
        lines = lines.select("row", "month", "prog", *amounts)
        _copy_in(cur, "calc_lines", lines)
        timings.append(("(d) Polars: COPY out, calculate_frame, COPY lines in", lines.height, time.perf_counter() - t0))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="vectorised runs; the best is reported")
    parser.add_argument("--months", default="2024-03:2025-02", help="first:last month, both included")
    parser.add_argument("--database-url", default="", help="PostgreSQL for the SQL comparison (temp tables only)")
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

    if args.database_url:
        print()
        print("| set-based bill run on PostgreSQL | rows | seconds | rows/s |")
        print("| --- | ---: | ---: | ---: |")
        for name, n, seconds in sql_step(args.database_url, frame, rates, months, result.lines):
            print(f"| {name} | {n:,} | {seconds:.2f} | {n / seconds:,.0f} |")


if __name__ == "__main__":
    main()
