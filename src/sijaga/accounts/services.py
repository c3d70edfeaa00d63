"""Accounts commands: creating users with a checked role/region assignment, and the personal-data access log.

Region scope lives in `scope.py` (the value) and `scoping.py` (how models apply it); the acting user in `actor.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import AccessLog, User
from sijaga.accounts.scope import NOBODY, Scope, scope_for

__all__ = ["NOBODY", "Scope", "audit", "client_ip", "create_user", "log_access", "scope_for"]


def create_user(
    username: str,
    password: str | None,
    *,
    role: str,
    region_codes: Iterable[str] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user with a validated role/region assignment."""
    from sijaga.regions.models import Region

    codes = list(region_codes)
    regions = list(Region.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {r.code for r in regions})
    if unknown:
        raise ValidationError(_("Kode wilayah tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)})
    user = User(username=username, role=role, first_name=first_name, last_name=last_name, email=email)
    user.clean_regions(regions)
    user.set_password(password)
    user.save()
    user.regions.set(regions)
    return user


def log_access(
    user: User | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    *,
    count: int = 1,
    query: str = "",
    channel: str = "web",
    ip: str | None = None,
) -> None:
    """Record an access to personal data. Never skipped, never swallowed."""
    AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        channel=channel,
        object_type=object_type,
        object_id=str(object_id),
        record_count=count,
        query=query[:300],
        ip=ip,
    )


def audit(
    actor: Actor, action: str, object_type: str, object_id: str | int = "", *, count: int = 1, query: str = ""
) -> None:
    """Record that `actor` read or changed personal data (UU PDP accountability): who, channel, what, how many."""
    log_access(actor.user, action, object_type, object_id, count=count, query=query, channel=actor.channel,
               ip=actor.ip)  # fmt: skip


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None
