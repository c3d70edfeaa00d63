"""Scoped reads of payers and memberships. Every read starts from `Model.objects.visible_to(actor)`."""

from __future__ import annotations

import re

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.core.exceptions import NotFound
from sijaga.enrollment.models import Membership, MembershipStatus, Payer
from sijaga.registry.models import Worker


class MembershipNotFound(NotFound):
    """A membership that does not exist or is outside the actor's scope (indistinguishable on purpose)."""


class PayerNotFound(NotFound):
    pass


def payers_for(actor: Actor) -> QuerySet[Payer]:
    return Payer.objects.visible_to(actor).select_related("region")


def usable_payers(actor: Actor) -> QuerySet[Payer]:
    """Payers the actor may enrol under or upload for: visible and active."""
    return payers_for(actor).filter(is_active=True)


#: a picker shows at most this many payers; more matches ask the user to type more
PICKER_LIMIT = 20
MAX_PICKER_WORD = 40
_PICKER_WORD = re.compile(r"[\w-]+")


def search_payers(actor: Actor, query: str = "", *, limit: int = PICKER_LIMIT) -> tuple[list[Payer], str]:
    """(payers, hint) for the payer picker: usable payers whose name, code or region name holds every word typed.

    One query, `LIMIT limit + 1` on the name index, whatever the number of payers; nothing typed gives the first
    ones by name (a village office with a handful of payers needs no typing). A word of one letter, 500 characters
    or punctuation only gives no payers and a hint, never an error."""
    text = str(query or "")
    words = [w for w in _PICKER_WORD.findall(text[:100].lower()) if w.strip("_-")][:5]
    qs = usable_payers(as_actor(actor)).order_by("name", "pk")
    if text.strip() and (not words or all(len(w) < 2 for w in words)):
        return [], _("Ketik sedikitnya 2 huruf nama, kode atau wilayah pembayar.")
    if any(len(w) > MAX_PICKER_WORD for w in words):
        return [], _("Kata pencarian terlalu panjang; ketik sebagian nama, kode atau wilayah.")
    for word in words:  # `search_text` is name, code and region name in lower case (trigram index on PostgreSQL)
        qs = qs.filter(search_text__contains=word)
    found = list(qs[: limit + 1])
    if not found:
        return [], _("Tidak ada pembayar yang cocok di wilayah tugas Anda.")
    if len(found) > limit:
        return found[:limit], _("Lebih dari %(n)s pembayar cocok; ketik lebih lengkap untuk mempersempit.") % {
            "n": limit
        }
    return found, ""


def get_payer(actor: Actor, pk: int) -> Payer:
    try:
        return payers_for(actor).get(pk=pk)
    except (Payer.DoesNotExist, ValueError, TypeError) as exc:
        raise PayerNotFound(pk) from exc


def memberships_for(actor: Actor) -> QuerySet[Membership]:
    """Memberships whose payer or whose worker's domicile is in scope."""
    return Membership.objects.visible_to(actor).select_related("payer__region", "worker")


def get_membership(actor: Actor, pk: int) -> Membership:
    try:
        return memberships_for(actor).get(pk=pk)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise MembershipNotFound(pk) from exc


def memberships_of(actor: Actor, worker: Worker) -> QuerySet[Membership]:
    return memberships_for(actor).filter(worker=worker).prefetch_related("events__by")


def status_counts(actor: Actor) -> dict[str, int]:
    """Memberships in scope per status (every status present, zero when none)."""
    rows = dict(memberships_for(as_actor(actor)).order_by().values_list("status").annotate(n=Count("id")))
    return {s: rows.get(s, 0) for s in MembershipStatus.values}


def open_memberships_elsewhere(worker_ids, payer: Payer) -> QuerySet[Membership]:
    """Open memberships of these workers with *another government* payer: a second one means double funding."""
    from sijaga.enrollment.rules import OPEN_STATUSES

    return (
        Membership.objects.filter(worker_id__in=worker_ids, status__in=OPEN_STATUSES)
        .exclude(payer=payer)
        .filter(payer__kind__in=("pemprov", "pemkab", "pemdes"))
        .select_related("payer")
    )


#: a registered membership not active after this many days needs a look (BPJS has not confirmed it)
STALE_REGISTRATION_DAYS = 30


def needing_attention(actor: Actor) -> QuerySet[Membership]:
    """Memberships an operator should look at: registered more than 30 days ago and still not active, or inactive
    (arrears). Oldest first."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    cutoff = timezone.now() - dt.timedelta(days=STALE_REGISTRATION_DAYS)
    stale = Q(status=MembershipStatus.REGISTERED, created_at__lt=cutoff)
    return (
        memberships_for(as_actor(actor))
        .filter(stale | Q(status=MembershipStatus.INACTIVE))
        .select_related("worker__domicile")
        .order_by("status_changed_at", "id")
    )


def terms_in_force_sql(first_day, last_day, payers_table: str, *, lock: bool = False) -> tuple[str, list]:
    """SQL (and params) of the terms each membership of the payers listed in ``payers_table`` (a table with an
    ``id`` column) had in a month: the terms in force on its first day, or the first terms that begin during it.
    Columns: terms_id, membership_id, payer_id, segment, jkk … jkp, wage, jkk_risk_class, labour_intensive.
    Memberships of a construction project priced on its contract value are left out (billed with the project).
    For set-based readers above enrollment (billing); no scope applies here, the caller chose the payers.

    ``lock`` (PostgreSQL) locks the terms rows read ``FOR KEY SHARE`` until the transaction ends, as a foreign-key
    trigger would: a writer referencing them without its RI triggers (`core.fkcheck`) checks them this way. Since
    ``membership_id`` is a key column of the terms (`terms_membership_from_unique`), the lock also keeps each
    terms row's membership from being deleted (its own foreign key) or swapped."""
    in_month = "{t}.valid_from <= %s AND ({t}.valid_to IS NULL OR {t}.valid_to >= %s)"
    sql = (
        "SELECT t.id AS terms_id, t.membership_id, m.payer_id, t.segment, t.jkk, t.jkm, t.jht, t.jp, t.jkp, t.wage, "
        "t.jkk_risk_class, t.labour_intensive FROM enrollment_membershipterms t "
        "JOIN enrollment_membership m ON m.id = t.membership_id "
        f"WHERE m.payer_id IN (SELECT id FROM {payers_table}) AND {in_month.format(t='t')} "
        "AND NOT EXISTS (SELECT 1 FROM enrollment_membershipterms e WHERE e.membership_id = t.membership_id "
        f"AND e.valid_from < t.valid_from AND {in_month.format(t='e')}) "
        # a Jakon membership of a project priced on its contract value is billed with the project, not on its wage
        "AND (m.project_id IS NULL OR NOT EXISTS (SELECT 1 FROM enrollment_constructionproject cp "
        "WHERE cp.id = m.project_id AND cp.priced_on = 'contract'))"
    )
    if lock:
        sql += " FOR KEY SHARE OF t"
    return sql, [last_day, first_day, last_day, first_day]


def projects_for(actor: Actor):
    from sijaga.enrollment.models import ConstructionProject

    return ConstructionProject.objects.visible_to(actor).select_related("payer")
