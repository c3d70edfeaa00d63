"""How memberships are shown: the masking policy (wage hidden from auditors) and the membership columns the
worker list and export gain (registered into the registry's presenter in `apps.py`)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from sijaga.accounts.masking import AUDITOR, FieldPolicy, FieldRule
from sijaga.enrollment.models import Membership, MembershipStatus
from sijaga.registry.presenters import Column

MEMBERSHIP_POLICY = FieldPolicy("membership", {"wage": FieldRule(hide=AUDITOR)})

_STATUS_LABELS = dict(MembershipStatus.choices)


def _current(actor) -> QuerySet[Membership]:
    """The worker's membership shown in lists: open before ended, then the most recent, among those visible."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        Membership.objects.visible_to(actor)
        .filter(worker_id=OuterRef("pk"))
        .annotate(open_first=Case(When(status="ended", then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("open_first", "-start_date", "-id")
    )


def annotate_current_membership(qs: QuerySet, actor) -> QuerySet:
    current = _current(actor)
    return qs.annotate(
        m_number=Subquery(current.values("number")[:1]),
        m_status=Subquery(current.values("status")[:1]),
        m_payer=Subquery(current.values("payer__name")[:1]),
        m_start=Subquery(current.values("start_date")[:1]),
    )


MEMBERSHIP_COLUMNS = (
    Column("membership_number", _("Nomor kepesertaan"), lambda w: getattr(w, "m_number", None),
           policy=MEMBERSHIP_POLICY),
    Column("membership_status", _("Status"), lambda w: _STATUS_LABELS.get(getattr(w, "m_status", None), ""),
           policy=MEMBERSHIP_POLICY),
    Column("payer", _("Pembayar iuran"), lambda w: getattr(w, "m_payer", None), policy=MEMBERSHIP_POLICY, width=28),
    Column("membership_start", _("Mulai"), lambda w: getattr(w, "m_start", None), kind="date",
           policy=MEMBERSHIP_POLICY),
)  # fmt: skip


def membership_fields(m: Membership, actor) -> dict:
    return {"wage": MEMBERSHIP_POLICY.present(actor, "wage", m.wage)}
