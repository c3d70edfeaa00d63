"""Panels other apps add to the worker page (NetBox's registered model views), so the registry imports none of
them. Enrollment registers the memberships panel in its `AppConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[[Any, Any, Any], dict]  # (request, actor, worker) -> template context
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def worker_panels(request, actor, worker) -> list[tuple[str, dict]]:
    return [(p.template, p.context(request, actor, worker)) for p in sorted(_panels.values(), key=lambda p: p.order)]
