"""The worker list's filters, one parser for the page, the API and the export (NetBox's shared filterset)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Length

from sijaga.accounts.actor import Actor
from sijaga.registry.names import name_key, word_keys

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

    @property
    def by_nik(self) -> bool:
        """`q` is NIK digits (a whole NIK or a prefix): the list is ordered by NIK."""
        return bool(self.q) and self.q.replace(" ", "").isdigit()

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
                keys = word_keys(q)
                if not keys:  # stop words or punctuation only: nothing, never the whole list
                    return qs.none()
                qs = qs.filter(name_words_match(keys))
        if self.region:
            codes = self.region_codes(actor)
            if not codes:
                return qs.none()
            match = Q()
            for code in codes:
                match |= Q(domicile__code=code) | Q(domicile__code__startswith=code + ".")
            qs = qs.filter(match)
        if self.category:
            qs = qs.filter(category=self.category)
        if self.status:
            # reverse relation only: the registry does not import enrollment
            qs = qs.filter(pk__in=qs.model.objects.filter(memberships__status=self.status).values("pk"))
        return self.order(qs)

    def order(self, qs: QuerySet) -> QuerySet:
        """By NIK for NIK digits; by name; a name search ranks by similarity of the keys (pg_trgm on PostgreSQL, key
        length on SQLite). Lists page by `registry.selectors.worker_keyset`, the export keeps this order."""
        if self.by_nik:
            return qs.order_by("nik", "id")
        key = name_key(self.q) if self.q else ""
        if not key:
            return qs.order_by("full_name", "id")
        if connection.vendor == "postgresql":
            rank = Func(F("search_key"), Value(key), function="similarity", output_field=FloatField())
            return qs.annotate(name_rank=rank).order_by("-name_rank", "full_name", "id")
        return qs.annotate(name_rank=Length("search_key")).order_by("name_rank", "full_name", "id")

    def region_codes(self, actor: Actor) -> list[str]:
        """The region filter as codes: a (dotted) code as typed, or a name resolved in the actor's scope."""
        return [r.code for r in self.region_matches(actor)] if not _is_code(self.region) else [self.region]

    def region_matches(self, actor: Actor) -> list:
        """Regions whose name matches the filter (exact names first); empty for a code or nothing typed."""
        from sijaga.regions.services import search_in_scope

        term = self.region
        if not term or _is_code(term) or len(term) < 2 or not any(c.isalpha() for c in term):
            return []
        found = search_in_scope(term, actor.scope, limit=REGION_SEARCH)
        exact = [r for r in found if r.name.casefold() == term.casefold()]
        return exact or found

    def region_hint(self, actor: Actor) -> list:
        """Regions to choose from when a name matches several (shown under the filter); [] otherwise."""
        matches = self.region_matches(actor)
        return matches[:REGION_CHOICES] if len(matches) > 1 else []


class _WordsMatch(Func):
    """`to_tsvector('simple', search_key) @@ to_tsquery('simple', 'k1:* & k2:*')`: the expression of the GIN index
    `worker_search_words` (registry migration 0009), written out so the planner matches it."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    output_field = BooleanField()


def name_words_match(keys: list[str]) -> Q | Func:
    """Every key starts one of the name's words, in any order (keys are `names.word_keys`: letters a–z only).

    On PostgreSQL a word-level GIN index answers it: one posting list per word (a few per name) instead of the
    trigram index's per-trigram lists, which at 20M workers made a two-word search read millions of entries for
    common words (1.1 s p95, bench/README.md); every match is still the same set of rows. Elsewhere, LIKE on the
    space-separated key."""
    if connection.vendor == "postgresql":
        from sijaga.registry.vocabulary import expand

        # each key as the whole words it starts (a merge of posting lists), or as a prefix when the vocabulary has
        # none or too many (`registry.vocabulary`)
        terms = [f"({' | '.join(words)})" if (words := expand(k)) else f"{k}:*" for k in keys]
        return _WordsMatch(F("search_key"), Value(" & ".join(terms)))
    match = Q()
    for key in keys:
        match &= Q(search_key__startswith=key) | Q(search_key__contains=" " + key)
    return match


REGION_CHOICES = 10
REGION_SEARCH = 200


def _is_code(term: str) -> bool:
    return term.replace(".", "").isdigit()
