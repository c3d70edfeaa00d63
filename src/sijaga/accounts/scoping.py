"""Scope by construction: every model holding personal or regional data says how it is scoped.

A scoped model declares `scope_fields` (paths to region codes: a row is visible when any of them is in the actor's
scope) or overrides `scope_q(scope)`, and uses `ScopedManager`, so every read starts from
`Model.objects.visible_to(actor)`. `sijaga.core.tests.test_project_habits` fails when a model declares no scope and
is not listed as public. After a write, services re-check with `ensure_visible` (NetBox's post-save check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from sijaga.accounts.actor import Actor
    from sijaga.accounts.scope import Scope


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, actor: Actor | Any) -> ScopedQuerySet:
        """Rows the actor may see (an Actor, or a user — wrapped for tests and the shell)."""
        from sijaga.accounts.actor import as_actor

        scope = as_actor(actor).scope
        if scope.national:
            return self
        if not scope.prefixes:
            return self.none()
        return self.filter(self.model.scope_q(scope))


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class ScopedModel(models.Model):
    """Abstract base: `scope_fields` (region-code paths) → `scope_q`; subclasses may widen or narrow it."""

    scope_fields: tuple[str, ...] = ()

    objects = ScopedManager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if not cls.scope_fields:
            raise NotImplementedError(f"{cls.__name__} declares no scope_fields")
        return scope.q(*cls.scope_fields)


def ensure_visible(actor: Actor, obj: models.Model, message: str) -> None:
    """After a write: the object must still be inside the actor's scope, or the write is refused (roll back)."""
    if not type(obj)._default_manager.visible_to(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied(message)
