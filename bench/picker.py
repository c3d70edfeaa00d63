"""Time the payer picker (`enrollment.selectors.search_payers`) on 75,000 payers: one per village, as nationally.

    python bench/picker.py [--database-url postgresql://postgres@127.0.0.1:5432/sijaga_bench] [--payers 75000]

Creates the payers once (codes `bench-pemdes-NNNNNN`), then times each query 30 times as a national coordinator
and as a regency operator and prints the median and the 95th percentile in milliseconds (target: under 100 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import importlib

_import_bench = importlib.import_module("import")  # bench/import.py: its database helpers
DEFAULT_DATABASE_URL = _import_bench.DEFAULT_DATABASE_URL
ensure_database, setup_django = _import_bench.ensure_database, _import_bench.setup_django

QUERIES = ["", "desa", "nomor 0712", "bench-pemdes-07", "Sepinggan", "a", "x" * 500, "!!!"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SIJAGA_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--payers", type=int, default=75_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url, Path(tempfile.mkdtemp(prefix="sijaga-bench-")))

    from django.core.management import call_command

    from sijaga.accounts.actor import Actor
    from sijaga.accounts.scope import Scope
    from sijaga.enrollment.models import Payer
    from sijaga.enrollment.selectors import search_payers
    from sijaga.regions.models import Region
    from sijaga.regions.services import load_regions

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.filter(level=4).exists():
        load_regions()
    have = Payer.objects.filter(code__startswith="bench-pemdes-").count()
    if have < args.payers:
        villages = list(Region.objects.filter(level=4).order_by("code").values_list("code", "name")[: args.payers])
        Payer.objects.bulk_create(
            [Payer(code=f"bench-pemdes-{i:06d}", name=f"Pemerintah Desa {villages[i % len(villages)][1]} {i:06d}",
                   kind="pemdes", region_id=villages[i % len(villages)][0], funding_source="apbdes",
                   search_text=f"pemerintah desa {villages[i % len(villages)][1]} {i:06d} bench-pemdes-{i:06d}".lower())
             for i in range(have, args.payers)],
            batch_size=5000,
        )  # fmt: skip
    print(f"{Payer.objects.count():,} payers, database {args.database_url.split('@')[-1]}\n")
    actors = {
        "coordinator (national)": Actor(None, Scope(user_id=None, role="coordinator", national=True, prefixes=())),
        "regency operator (64.71)": Actor(
            None, Scope(user_id=None, role="regency_operator", national=False, prefixes=("64.71",))
        ),
    }
    print("| who | query | found | median ms | p95 ms |\n|---|---|---|---|---|")
    for who, actor in actors.items():
        for query in QUERIES:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                found, _hint = search_payers(actor, query)
                times.append((time.perf_counter() - t0) * 1000)
            p95 = sorted(times)[int(len(times) * 0.95) - 1]
            shown = query if len(query) < 20 else query[:8] + f"…({len(query)})"
            print(f"| {who} | `{shown}` | {len(found)} | {statistics.median(times):.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
