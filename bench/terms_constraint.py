"""The terms table's no-overlap constraint (`terms_no_overlap`): what each way of enforcing it costs a bulk COPY.

    python bench/terms_constraint.py [--rows 1000000] [--more 100000] [--repeat 3] [--timeout 300]
                                     [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_excl_terms]

PostgreSQL only; the database is created when missing and migrated. For each variant of the constraint the script
makes an empty copy of the migrated `enrollment_membershipterms` (``LIKE … INCLUDING ALL``: primary key, identity,
the unique and partial unique indexes, every CHECK; the foreign key to the membership is left out, as it costs the
same in every variant), drops the copied exclusion constraint and adds the variant's:

(a) ``EXCLUDE USING gist (membership_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)`` (btree_gist:
    the migrated `terms_no_overlap`);
(b) ``EXCLUDE USING gist (<key> WITH &&)`` on one ``int8range``: membership × 2¹⁶ + day since 1900-01-01, the open
    end as 2079-06-05 (see ``ENCODED``; dates 1900-01-01 … 2079-06-05 and membership ids below 2⁴⁷ only);
(c) the same key with ``EXCLUDE USING spgist`` (range_ops);
(d) no exclusion constraint (the floor);
(e) (``--variants abcde``) no exclusion constraint but a B-tree chain: a ``prev_to`` column (the previous period's
    ``valid_to``, NULL on the first), ``UNIQUE (membership_id, valid_to)``, ``UNIQUE (membership_id, prev_to)``, one
    row with ``prev_to IS NULL`` per membership, ``CHECK (valid_from > prev_to)`` and a foreign key ``(membership_id,
    prev_to)`` → ``(membership_id, valid_to)``: the periods of a membership form one chain, each after the one
    before, so none overlap (a schema change, measured for comparison only).

Data (deterministic): ``fresh``: one open row per membership 1 … N, valid from a day in 2021–2026, as a first
import leaves them; ``history``: N rows where every tenth membership has 2–3 consecutive closed periods before its
open one. Rows go in membership order (the order an import's ids come in). Timed, interleaved, ``--repeat`` times:
COPY of the N rows into the empty table (TRUNCATE, CHECKPOINT, COPY, COMMIT); a COPY over ``--timeout`` s is
cancelled and the variant's later repeats skipped. Then, with N rows in the table, COPY of ``--more`` new rows
(memberships after N: the next import) for the per-row cost. Each variant's SQL is checked first: overlapping
periods of one membership refused (SQLSTATE 23P01), adjacent periods and other memberships accepted, ``valid_to``
inclusive, NULL open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from generate import ensure_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sijaga_excl_terms"
SOURCE = "enrollment_membershipterms"
#: one int8range per period: membership × 2¹⁶ + days since 1900-01-01, upper bound exclusive (valid_to inclusive),
#: an open period ending on 2079-06-05 (65,534 days: the last day whose +1 still fits 16 bits)
ENCODED = (
    "int8range(membership_id * 65536 + (valid_from - DATE '1900-01-01'), "
    "membership_id * 65536 + (COALESCE(valid_to, DATE '2079-06-05') - DATE '1900-01-01') + 1)"
)
VARIANTS = {
    "a": ("GiST btree_gist (membership =, daterange &&): as migrated",
          "EXCLUDE USING gist (membership_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"),
    "b": ("GiST on one int8range (&&)", f"EXCLUDE USING gist (({ENCODED}) WITH &&)"),
    "c": ("SP-GiST on one int8range (&&)", f"EXCLUDE USING spgist (({ENCODED}) WITH &&)"),
    "d": ("no exclusion constraint (floor)", None),
    "e": ("no exclusion; B-tree chain (prev_to, 3 unique B-trees, self FK)", None),
}  # fmt: skip
CHAIN = (
    "ALTER TABLE {t} ADD COLUMN prev_to date",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_to_unique UNIQUE (membership_id, valid_to)",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_prev_unique UNIQUE (membership_id, prev_to)",
    "CREATE UNIQUE INDEX {t}_one_first ON {t} (membership_id) WHERE prev_to IS NULL",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_after_prev CHECK (prev_to IS NULL OR valid_from > prev_to)",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_prev_fk FOREIGN KEY (membership_id, prev_to) "
    "REFERENCES {t} (membership_id, valid_to)",
)
COLUMNS = ("membership_id", "valid_from", "valid_to", "segment", "jkk", "jkm", "jht", "jp", "jkp", "wage",
           "jkk_risk_class", "labour_intensive", "worker_share_paid_by", "created_at")  # fmt: skip
FIRST_DAY = dt.date(2021, 1, 1)
DAYS = (dt.date(2026, 12, 31) - FIRST_DAY).days + 1


def migrate(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")
    os.environ.setdefault("SIJAGA_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _line(membership: int, start: dt.date, end: dt.date | None, wage: int, prev: dt.date | None, chain: bool) -> str:
    line = (f"{membership}\t{start.isoformat()}\t{end.isoformat() if end else '\\N'}\tpu\tt\tt\tt\tf\tf\t{wage}\t1\tf\t"
            "payer\t2026-12-03 00:00:00+00")  # fmt: skip
    return f"{line}\t{prev.isoformat() if prev else '\\N'}\n" if chain else f"{line}\n"


def rows(kind: str, n: int, first_membership: int = 1, *, chain: bool = False) -> tuple[bytes, int]:
    """N COPY text rows of ``kind`` (fresh / history) from ``first_membership`` on (with ``prev_to`` last when
    ``chain``); returns them and the number of memberships they cover."""
    rng = random.Random(f"{kind}-{n}-{first_membership}")
    out = io.StringIO()
    written, membership = 0, first_membership
    while written < n:
        start = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        wage = 1_000_000 + rng.randrange(29_000_000)
        prev = None
        if kind == "history" and membership % 10 == 0:
            for _ in range(rng.choice((2, 3))):
                if written >= n - 1:
                    break
                end = start + dt.timedelta(days=rng.randrange(30, 400))
                out.write(_line(membership, start, end, wage, prev, chain))
                written += 1
                start, prev = end + dt.timedelta(days=1), end
        out.write(_line(membership, start, None, wage, prev, chain))
        written += 1
        membership += 1
    return out.getvalue().encode(), membership - first_membership


def table(variant: str) -> str:
    return f"bench_terms_{variant}"


def create(conn, variant: str) -> None:
    name = table(variant)
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    conn.execute(f"CREATE TABLE {name} (LIKE {SOURCE} INCLUDING ALL)")
    for (con,) in conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'x'", [name]
    ).fetchall():
        conn.execute(f"ALTER TABLE {name} DROP CONSTRAINT {con}")
    if VARIANTS[variant][1]:
        conn.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_no_overlap {VARIANTS[variant][1]}")
    if variant == "e":
        for statement in CHAIN:
            conn.execute(statement.format(t=name))
    conn.commit()


def columns(variant: str) -> str:
    return ", ".join((*COLUMNS, "prev_to") if variant == "e" else COLUMNS)


def check_sql(conn, variant: str) -> list[str]:
    """Overlaps of one membership refused, adjacent periods and other memberships accepted. Returns the failures."""
    import psycopg

    name = table(variant)
    if variant == "e":
        return check_chain(conn)
    exclusion = VARIANTS[variant][1] is not None
    cases = [  # (membership, from, to, should be accepted)
        (1, "2024-01-01", "2024-06-30", True),
        (1, "2024-07-01", None, True),  # adjacent: the day after valid_to (inclusive)
        (1, "2024-06-30", "2024-06-30", False),  # its last day
        (1, "2023-12-01", "2024-01-01", False),  # its first day
        (1, "2030-01-01", "2030-01-31", False),  # inside the open period
        (1, "2023-01-01", "2023-12-31", True),  # the day before the first
        (2, "2024-03-01", None, True),  # another membership, same days
        (2, "2000-01-01", "2024-02-29", True),  # adjacent before an open period
        (3, "1900-01-01", "2079-06-05", True),  # the whole encodable range
        (4, "1900-01-01", None, True),  # next membership's first encodable day after 3's last
        (4, "2079-06-05", "2079-06-05", False),  # the open period's encoded end
        (2**47 - 1, "2024-01-01", None, True),  # the largest membership id
    ]
    failures = []
    with conn.transaction(force_rollback=True):
        conn.execute(f"TRUNCATE {name}")
        for membership, start, end, accepted in cases:
            try:
                with conn.transaction():
                    conn.execute(
                        f"INSERT INTO {name} ({', '.join(COLUMNS)}) VALUES "
                        "(%s, %s, %s, 'pu', true, true, false, false, false, 1000000, 1, false, 'payer', now())",
                        [membership, start, end],
                    )
                ok = True
            except psycopg.errors.ExclusionViolation:
                ok = False
            if ok != (accepted or not exclusion):
                failures.append(f"{membership} {start}..{end}: {'accepted' if ok else 'refused'}")
    return failures


def check_chain(conn) -> list[str]:
    """(e): a writer states the period before (``prev_to``); whatever it states, an overlap is refused."""
    import psycopg

    name = table("e")
    cases = [  # (membership, from, to, prev_to, should be accepted)
        (1, "2024-01-01", "2024-06-30", None, True),
        (1, "2024-07-01", "2024-12-31", "2024-06-30", True),  # adjacent
        (1, "2025-01-01", None, "2024-12-31", True),
        (1, "2024-06-30", "2024-06-30", None, False),  # a second first period
        (1, "2024-06-30", "2024-06-30", "2024-06-30", False),  # not after its stated predecessor
        (1, "2025-02-01", "2025-02-28", "2024-12-31", False),  # a branch: the predecessor has a successor
        (1, "2026-01-01", None, "2025-12-31", False),  # no such predecessor
        (1, "2023-01-01", "2023-12-31", None, False),  # before the first: the first period must change instead
        (2, "2024-03-01", None, None, True),  # another membership, same days
    ]
    failures = []
    with conn.transaction(force_rollback=True):
        conn.execute(f"TRUNCATE {name}")
        for membership, start, end, prev, accepted in cases:
            try:
                with conn.transaction():
                    conn.execute(
                        f"INSERT INTO {name} ({columns('e')}) VALUES (%s, %s, %s, 'pu', true, true, false, false, "
                        "false, 1000000, 1, false, 'payer', now(), %s)",
                        [membership, start, end, prev],
                    )
                ok = True
            except psycopg.IntegrityError:
                ok = False
            if ok != accepted:
                failures.append(f"{membership} {start}..{end} after {prev}: {'accepted' if ok else 'refused'}")
    return failures


def copy(conn, name: str, data: bytes, cols: str) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN") as cp:
        for i in range(0, len(data), 1 << 20):
            cp.write(data[i : i + (1 << 20)])
    conn.commit()
    return time.perf_counter() - started


def timed_copy(conn, variant: str, data: bytes, timeout: int, *, empty: bool) -> float | None:
    import psycopg

    name = table(variant)
    if empty:
        conn.execute(f"TRUNCATE {name}")
        conn.commit()
    with conn.cursor() as cur:
        cur.execute("CHECKPOINT")
    conn.commit()
    conn.execute(f"SET statement_timeout = '{timeout}s'")
    conn.commit()
    try:
        return copy(conn, name, data, columns(variant))
    except psycopg.errors.QueryCanceled:
        conn.rollback()
        return None
    finally:
        conn.execute("RESET statement_timeout")
        conn.commit()


def fmt(value: float | None, timeout: int) -> str:
    return f"> {timeout}" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--more", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=300, help="seconds before a COPY is cancelled")
    parser.add_argument("--variants", default="abcd")
    parser.add_argument("--data", default="fresh,history")
    parser.add_argument("--database-url", default=os.environ.get("SIJAGA_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args()

    import psycopg

    ensure_database(args.database_url)
    migrate(args.database_url)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    variants = list(args.variants)
    with psycopg.connect(args.database_url) as conn:
        print(conn.execute("SELECT version()").fetchone()[0])
        for v in variants:
            create(conn, v)
            failures = check_sql(conn, v)
            print(f"({v}) {VARIANTS[v][0]}: SQL check {'ok' if not failures else 'FAILED: ' + '; '.join(failures)}")
        results: dict[tuple[str, str], dict[str, object]] = {}
        for kind in args.data.split(","):
            data, memberships = rows(kind, args.rows)
            more, _ = rows(kind, args.more, first_membership=memberships + 1)
            data_chain = rows(kind, args.rows, chain=True)[0] if "e" in variants else b""
            more_chain = rows(kind, args.more, memberships + 1, chain=True)[0] if "e" in variants else b""
            print(f"\n{kind}: {args.rows:,} rows, {memberships:,} memberships, {len(data) / 1e6:.0f} MB", flush=True)
            times: dict[str, list[float | None]] = {v: [] for v in variants}
            for r in range(args.repeat):
                order = variants[r % len(variants) :] + variants[: r % len(variants)]  # rotated: interleaved fairly
                for v in order:
                    if times[v] and times[v][-1] is None:
                        continue  # timed out once: not again
                    t = timed_copy(conn, v, data_chain if v == "e" else data, args.timeout, empty=True)
                    times[v].append(t)
                    print(f"  repeat {r + 1} ({v}) {fmt(t, args.timeout)} s   load {os.getloadavg()[0]:.2f}",
                          flush=True)  # fmt: skip
            for v in variants:
                done = [t for t in times[v] if t is not None]
                per_row = None
                if len(done) == len(times[v]):  # the table holds N rows: the next import's rows
                    extra = timed_copy(conn, v, more_chain if v == "e" else more, args.timeout, empty=False)
                    per_row = None if extra is None else extra / args.more * 1e6
                    print(f"  ({v}) +{args.more:,} rows onto {args.rows:,}: "
                          f"{fmt(extra, args.timeout)} s", flush=True)  # fmt: skip
                own = [f"{table(v)}_{suffix}" for suffix in ("no_overlap", "to_unique", "prev_unique", "one_first")]
                size = conn.execute(  # the variant's own indexes
                    "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relname = ANY(%s)", [own]
                ).fetchone()[0]
                results[kind, v] = {"times": times[v], "per_row": per_row, "size": int(size)}
        print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        print(f"\n| data | variant | COPY {args.rows:,} rows: best / median s | runs | "
              f"+{args.more:,} onto {args.rows:,}: µs/row | exclusion index MB |")  # fmt: skip
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for (kind, v), res in results.items():
            done = [t for t in res["times"] if t is not None]
            if len(done) == len(res["times"]):
                cell = f"{min(done):.1f} / {statistics.median(done):.1f}"
            else:
                cell = f"> {args.timeout} (cancelled)"
            per_row = "–" if res["per_row"] is None else f"{res['per_row']:.1f}"
            size = "–" if res["per_row"] is None else f"{res['size'] / 1e6:.0f}"
            print(f"| {kind} | ({v}) {VARIANTS[v][0]} | {cell} | {len(res['times'])} | {per_row} | {size} |")
        for v in variants:
            conn.execute(f"DROP TABLE IF EXISTS {table(v)}")
        conn.commit()


if __name__ == "__main__":
    main()
