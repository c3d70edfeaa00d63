"""Scoped reads of the access log: `AccessLog.objects.visible_to(actor)`, what the actor's regions' users did."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.models import AccessLog

_LONG_DIGITS = re.compile(r"\d{7,}")


@dataclass(frozen=True)
class AccessLogFilters:
    user: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_params(cls, params) -> AccessLogFilters:
        def day(key: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(str(params.get(key, ""))[:10])
            except ValueError:
                return None

        user = re.sub(r"[\x00-\x1f\x7f]", "", str(params.get("user", ""))).strip()[:150]
        action = str(params.get("action", ""))
        return cls(user, action if action in AccessLog.Action.values else "", day("from"), day("to"))


def access_log(actor: Actor, filters: AccessLogFilters | None = None) -> QuerySet[AccessLog]:
    """The access log of the actor's scope, newest first; only the roles that audit may read it."""
    actor = as_actor(actor)
    if not actor.scope.reads_access_log:
        raise PermissionDenied(_("Peran Anda tidak dapat membaca log akses."))
    f = filters or AccessLogFilters()
    qs = AccessLog.objects.visible_to(actor).select_related("user")
    if f.user:
        qs = qs.filter(user__username__icontains=f.user)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs.order_by("-at", "-id")


def shown_query(actor: Actor, query: str) -> str:
    """A logged search as the reader may see it: a role that sees NIKs masked sees no birth-date digits here
    either (a logged search may hold a whole NIK; digits 7 onwards are masked)."""
    query = _readable(query)
    if not as_actor(actor).scope.masks_nik:
        return query
    return _LONG_DIGITS.sub(lambda m: m.group()[:6] + "*" * (len(m.group()) - 6), query)


def _readable(query: str) -> str:
    """A logged filter dict (`{'q': 'Soeharto', 'region': ''}`) as `q=Soeharto`; anything else as stored."""
    import ast

    if not query.startswith("{"):
        return query
    try:
        value = ast.literal_eval(query)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return query
    if not isinstance(value, dict):
        return query
    return " · ".join(f"{k}={v}" for k, v in value.items() if v not in ("", None))
