"""Who is acting: a user (or the system), their region scope, the channel and the client address.

An `Actor` is built once at the edge — web middleware, API auth, task, command — and handed to every service,
selector and presenter. Services never look up the current user themselves, so the same command is scoped,
authorised and audited the same way whichever channel called it (Saleor passes the requestor explicitly).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sijaga.accounts.scope import NOBODY, Scope, scope_for

if TYPE_CHECKING:
    from sijaga.accounts.models import User

CHANNELS = ("web", "api", "admin", "cli", "task")


@dataclass(frozen=True)
class Actor:
    """A user (or the system) acting through one channel; `scope` decides what they may see and do."""

    user: User | None
    scope: Scope
    channel: str = "web"
    ip: str | None = None
    is_system: bool = False

    # --- construction at the edges --------------------------------------------------------------------------

    @classmethod
    def of(cls, user: User | None, *, channel: str = "web", ip: str | None = None) -> Actor:
        return cls(user=user if user is not None and user.is_authenticated else None, scope=scope_for(user),
                   channel=channel, ip=ip)  # fmt: skip

    @classmethod
    def from_request(cls, request, *, channel: str | None = None) -> Actor:
        """The request's actor (built once by `ActorMiddleware`; the API re-labels the channel)."""
        wanted = channel or ("api" if request.path.startswith("/api/") else "web")
        cached: Actor | None = getattr(request, "_sijaga_actor", None)
        if cached is None or cached.user != (request.user if request.user.is_authenticated else None):
            cached = cls.of(request.user, channel=wanted, ip=request.META.get("REMOTE_ADDR"))
            request._sijaga_actor = cached
        return cached if cached.channel == wanted else replace(cached, channel=wanted)

    @classmethod
    def system(cls, channel: str = "task", *, on_behalf_of: User | None = None) -> Actor:
        """Server-side work (CLI, tasks reacting to payments): national scope, recorded as the system."""
        scope = Scope(user_id=None, role="system", national=True, prefixes=())
        return cls(user=on_behalf_of, scope=scope, channel=channel, is_system=True)

    @classmethod
    def nobody(cls) -> Actor:
        return cls(user=None, scope=NOBODY)

    # --- what the actor may do -------------------------------------------------------------------------------

    @property
    def role(self) -> str | None:
        return self.scope.role

    @property
    def can_write(self) -> bool:
        return self.is_system or self.scope.can_write

    @property
    def can_change_status(self) -> bool:
        return self.is_system or self.scope.can_change_status

    @property
    def can_manage_payers(self) -> bool:
        return self.is_system or self.scope.can_manage_payers

    def covers(self, region_code: str | None) -> bool:
        return self.scope.covers(region_code)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    def __str__(self) -> str:
        who = self.user.get_username() if self.user is not None else ("system" if self.is_system else "anonymous")
        return f"{who}@{self.channel}"


def as_actor(who: Actor | User | Scope | None, *, channel: str = "web") -> Actor:
    """Accept an Actor, or a bare user (tests, the demo, the shell) or scope (bulk code reading for a batch)."""
    if isinstance(who, Actor):
        return who
    if isinstance(who, Scope):
        return Actor(user=None, scope=who, channel=channel)
    return Actor.of(who, channel=channel)
