"""The one place that decides what a user may see and do.

Every list, detail, search, count, export and admin queryset of personal data is filtered through `scope_for()`;
nothing else in the code base decides region visibility.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sijaga.accounts.models import AccessLog, Role, User

#: Roles that may create or edit workers and memberships.
WRITE_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR, Role.VILLAGE_OPERATOR})
#: Roles that may change a membership's status (activate, suspend, end).
STATUS_ROLES = frozenset({Role.COORDINATOR, Role.BPJS_OFFICER, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR})
#: Roles that see NIKs masked.
MASKED_ROLES = frozenset({Role.AUDITOR})


@dataclass(frozen=True)
class Scope:
    """Region codes a user may see; `national` means every region."""

    user_id: int | None
    role: str | None
    national: bool
    prefixes: tuple[str, ...]

    def covers(self, region_code: str | None) -> bool:
        if self.national:
            return True
        if not region_code:
            return False
        return any(region_code == p or region_code.startswith(p + ".") for p in self.prefixes)

    def q(self, *region_fields: str) -> Q:
        """Q that keeps rows whose region (any of `region_fields`, each a path to a region code) is in scope."""
        if self.national:
            return Q()
        if not self.prefixes:
            return Q(pk__in=[])
        q = Q()
        for field in region_fields:
            for p in self.prefixes:
                q |= Q(**{field: p}) | Q(**{f"{field}__startswith": p + "."})
        return q

    def filter(self, qs: QuerySet, *region_fields: str) -> QuerySet:
        return qs if self.national else qs.filter(self.q(*region_fields))

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @property
    def can_change_status(self) -> bool:
        return self.role in STATUS_ROLES

    @property
    def masks_nik(self) -> bool:
        return self.role in MASKED_ROLES


NOBODY = Scope(user_id=None, role=None, national=False, prefixes=())


def scope_for(user: User | None) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    if user.role == Role.COORDINATOR:
        return Scope(user.pk, user.role, True, ())
    cached = getattr(user, "_sijaga_scope", None)
    if cached is None:
        codes = tuple(sorted(user.regions.values_list("code", flat=True)))
        cached = Scope(user.pk, user.role, False, codes)
        user._sijaga_scope = cached
    return cached


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


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None
