"""How cases and heirs are shown: the masking policy of the heirs' personal data (the NIK masked and the bank
account hidden for auditors, like a worker's NIK and wage) and the one column list the page, the API and the exports
share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from sijaga.accounts.masking import AUDITOR, FieldPolicy, FieldRule
from sijaga.benefits.models import BenefitCase, Heir
from sijaga.registry.rules import mask_nik

HEIR_POLICY = FieldPolicy(
    "heir",
    {
        "nik": FieldRule(mask=AUDITOR, masker=mask_nik),
        "birth_date": FieldRule(hide=AUDITOR),
        "account_number": FieldRule(hide=AUDITOR),
    },
)


# A case's amounts are the wage in another form: JKK pays 48x, 56x or a table share of 80x the monthly wage, temporary
# incapacity pays the wage itself, and the employer owes the entitlement when it is liable. A role that may not see
# the wage (the auditor, see registry.presenters) does not see them per case either; totals per region stay visible.
CASE_POLICY = FieldPolicy(
    "benefit_case",
    {
        "entitlement": FieldRule(hide=AUDITOR),
        "paid_amount": FieldRule(hide=AUDITOR),
        "employer_owes": FieldRule(hide=AUDITOR),
        "arrears_amount": FieldRule(hide=AUDITOR),
    },
)


def heir_fields(actor, heir: Heir) -> dict[str, Any]:
    return {
        "id": heir.pk,
        "name": heir.name,
        "relation": heir.relation,
        "relation_label": str(heir.get_relation_display()),
        "nik": HEIR_POLICY.present(actor, "nik", heir.nik),
        "birth_date": HEIR_POLICY.present(actor, "birth_date", heir.birth_date),
        "school_level": heir.school_level,
        "school_level_label": str(heir.get_school_level_display()) if heir.school_level else "",
        "bank_name": heir.bank_name,
        "account_number": HEIR_POLICY.present(actor, "account_number", heir.account_number),
    }


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[BenefitCase], Any]
    kind: str = "text"
    width: int = 16


CASE_COLUMNS = (
    Column("number", _("Nomor kasus"), lambda c: c.number),
    Column("worker", _("Nama"), lambda c: c.worker.full_name, width=28),
    Column("payer", _("Pemberi kerja"), lambda c: c.payer.name, width=28),
    Column("region", _("Wilayah"), lambda c: c.region_code),
    Column("event_type", _("Peristiwa"), lambda c: str(c.get_event_type_display()), width=30),
    Column("outcome", _("Akibat"), lambda c: str(c.get_outcome_display())),
    Column("event_date", _("Tanggal kejadian"), lambda c: c.event_date, kind="date"),
    Column("status", _("Status"), lambda c: str(c.get_status_display())),
    Column("claim_number", _("Nomor klaim"), lambda c: c.claim_number or ""),
    Column("eligibility", _("Kelayakan"), lambda c: str(c.get_eligibility_display())),
    Column("entitlement", _("Hak manfaat tunai"), lambda c: c.entitlement, kind="money"),
    Column("paid_on", _("Tanggal bayar"), lambda c: c.paid_on, kind="date"),
    Column("paid_amount", _("Dibayar"), lambda c: c.paid_amount, kind="money"),
    Column("days", _("Hari sampai dibayar"), lambda c: c.days_to_payment, kind="int"),
    Column("overpaid", _("Melebihi hak"), lambda c: "ya" if c.overpaid else ""),
    Column("liable", _("Menanggung"), lambda c: str(c.get_liable_display())),
    Column("employer_owes", _("Kewajiban pemberi kerja"), lambda c: c.employer_owes, kind="money"),
    Column("rule", _("Dasar hukum"), lambda c: c.rule_citation, width=40),
    Column("rule_verified", _("Dasar terverifikasi"), lambda c: "ya" if c.rule_verified else "belum"),
)


def columns_for(actor) -> tuple[Column, ...]:
    """The list and export columns this actor may see (hidden fields are left out, not blanked)."""
    hidden = CASE_POLICY.hidden_fields(actor)
    return tuple(col for col in CASE_COLUMNS if col.key not in hidden)


def case_row(actor, c: BenefitCase) -> dict[str, Any]:
    return {col.key: CASE_POLICY.present(actor, col.key, col.value(c)) for col in CASE_COLUMNS}


def _detail(actor, c: BenefitCase) -> dict | None:
    """The judgement's working; its parts are entitlement amounts, hidden with the entitlement."""
    if c.detail is None or CASE_POLICY.visible(actor, "entitlement"):
        return c.detail
    return {k: v for k, v in c.detail.items() if k not in ("parts", "scholarship_year_one")}


def case_out(actor, c: BenefitCase, *, heirs: bool = False) -> dict[str, Any]:
    out = case_row(actor, c) | {
        "id": c.pk,
        "worker_id": c.worker_id,
        "payer_id": c.payer_id,
        "membership_id": c.membership_id,
        "event_type": c.event_type,
        "outcome": c.outcome,
        "status": c.status,
        "eligibility": c.eligibility,
        "liable": c.liable,
        "cause": c.cause,
        "place": c.place,
        "submitted_on": c.submitted_on,
        "decided_on": c.decided_on,
        "paid_to": c.paid_to,
        "overpaid": c.overpaid,
        "rule_verified": c.rule_verified,
        "scholarship_max": c.scholarship_max,
        "contribution_months": c.contribution_months,
        "arrears_months": c.arrears_months,
        "detail": _detail(actor, c),
    }
    if heirs:
        out["heirs"] = [heir_fields(actor, h) for h in c.heirs.all()]
    return out
