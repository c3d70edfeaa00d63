"""What each role sees of personal data, field by field — one rule per field, applied on every channel.

Each app declares a `FieldPolicy` for its objects (in its `presenters.py`); the page, the API, the XLSX export and
the admin all read values through it, so a field cannot be hidden on one channel and leak on another
(security review F4). Fields not named are shown to every role that may see the object at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sijaga.accounts.models import Role

SHOW, MASK, HIDE = "show", "mask", "hide"


@dataclass(frozen=True)
class FieldRule:
    """How one field is shown: hidden for some roles, masked (by `masker`) for others."""

    hide: frozenset[str] = frozenset()
    mask: frozenset[str] = frozenset()
    masker: Callable[[Any], Any] | None = None

    def for_role(self, role: str | None) -> str:
        if role in self.hide:
            return HIDE
        if role in self.mask:
            return MASK
        return SHOW


@dataclass(frozen=True)
class FieldPolicy:
    name: str
    rules: Mapping[str, FieldRule] = field(default_factory=dict)

    def rule(self, actor, field_name: str) -> str:
        if getattr(actor, "is_system", False):
            return SHOW
        rule = self.rules.get(field_name)
        return rule.for_role(actor.role) if rule else SHOW

    def visible(self, actor, field_name: str) -> bool:
        return self.rule(actor, field_name) != HIDE

    def present(self, actor, field_name: str, value: Any) -> Any:
        """The value as this actor may see it: itself, masked, or None when hidden."""
        verdict = self.rule(actor, field_name)
        if verdict == HIDE:
            return None
        if verdict == MASK:
            masker = self.rules[field_name].masker
            return masker(value) if masker and value is not None else None
        return value

    def hidden_fields(self, actor) -> set[str]:
        return {f for f in self.rules if self.rule(actor, f) == HIDE}

    def table(self) -> dict[str, dict[str, str]]:
        """Role × field verdicts, for the documentation and the masking test matrix."""
        return {f: {r: rule.for_role(r) for r in Role.values} for f, rule in self.rules.items()}


AUDITOR = frozenset({Role.AUDITOR})
