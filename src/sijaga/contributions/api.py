"""REST endpoints: /api/contributions/rates/ (public regulation), /api/contributions/calculate (logged in), and the
scoped bills (/api/contributions/bills/) and payments (/api/contributions/payments/)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.security import django_auth

from sijaga.accounts.actor import Actor
from sijaga.contributions import selectors
from sijaga.contributions.calculate import Contribution, ContributionError, Terms, contribution
from sijaga.contributions.models import Rate
from sijaga.core.listing import DbId, Window, window
from sijaga.core.periods import Month

router = Router(tags=["contributions"])


class RateOut(Schema):
    id: int
    schedule: str
    version: int
    key: str
    kind: str
    segment: str
    programme: str
    party: str
    risk_class: int | None
    figure: str
    bp: int | None
    amount: int | None
    lower: int | None
    upper: int | None
    capped: bool
    condition: str
    from_programme: str
    valid_from: str
    valid_to: str | None
    regulation: str
    article: str
    source: str
    verified: bool


def rate_out(rate: Rate) -> dict:
    return {
        "id": rate.pk, "schedule": rate.schedule.code, "version": rate.schedule.version, "key": rate.key,
        "kind": rate.kind, "segment": rate.segment, "programme": rate.programme, "party": rate.party,
        "risk_class": rate.risk_class, "figure": rate.figure, "bp": rate.bp, "amount": rate.amount,
        "lower": rate.lower, "upper": rate.upper, "capped": rate.capped, "condition": rate.condition,
        "from_programme": rate.from_programme, "valid_from": str(Month.of(rate.valid_from)),
        "valid_to": str(Month.of(rate.valid_to)) if rate.valid_to else None, "regulation": rate.regulation,
        "article": rate.article, "source": rate.source, "verified": rate.verified,
    }  # fmt: skip


class RatesOut(Schema):
    month: str
    rates: list[RateOut]


class ErrorOut(Schema):
    detail: dict


def parse_month(text: str | None) -> Month:
    """A month from the query (``2026-03`` or ``03/2026``); this month (Asia/Jakarta) when empty."""
    if not text:
        return Month.of(timezone.localdate())
    try:
        return Month.parse(text)
    except ValueError:
        raise ValidationError({"month": [_("Bulan tidak sah; tulis 2026-03 atau 03/2026.")]}) from None


@router.get("/rates/", response=RatesOut)
def rates_in_force(request, month: str | None = None):
    """Every rate, cap, floor and relief in force in ``month`` (default: this month), with its citation. Public."""
    wanted = parse_month(month)
    return {"month": str(wanted), "rates": [rate_out(r) for r in selectors.rates_in_force(wanted)]}


class LineOut(Schema):
    programme: str
    base: int | None
    employer: int
    worker: int
    government: int
    recomposed: int
    relief: int
    payable: int
    rate_ids: list[int]


class TotalsOut(Schema):
    employer: int
    worker: int
    government: int
    payable: int


class CalculationOut(Schema):
    month: str
    segment: str
    lines: list[LineOut]
    totals: TotalsOut
    rates: list[RateOut]


class CalculateIn(Schema):
    segment: str
    month: str | None = None
    programmes: str = "jkk,jkm"
    wage: int | None = None
    contract_value: int | None = None
    risk_class: int = 1
    labour_intensive: bool = False


def split_programmes(text: str) -> frozenset[str]:
    """``"jkk,jkm"``, ``"JKK+JKM"`` or ``"jkk jkm"`` → {"jkk", "jkm"}."""
    for sep in "+; ":
        text = text.replace(sep, ",")
    return frozenset(p.strip().lower() for p in text.split(",") if p.strip())


def calculation_out(result: Contribution, segment: str) -> dict:
    used = selectors.rates_by_id(result.rate_ids)
    return {
        "month": str(result.month),
        "segment": segment,
        "lines": [{**line.__dict__, "rate_ids": list(line.rate_ids), "payable": line.payable} for line in result.lines],
        "totals": {
            "employer": result.employer,
            "worker": result.worker,
            "government": result.government,
            "payable": result.payable,
        },
        "rates": [rate_out(used[i]) for i in result.rate_ids if i in used],
    }


@router.get("/calculate", response={200: CalculationOut, 422: ErrorOut}, auth=django_auth)
def calculate(request, q: Query[CalculateIn]):
    """Price one line: what ``segment`` with ``programmes`` (comma-separated: jkk,jkm,jht,jp,jkp) on ``wage`` (or,
    for Jakon, ``contract_value``) costs in ``month``, per programme and party, with the rates used. Stores
    nothing and reads no personal data. A month without a rate in force answers 422 naming month and programme."""
    month = parse_month(q.month)
    terms = Terms(
        segment=q.segment.strip().lower(),
        programmes=split_programmes(q.programmes),
        wage=q.wage,
        risk_class=q.risk_class,
        labour_intensive=q.labour_intensive,
        contract_value=q.contract_value,
    )
    try:
        result = contribution(terms, month, selectors.current_table())
    except ContributionError as exc:
        return Status(422, {"detail": exc.as_dict()})
    return calculation_out(result, terms.segment)


# --- bills and payments (scoped) --------------------------------------------------------------------------------------


class BillOut(Schema):
    id: int
    payer_id: int
    payer: str
    month: str
    status: str
    employer: int
    worker: int
    government: int
    total: int
    paid: int
    outstanding: int
    lines: int


class BillPage(Schema):
    items: list[BillOut]
    count: int


def bill_out(bill) -> dict:
    return {
        "id": bill.pk, "payer_id": bill.payer_id, "payer": bill.payer.name, "month": str(Month.of(bill.month)),
        "status": bill.status, "employer": bill.employer, "worker": bill.worker, "government": bill.government,
        "total": bill.total, "paid": bill.paid, "outstanding": bill.outstanding, "lines": bill.lines,
    }  # fmt: skip


@router.get("/bills/", response=BillPage, auth=django_auth)
def list_bills(request, w: Query[Window], month: str | None = None, payer_id: DbId | None = None):
    """The bills the caller may see (by payer region), newest month first; filter by ``month`` and ``payer_id``."""
    actor = Actor.from_request(request, channel="api")
    qs = selectors.bills_for(actor).select_related("payer")
    if month:
        qs = qs.filter(month=parse_month(month).first_day)
    if payer_id:
        qs = qs.filter(payer_id=payer_id)
    items, count = window(qs, w)
    return {"items": [bill_out(b) for b in items], "count": count}


class PaymentIn(Schema):
    payer_id: int
    amount: int
    paid_on: dt.date
    reference: str


class PaymentOut(Schema):
    id: int
    payer_id: int
    amount: int
    paid_on: dt.date
    reference: str
    created: bool
    allocated: int
    credit: int


@router.post("/payments/", response={201: PaymentOut, 200: PaymentOut}, auth=django_auth)
def record_payment(request, payload: PaymentIn):
    """Record a payment of a payer: allocated to its bills oldest first, the rest kept as credit. The same
    ``reference`` of one payer is counted once (200 with the first payment)."""
    from sijaga.contributions import payments

    actor = Actor.from_request(request, channel="api")
    result = payments.record_payment(actor, payer_id=payload.payer_id, amount=payload.amount,
                                     paid_on=payload.paid_on, reference=payload.reference, source="api")  # fmt: skip
    p = result.payment
    body = {"id": p.pk, "payer_id": p.payer_id, "amount": p.amount, "paid_on": p.paid_on, "reference": p.reference,
            "created": result.created, "allocated": result.allocated, "credit": result.credit}  # fmt: skip
    return Status(201 if result.created else 200, body)
