"""Membership terms through time: the only writer of `MembershipTerms`.

A change of terms closes the terms in force (``valid_to`` = the day before the change) and opens new ones from the
effective date; a change effective on the day the open terms began replaces them in place (nothing was in force
under them yet). Periods of one membership never overlap: PostgreSQL refuses an overlap with an exclusion constraint
(btree_gist, migration 0008); on SQLite :func:`check_no_overlap` is called inside the writing transaction.

The scalar functions serve `enrollment.services`; :func:`sync_payer` does the same set-based for a bulk re-upload
(called once from `enrollment.importing` after the membership merge), so both leave the same rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.enrollment.models import Membership, MembershipTerms, Payer, ShareBearer
from sijaga.enrollment.rules import PROGRAMMES

#: Terms copied on `Membership` (the terms in force today) and kept through time here.
COPIED = ("segment", *PROGRAMMES, "wage")
#: Terms kept only here.
EXTRA = ("jkk_risk_class", "labour_intensive", "worker_share_paid_by")
FIELDS = (*COPIED, *EXTRA)


def default_risk_class(payer: Payer) -> int:
    """The payer's JKK risk class (a government office is class I, the default)."""
    return payer.jkk_risk_class or 1


def default_share_bearer(payer: Payer) -> str:
    return ShareBearer.WORKER if payer.kind == "mandiri" else ShareBearer.PAYER


def open_first(membership: Membership, *, extra: dict[str, Any] | None = None, at=None) -> MembershipTerms:
    """The first terms of a new membership, from its start date."""
    payer = membership.payer
    values = {
        "jkk_risk_class": default_risk_class(payer),
        "labour_intensive": False,
        "worker_share_paid_by": default_share_bearer(payer),
        **{k: v for k, v in (extra or {}).items() if k in EXTRA},
    }
    terms = MembershipTerms(
        membership=membership,
        valid_from=membership.start_date,
        valid_to=membership.end_date,
        created_at=at or timezone.now(),
        **{k: getattr(membership, k) for k in COPIED},
        **values,
    )
    terms.full_clean(exclude=["membership"], validate_unique=False, validate_constraints=False)
    terms.save()
    check_no_overlap([membership.pk])
    return terms


def current(membership: Membership) -> MembershipTerms | None:
    return MembershipTerms.objects.filter(membership=membership, valid_to__isnull=True).first()


def change(
    membership: Membership, values: dict[str, Any], *, effective: dt.date, at=None
) -> tuple[MembershipTerms, dict[str, list[Any]]]:
    """Close the terms in force and open ``values`` from ``effective``. Returns the new terms and the changes of
    the fields kept only here ({field: [before, after]}); the copied fields' changes are the caller's diff."""
    now = at or timezone.now()
    open_terms = (
        MembershipTerms.objects.select_for_update().filter(membership=membership, valid_to__isnull=True).first()
    )
    if open_terms is None:  # a membership from before terms were kept (or ended and reopened): start its history
        return open_first(membership, extra=values, at=now), {}
    if effective < open_terms.valid_from:
        raise ValidationError(
            {"effective": [_("Tanggal berlaku sebelum ketentuan yang berlaku sejak %(d)s.")
                           % {"d": open_terms.valid_from.strftime("%d-%m-%Y")}]}
        )  # fmt: skip
    new_values = {k: values.get(k, getattr(open_terms, k)) for k in FIELDS}
    extra_changes = {
        k: [getattr(open_terms, k), new_values[k]] for k in EXTRA if getattr(open_terms, k) != new_values[k]
    }
    if all(getattr(open_terms, k) == new_values[k] for k in FIELDS):
        return open_terms, {}
    if effective == open_terms.valid_from:
        for k, v in new_values.items():
            setattr(open_terms, k, v)
        open_terms.full_clean(exclude=["membership"], validate_unique=False, validate_constraints=False)
        open_terms.save(update_fields=list(FIELDS))
        return open_terms, extra_changes
    open_terms.valid_to = effective - dt.timedelta(days=1)
    open_terms.save(update_fields=["valid_to"])
    terms = MembershipTerms(membership=membership, valid_from=effective, created_at=now, **new_values)
    terms.full_clean(exclude=["membership"], validate_unique=False, validate_constraints=False)
    terms.save()
    check_no_overlap([membership.pk])
    return terms, extra_changes


def close(membership: Membership, end_date: dt.date) -> None:
    """The membership ended: its terms end with it (terms that would begin later are refused)."""
    if MembershipTerms.objects.filter(membership=membership, valid_from__gt=end_date).exists():
        raise ValidationError({"end_date": [_("Tanggal berakhir sebelum ketentuan kepesertaan terakhir berlaku.")]})
    MembershipTerms.objects.filter(membership=membership, valid_to__isnull=True).update(valid_to=end_date)


def check_no_overlap(membership_ids: list[int] | None = None) -> None:
    """Refuse overlapping periods of one membership (PostgreSQL's exclusion constraint does it there)."""
    if connection.vendor == "postgresql":
        return
    where = ""
    params: list[Any] = []
    if membership_ids is not None:
        where = f"AND a.membership_id IN ({', '.join(['%s'] * len(membership_ids))})"
        params = list(membership_ids)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT a.membership_id FROM enrollment_membershipterms a JOIN enrollment_membershipterms b "
            "ON b.membership_id = a.membership_id AND b.id > a.id "
            "AND a.valid_from <= COALESCE(b.valid_to, '9999-12-31') "
            "AND b.valid_from <= COALESCE(a.valid_to, '9999-12-31') "
            f"WHERE 1 = 1 {where} LIMIT 1",
            params,
        )
        row = cur.fetchone()
    if row is not None:
        raise ValidationError(_("Ketentuan kepesertaan %(id)s bertumpang tindih.") % {"id": row[0]})


# --- set-based: a bulk import ---------------------------------------------------------------------------------------

#: The first terms of new memberships, for the bulk merge's INSERT (`enrollment.bulk.write_memberships`): `{source}`
#: yields the membership id as `{id_col}`, its start date and its copied terms; valid from the start, open (a new
#: membership is registered, it has no end date). Params: `first_terms_params`.
FIRST_TERMS_COLUMNS = f"membership_id, valid_from, valid_to, {', '.join(COPIED)}, {', '.join(EXTRA)}, created_at"
FIRST_TERMS_SELECT = "SELECT {id_col}, start_date, NULL, " + ", ".join(COPIED) + ", %s, %s, %s, %s FROM {source}"


def first_terms_params(payer: Payer, now) -> list:
    """The params of FIRST_TERMS_SELECT: the payer's defaults, as `open_first` sets them."""
    return [default_risk_class(payer), False, default_share_bearer(payer), now]


def sync_payer(cur, payer_id: int, *, effective: dt.date, now, memberships: str | None = None) -> None:
    """After a bulk merge: give every membership of ``payer_id`` without terms its first terms, and close and reopen
    (from ``effective``) the open terms of every open membership whose copied terms the upload changed. The
    `terms` events were written by the merge itself (`enrollment.bulk`).

    ``memberships``, an SQL query of membership ids (column `membership_id`), limits all of this to those
    memberships: the import passes the ones whose terms it changed (its new memberships got their first terms in the
    INSERT that created them), so a re-upload of 1M unchanged rows compares nothing instead of every open membership
    of the payer with its terms (two 1M-row joins, 11 s; bench/README.md). The ids are copied into a temporary
    table with fresh statistics first: referenced as a subquery of the import's stage, whose statistics predate the
    merge, the planner probed the stage once per terms row (166 s for a 40,000-row file)."""
    if memberships is None:
        _sync(cur, payer_id, effective=effective, now=now, scope="")
        return
    cur.execute(f"CREATE TEMP TABLE terms_scope AS SELECT q.membership_id FROM ({memberships}) AS q")
    try:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE terms_scope")
        _sync(cur, payer_id, effective=effective, now=now,
              scope=" AND m.id IN (SELECT membership_id FROM terms_scope)")  # fmt: skip
    finally:
        cur.execute("DROP TABLE terms_scope")


def _sync(cur, payer_id: int, *, effective: dt.date, now, scope: str) -> None:
    payer = Payer.objects.get(pk=payer_id)
    risk, bearer = default_risk_class(payer), default_share_bearer(payer)
    copied = ", ".join(COPIED)
    m_copied = ", ".join(f"m.{c}" for c in COPIED)
    differs = " OR ".join(f"t.{c} <> m.{c}" for c in COPIED)
    open_m = "m.status IN ('registered', 'active', 'inactive')" + scope
    # same-day re-uploads: the open terms began today, replace their values in place
    sets = ", ".join(f"{c} = (SELECT m.{c} FROM enrollment_membership m WHERE m.id = t.membership_id)" for c in COPIED)
    cur.execute(
        f"UPDATE enrollment_membershipterms AS t SET {sets} WHERE t.valid_to IS NULL AND t.valid_from >= %s "
        f"AND EXISTS (SELECT 1 FROM enrollment_membership m WHERE m.id = t.membership_id AND m.payer_id = %s "
        f"AND {open_m} AND ({differs}))",
        [effective, payer_id],
    )
    # changed since an earlier day: new terms from `effective`, carrying the extra fields of the open ones
    cur.execute(
        "CREATE TEMP TABLE terms_changed AS SELECT t.id AS terms_id, t.membership_id, t.jkk_risk_class, "
        "t.labour_intensive, t.worker_share_paid_by FROM enrollment_membershipterms t "
        "JOIN enrollment_membership m ON m.id = t.membership_id "
        f"WHERE m.payer_id = %s AND {open_m} AND t.valid_to IS NULL AND t.valid_from < %s AND ({differs})",
        [payer_id, effective],
    )
    try:
        cur.execute(
            "UPDATE enrollment_membershipterms SET valid_to = %s WHERE id IN (SELECT terms_id FROM terms_changed)",
            [effective - dt.timedelta(days=1)],
        )
        cur.execute(
            f"INSERT INTO enrollment_membershipterms (membership_id, valid_from, valid_to, {copied}, "
            f"{', '.join(EXTRA)}, created_at) SELECT m.id, %s, NULL, {m_copied}, "
            "c.jkk_risk_class, c.labour_intensive, c.worker_share_paid_by, %s "
            "FROM terms_changed c JOIN enrollment_membership m ON m.id = c.membership_id",
            [effective, now],
        )
    finally:
        cur.execute("DROP TABLE terms_changed")
    # memberships without terms (new ones whose caller did not write them): first terms from their start
    cur.execute(
        f"INSERT INTO enrollment_membershipterms (membership_id, valid_from, valid_to, {copied}, {', '.join(EXTRA)}, "
        f"created_at) SELECT m.id, m.start_date, m.end_date, {m_copied}, %s, %s, %s, %s "
        f"FROM enrollment_membership m WHERE m.payer_id = %s{scope} "
        "AND NOT EXISTS (SELECT 1 FROM enrollment_membershipterms t WHERE t.membership_id = m.id)",
        [risk, False, bearer, now, payer_id],
    )
