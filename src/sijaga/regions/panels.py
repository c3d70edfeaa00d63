"""Panels other apps add to the (public) region page, so regions imports none of them. A panel's context function
gets the request and the region and returns None when the visitor may not see it (scope is the panel's business:
regions sits below accounts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RegionPanel:
    key: str
    template: str
    context: Callable[[Any, Any], dict | None]  # (request, region) -> template context, or None to hide
    order: int = 100


_panels: dict[str, RegionPanel] = {}


def register_region_panel(panel: RegionPanel) -> None:
    _panels[panel.key] = panel


def region_panels(request, region) -> list[tuple[str, dict]]:
    out = []
    for p in sorted(_panels.values(), key=lambda p: p.order):
        context = p.context(request, region)
        if context is not None:
            out.append((p.template, context))
    return out
