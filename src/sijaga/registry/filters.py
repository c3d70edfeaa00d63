"""The worker list's filters, one parser for the page, the API and the export (NetBox's shared filterset)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.db.models import Q, QuerySet

from sijaga.accounts.actor import Actor

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TERM = 100


def clean_term(value: object) -> str:
    """A filter value as typed, without control characters (a NUL byte must never reach the database)."""
    return _CONTROL.sub("", str(value or "")).strip()[:MAX_TERM]


@dataclass(frozen=True)
class WorkerFilters:
    q: str = ""
    region: str = ""
    category: str = ""
    status: str = ""

    @classmethod
    def from_params(cls, params: Mapping) -> WorkerFilters:
        return cls(**{k: clean_term(params.get(k, "")) for k in ("q", "region", "category", "status")})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def apply(self, qs: QuerySet, actor: Actor) -> QuerySet:
        """`q` is a NIK or words of the name. Roles that see masked NIKs may only look up a complete NIK:
        a prefix search would let them recover the hidden digits one at a time (security review F4)."""
        q = self.q
        if q:
            digits = q.replace(" ", "")
            if digits.isdigit():
                if actor.scope.masks_nik and len(digits) != 16:
                    qs = qs.none()
                elif len(digits) == 16:
                    qs = qs.filter(nik=digits)
                else:
                    qs = qs.filter(nik__startswith=digits)
            else:
                for word in q.split():
                    qs = qs.filter(full_name__icontains=word)
        if self.region:
            qs = qs.filter(Q(domicile__code=self.region) | Q(domicile__code__startswith=self.region + "."))
        if self.category:
            qs = qs.filter(category=self.category)
        if self.status:
            # reverse relation only: the registry does not import enrollment
            qs = qs.filter(pk__in=qs.model.objects.filter(memberships__status=self.status).values("pk"))
        return qs
