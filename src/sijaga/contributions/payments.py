"""Payments: record (page, API, payment file), allocate oldest bill first, keep the rest as credit, and let arrears
drive membership status through `enrollment.services.change_status` as the system actor, with a reason.

* The same reference of one payer is counted once: a second call returns the first payment (``created=False``).
* Allocation runs per payer under a lock of the payer row: every payment with credit left, oldest first, to every
  bill with an amount outstanding, oldest month first. A bill is ``partial`` or ``paid``.
* Status (`refresh_statuses`): *Terdaftar* → *Aktif* once a bill with the membership's line has received money;
  *Aktif* → *Nonaktif (menunggak)* with ``settings.ARREARS_MONTHS`` or more months of unpaid bills; *Nonaktif* →
  *Aktif* once the unpaid months are below that again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.services import audit
from sijaga.contributions.models import Allocation, Bill, BillLine, BillStatus, Payment, PaymentSource
from sijaga.contributions.rates import MAX_AMOUNT
from sijaga.contributions.signals import send_payments_allocated


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    created: bool
    allocated: int
    credit: int  # the payer's credit after this payment


def _payer(actor: Actor, payer_id: int):
    from sijaga.enrollment.models import Payer

    payer = Payer.objects.visible_to(actor).filter(pk=payer_id).first()
    if payer is None or not (actor.is_system or actor.covers(payer.region_id)):
        raise PermissionDenied(_("Pembayar iuran tidak ditemukan di wilayah tugas Anda."))
    return payer


def record_payment(
    actor: Actor, *, payer_id: int, amount: int, paid_on: dt.date, reference: str, source: str = PaymentSource.WEB
) -> PaymentResult:
    actor = as_actor(actor)
    if not actor.can_write:
        raise PermissionDenied(_("Peran Anda tidak dapat mencatat pembayaran."))
    reference = " ".join((reference or "").split())
    errors = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        errors["amount"] = [_("Jumlah pembayaran harus lebih dari Rp0.")]
    if not reference or len(reference) > 80:
        errors["reference"] = [_("Referensi pembayaran wajib diisi (paling banyak 80 karakter).")]
    if not isinstance(paid_on, dt.date) or paid_on > timezone.localdate():
        errors["paid_on"] = [_("Tanggal bayar tidak boleh di masa depan.")]
    if errors:
        raise ValidationError(errors)
    payer = _payer(actor, payer_id)
    existing = Payment.objects.filter(payer=payer, reference=reference).first()
    if existing is not None:
        return PaymentResult(existing, False, 0, credit(payer.pk))
    try:
        with transaction.atomic():
            type(payer).objects.select_for_update().filter(pk=payer.pk).first()
            payment = Payment.objects.create(
                payer=payer, amount=amount, paid_on=paid_on, reference=reference, source=source,
                unallocated=amount, created_at=timezone.now(), created_by=actor.user,
            )  # fmt: skip
            allocated = allocate(payer.pk)
            refresh_statuses(payer.pk)
    except IntegrityError:  # the same reference at the same moment from another request
        existing = Payment.objects.get(payer=payer, reference=reference)
        return PaymentResult(existing, False, 0, credit(payer.pk))
    audit(actor, "create", "payment", payment.pk)
    payment.refresh_from_db()
    return PaymentResult(payment, True, allocated, credit(payer.pk))


def credit(payer_id: int) -> int:
    return Payment.objects.filter(payer_id=payer_id).aggregate(s=Sum("unallocated"))["s"] or 0


def allocate(payer_id: int) -> int:
    """Apply the payer's credit to its outstanding bills, oldest payment to oldest month. Returns the amount
    allocated. Call inside a transaction holding the payer's lock (record_payment, run_billing)."""
    now = timezone.now()
    payments = list(Payment.objects.filter(payer_id=payer_id, unallocated__gt=0).order_by("paid_on", "id"))
    bills = list(Bill.objects.filter(payer_id=payer_id, paid__lt=F("total")).order_by("month"))
    total = 0
    allocations = []
    pi = 0
    for bill in bills:
        while bill.paid < bill.total and pi < len(payments):
            payment = payments[pi]
            part = min(payment.unallocated, bill.total - bill.paid)
            allocations.append(Allocation(payment=payment, bill=bill, amount=part, created_at=now))
            payment.unallocated -= part
            bill.paid += part
            total += part
            if payment.unallocated == 0:
                pi += 1
        bill.status = BillStatus.PAID if bill.paid >= bill.total else (BillStatus.PARTIAL if bill.paid else bill.status)
    if allocations:
        Allocation.objects.bulk_create(allocations)
        Payment.objects.bulk_update(payments, ["unallocated"])
        Bill.objects.bulk_update(bills, ["paid", "status"])
        send_payments_allocated(Payment, [payer_id])  # the arrears changed: benefits re-judges, on commit
    return total


def arrears(payer_id: int) -> dict[int, tuple[int, int]]:
    """{membership id: (unpaid months, amount of its lines in unpaid bills)} for the payer's memberships in arrears."""
    rows = (
        BillLine.objects.filter(bill__payer_id=payer_id, bill__paid__lt=F("bill__total"))
        .values("membership_id")
        .annotate(months=Count("month", distinct=True), amount=Sum("total"))
        .filter(amount__gt=0)
    )
    return {r["membership_id"]: (r["months"], r["amount"]) for r in rows}


def refresh_statuses(payer_id: int) -> dict[str, int]:
    """Move the payer's open memberships along with their payments (module docstring), as the system actor."""
    from sijaga.enrollment.models import Membership
    from sijaga.enrollment.services import change_status

    system = Actor.system("task")
    limit = settings.ARREARS_MONTHS
    owed = arrears(payer_id)
    paid_any = set(
        BillLine.objects.filter(bill__payer_id=payer_id, bill__paid__gt=0).values_list("membership_id", flat=True)
    )
    moved = {"active": 0, "inactive": 0}
    over = {pk for pk, (months, _amount) in owed.items() if months >= limit}
    candidates = Membership.objects.filter(payer_id=payer_id).filter(
        Q(status="registered", pk__in=paid_any - over)
        | Q(status="active", pk__in=over)
        | (Q(status="inactive") & ~Q(pk__in=over))
    )
    for m in candidates.only("pk", "status").order_by("pk"):
        months = owed.get(m.pk, (0, 0))[0]
        if m.status == "registered" and months < limit:
            change_status(system, m, "active", reason=_("Pembayaran iuran pertama diterima"))
            moved["active"] += 1
        elif m.status == "active" and months >= limit:
            change_status(system, m, "inactive", reason=_("Menunggak iuran %(n)s bulan") % {"n": months})
            moved["inactive"] += 1
        elif m.status == "inactive" and months < limit:
            change_status(system, m, "active", reason=_("Tunggakan iuran dibayar"))
            moved["active"] += 1
    # each change_status above told coverage which membership moved (a payer-wide signal here would recount the
    # whole payer)
    return moved
