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


def heir_fields(actor, heir: Heir) -> dict[str, Any]:
    return {
        "id": heir.pk,
        "name": heir.name,
        "relation": heir.relation,
        "relation_label": str(heir.get_relation_display()),
        "nik": HEIR_POLICY.present(actor, "nik", heir.nik),
        "birth_date": HEIR_POLICY.present(actor, "birth_date", heir.birth_date),
        "school_level": heir.school_level,
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


def case_row(c: BenefitCase) -> dict[str, Any]:
    return {col.key: col.value(c) for col in CASE_COLUMNS}


def case_out(actor, c: BenefitCase, *, heirs: bool = False) -> dict[str, Any]:
    out = case_row(c) | {
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
        "detail": c.detail,
    }
    if heirs:
        out["heirs"] = [heir_fields(actor, h) for h in c.heirs.all()]
    return out
