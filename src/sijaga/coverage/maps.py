"""Maps of coverage: the boundaries as ECharts map data for the pages, and a server-side SVG choropleth for PDFs
(WeasyPrint draws SVG; no browser, no JavaScript).

Boundaries come from `regions.Boundary` (the packaged province and regency GeoJSON, `sijaga load_boundaries`).
Districts and villages have no boundaries: their pages are tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.translation import gettext as _

#: colour bins of the percentage (upper bound exclusive, colour); above 100 % has its own colour (a data problem)
BINS: tuple[tuple[float, str], ...] = (
    (25.0, "#fde0dd"),
    (50.0, "#fa9fb5"),
    (75.0, "#c51b8a"),
    (100.0001, "#7a0177"),
)
OVER_100 = "#f59e0b"
NO_TARGET = "#d1d5db"


def colour(percent: float | None, over_100: bool = False) -> str:
    if percent is None:
        return NO_TARGET
    if over_100:
        return OVER_100
    for upper, fill in BINS:
        if percent < upper:
            return fill
    return BINS[-1][1]


def boundaries(codes: Sequence[str]) -> dict[str, dict]:
    """code → GeoJSON geometry for the codes that have a boundary."""
    from sijaga.regions.models import Boundary

    return dict(Boundary.objects.filter(region_id__in=list(codes)).values_list("region_id", "geometry"))


def geojson(rows: Sequence, *, level: int, parent: str | None) -> dict:
    """A FeatureCollection of the rows' regions (ECharts `registerMap` takes it), `name` = code."""
    shapes = boundaries([r.code for r in rows if not getattr(r, "is_direct", False)])
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": code, "properties": {"name": code}, "geometry": geometry}
            for code, geometry in sorted(shapes.items())
        ],
    }


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def choropleth_svg(rows: Sequence, *, level: int, parent: str | None, width: int = 800) -> str:
    """An SVG choropleth of `rows` (CoverageRow) from the stored boundaries, with a legend; a note instead of a map
    when the level has no boundaries (districts, villages) or none are loaded."""
    shapes = {} if level > 2 else boundaries([r.code for r in rows if not getattr(r, "is_direct", False)])
    by_code = {r.code: r for r in rows}
    if not shapes:
        height = 60
        note = escape(_("Peta tidak tersedia untuk tingkat ini; lihat tabel."))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img"><text x="10" y="35" font-size="14" '
            f'font-family="sans-serif" fill="#374151">{note}</text></svg>'
        )
    xs, ys = [], []
    for geometry in shapes.values():
        for polygon in _polygons(geometry):
            for ring in polygon[:1]:
                for x, y in ring:
                    xs.append(x)
                    ys.append(y)
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    mid_lat = math.radians((min_y + max_y) / 2)
    kx = math.cos(mid_lat)
    span_x = max((max_x - min_x) * kx, 1e-6)
    span_y = max(max_y - min_y, 1e-6)
    legend_h = 40
    map_h = max(int(width * span_y / span_x), 120)
    scale = width / span_x

    def point(x: float, y: float) -> str:
        return f"{(x - min_x) * kx * scale:.1f},{(max_y - y) * scale:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{map_h + legend_h}" '
        f'viewBox="0 0 {width} {map_h + legend_h}" role="img" font-family="sans-serif">'
    ]
    for code, geometry in sorted(shapes.items()):
        row = by_code.get(code)
        fill = colour(row.percent if row else None, bool(row and row.over_100))
        d = []
        for polygon in _polygons(geometry):
            for ring in polygon:
                if len(ring) < 3:
                    continue
                d.append("M" + " L".join(point(x, y) for x, y in ring) + " Z")
        title = escape(
            f"{row.name}: {row.percent} %" if row and row.percent is not None else (row.name if row else code)
        )
        parts.append(
            f'<path d="{" ".join(d)}" fill="{fill}" stroke="#ffffff" stroke-width="0.5" '
            f'data-code="{escape(code)}"><title>{title}</title></path>'
        )
    y = map_h + 12
    x = 0
    labels = [("< 25 %", BINS[0][1]), ("25–50 %", BINS[1][1]), ("50–75 %", BINS[2][1]), ("75–100 %", BINS[3][1]),
              ("> 100 %", OVER_100), (_("belum ada data sasaran"), NO_TARGET)]  # fmt: skip
    for label, fill in labels:
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{fill}" stroke="#9ca3af"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 12}" font-size="12" fill="#111827">{escape(label)}</text>')
        x += 40 + 7 * len(label)
    parts.append("</svg>")
    return "".join(parts)
