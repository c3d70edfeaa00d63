"""Panels other apps add to the payer page (like `registry.panels` for the worker page), so enrollment imports none
of them: benefits registers the liability exposure panel in its `AppConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PayerPanel:
    key: str
    template: str
    context: Callable[[Any, Any, Any], dict]  # (request, actor, payer) -> template context
    order: int = 100


_panels: dict[str, PayerPanel] = {}


def register_payer_panel(panel: PayerPanel) -> None:
    _panels[panel.key] = panel


def payer_panels(request, actor, payer) -> list[tuple[str, dict]]:
    return [(p.template, p.context(request, actor, payer)) for p in sorted(_panels.values(), key=lambda p: p.order)]
