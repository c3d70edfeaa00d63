"""Panels other apps add to a region's page (like `registry.panels` for the worker page), so the regions app imports
none of them: contributions registers billed, paid and arrears in its `AppConfig.ready()`.

A panel's context function gets (request, region) and returns a template context, or None to show nothing (the
region page is public: a panel holding scoped figures returns None for anonymous users and foreign regions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RegionPanel:
    key: str
    template: str
    context: Callable[[Any, Any], dict | None]  # (request, region) -> template context, or None
    order: int = 100


_panels: dict[str, RegionPanel] = {}


def register_region_panel(panel: RegionPanel) -> None:
    _panels[panel.key] = panel


def region_panels(request, region) -> list[tuple[str, dict]]:
    out = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        context = panel.context(request, region)
        if context is not None:
            out.append((panel.template, context))
    return out
