"""Region scope: which region codes a user may see, and what their role lets them do there.

A `Scope` is a small frozen value. Models turn it into a filter through `visible_to(actor)` (see `scoping.py`);
nothing else decides region visibility. An empty scope sees nothing (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from sijaga.accounts.models import Role

if TYPE_CHECKING:
    from sijaga.accounts.models import User

#: Roles that may create or edit workers and memberships.
WRITE_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR, Role.VILLAGE_OPERATOR})
#: Roles that may change a membership's status (activate, suspend, end).
STATUS_ROLES = frozenset({Role.COORDINATOR, Role.BPJS_OFFICER, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR})
#: Roles that may create and edit payers. Village operators enrol under the payers their regency set up.
PAYER_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR})
#: Roles that integrate other systems through the API (the menu links the API documentation for them only).
API_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE_ADMIN, Role.REGENCY_OPERATOR, Role.BPJS_OFFICER})
#: Roles that read the access log of their scope (`/audit/`); superusers read it in the admin too.
AUDIT_ROLES = frozenset({Role.COORDINATOR, Role.AUDITOR})
#: Roles that read masked personal data (see each app's presenters for the field-by-field rules).
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
    def can_manage_payers(self) -> bool:
        return self.role in PAYER_ROLES

    @property
    def uses_api(self) -> bool:
        return self.role in API_ROLES

    @property
    def reads_access_log(self) -> bool:
        return self.role in AUDIT_ROLES

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
