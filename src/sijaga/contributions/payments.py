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
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor, as_actor
from sijaga.accounts.services import audit
from sijaga.contributions.models import BillLine, Payment, PaymentSource
from sijaga.contributions.rates import MAX_AMOUNT
from sijaga.contributions.signals import send_payments_allocated
from sijaga.core.bulk import Dialect, id_table


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


def _payers(cur, d: Dialect, payer_ids: int | Iterable[int]) -> list[int]:
    """The payers as the temporary table ``pay_payers`` (one or every payer of a bill run)."""
    return id_table(cur, d, "pay_payers", payer_ids)


def allocate(payer_ids: int | Iterable[int]) -> int:
    """Apply each payer's credit to its outstanding bills, oldest payment to oldest month, set-based. Returns the
    amount allocated. Call inside a transaction holding the payers' locks (record_payment, run_billing, the payment
    file's merge).

    The greedy walk (payments by paid date and id, bills by month) is an overlap of running totals: a payment
    covers [credit before it, credit before it + its credit) of the payer's credit, a bill [owed before it, owed
    before it + its outstanding) of its debt, and the allocation is the overlap of the two ranges."""
    d = Dialect(connection.vendor)
    now = timezone.now()
    with connection.cursor() as cur:
        _payers(cur, d, payer_ids)
        cur.execute("DROP TABLE IF EXISTS pay_credit")
        cur.execute("DROP TABLE IF EXISTS pay_owing")
        cur.execute(
            "CREATE TEMP TABLE pay_credit AS SELECT id, payer_id, unallocated AS amount, SUM(unallocated) OVER "
            "(PARTITION BY payer_id ORDER BY paid_on, id ROWS UNBOUNDED PRECEDING) AS hi FROM contributions_payment "
            "WHERE payer_id IN (SELECT id FROM pay_payers) AND unallocated > 0"
        )
        cur.execute(
            "CREATE TEMP TABLE pay_owing AS SELECT id, payer_id, total - paid AS amount, SUM(total - paid) OVER "
            "(PARTITION BY payer_id ORDER BY month, id ROWS UNBOUNDED PRECEDING) AS hi FROM contributions_bill "
            "WHERE payer_id IN (SELECT id FROM pay_payers) AND paid < total"
        )
        lo_p, lo_b = "(p.hi - p.amount)", "(b.hi - b.amount)"
        part = f"CASE WHEN p.hi < b.hi THEN p.hi ELSE b.hi END - CASE WHEN {lo_p} > {lo_b} THEN {lo_p} ELSE {lo_b} END"
        cur.execute("DROP TABLE IF EXISTS pay_alloc")
        cur.execute(
            f"CREATE TEMP TABLE pay_alloc AS SELECT p.payer_id, p.id AS payment_id, b.id AS bill_id, {part} AS amount, "
            f"b.hi AS bill_hi, p.hi AS payment_hi FROM pay_credit p JOIN pay_owing b ON b.payer_id = p.payer_id "
            f"AND {lo_p} < b.hi AND {lo_b} < p.hi"
        )
        cur.execute("SELECT COALESCE(SUM(amount), 0) FROM pay_alloc")
        total = int(cur.fetchone()[0])
        if total:
            cur.execute(
                "INSERT INTO contributions_allocation (payment_id, bill_id, amount, created_at) "
                "SELECT payment_id, bill_id, amount, %s FROM pay_alloc ORDER BY payer_id, bill_hi, payment_hi",
                [now],
            )
            cur.execute(
                "UPDATE contributions_payment SET unallocated = unallocated - s.amount FROM (SELECT payment_id, "
                "SUM(amount) AS amount FROM pay_alloc GROUP BY payment_id) AS s WHERE contributions_payment.id = "
                "s.payment_id"
            )
            # every outstanding bill of a payer that received money gets its status (as the walk set it)
            cur.execute(
                "UPDATE contributions_bill SET paid = paid + s.amount, status = CASE WHEN paid + s.amount >= total "
                "THEN 'paid' WHEN paid + s.amount > 0 THEN 'partial' ELSE status END FROM (SELECT o.id, "
                "COALESCE(SUM(a.amount), 0) AS amount FROM pay_owing o LEFT JOIN pay_alloc a ON a.bill_id = o.id "
                "WHERE o.payer_id IN (SELECT payer_id FROM pay_alloc) GROUP BY o.id) AS s "
                "WHERE contributions_bill.id = s.id"
            )
            cur.execute("SELECT DISTINCT payer_id FROM pay_alloc")
            # the arrears of these payers changed: benefits re-judges their cases, on commit
            send_payments_allocated(Payment, [r[0] for r in cur.fetchall()])
        for table in ("pay_alloc", "pay_credit", "pay_owing", "pay_payers"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
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


#: the most bills named one by one in the refresh's statements (beyond it they are joined)
LISTED_BILLS = 20_000


def _lines_of_bills(cur, d: Dialect, condition: str) -> tuple[str, list]:
    """An SQL condition on ``x.bill_id``: the payers' bills meeting ``condition``. A payment file's payer has a few
    dozen: named as a constant list, each month's partition is read through its (bill, membership) index instead of
    scanned whole (the month's lines of every payer); a bill run's many payers are joined."""
    bills = f"SELECT id FROM contributions_bill WHERE payer_id IN (SELECT id FROM pay_payers) AND {condition}"
    if d.pg:
        cur.execute(f"{bills} LIMIT {LISTED_BILLS + 1}")
        ids = [row[0] for row in cur.fetchall()]
        if len(ids) <= LISTED_BILLS:
            return "x.bill_id = ANY(%s)", [ids]
    return f"x.bill_id IN ({bills})", []


def refresh_statuses(payer_ids: int | Iterable[int]) -> dict[str, int]:
    """Move the payers' open memberships along with their payments (module docstring), as the system actor,
    set-based: the moves are computed in one statement and written by `enrollment.bulk.change_statuses` with one
    history event each, as `enrollment.services.change_status` writes it."""
    from sijaga.enrollment.bulk import change_statuses
    from sijaga.enrollment.models import Membership
    from sijaga.enrollment.signals import send_memberships_changed

    d = Dialect(connection.vendor)
    system = Actor.system("task")
    limit = int(settings.ARREARS_MONTHS)
    first = _("Pembayaran iuran pertama diterima")
    behind_before, behind_after = _("Menunggak iuran %(n)s bulan").split("%(n)s")  # the months go between
    paid_up = _("Tunggakan iuran dibayar")
    with connection.cursor() as cur:
        ids = _payers(cur, d, payer_ids)
        for table in ("pay_owed", "pay_moves"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        # in arrears: months with a line in a bill not fully paid (`arrears`, set-based)
        unpaid, unpaid_params = _lines_of_bills(cur, d, "paid < total")
        cur.execute(  # per membership and month first: a count of months, not a COUNT(DISTINCT) sorting each group
            "CREATE TEMP TABLE pay_owed AS SELECT membership_id, COUNT(*) AS months FROM (SELECT x.membership_id, "
            f"x.month, SUM(x.total) AS amount FROM contributions_billline x WHERE {unpaid} "
            "GROUP BY x.membership_id, x.month) AS per_month GROUP BY membership_id HAVING SUM(amount) > 0",
            unpaid_params,
        )
        if d.pg:
            cur.execute("ANALYZE pay_owed")
        paid, paid_params = _lines_of_bills(cur, d, "paid > 0")
        months = "COALESCE(o.months, 0)"
        to_status = (  # registered → active on a first payment; active ⇄ inactive with the months in arrears
            f"CASE WHEN m.status = 'registered' AND p.membership_id IS NOT NULL AND {months} < %s THEN 'active' "
            f"WHEN m.status = 'active' AND {months} >= %s THEN 'inactive' "
            f"WHEN m.status = 'inactive' AND {months} < %s THEN 'active' END"
        )
        cur.execute(  # one pass over the payers' open memberships
            "CREATE TEMP TABLE pay_moves AS SELECT membership_id, from_status, to_status, CASE WHEN from_status = "
            "'registered' THEN %s WHEN to_status = 'inactive' THEN %s || CAST(months AS text) || %s ELSE %s END "
            f"AS reason FROM (SELECT m.id AS membership_id, m.status AS from_status, {months} AS months, "
            f"{to_status} AS to_status FROM enrollment_membership m LEFT JOIN pay_owed o ON o.membership_id = m.id "
            # p: a bill holding one of the membership's lines has received money
            f"LEFT JOIN (SELECT DISTINCT x.membership_id FROM contributions_billline x WHERE {paid}) p "
            "ON p.membership_id = m.id WHERE m.payer_id IN (SELECT id FROM pay_payers) "
            "AND m.status IN ('registered', 'active', 'inactive')) AS c WHERE to_status IS NOT NULL",
            [first, behind_before, behind_after, paid_up, limit, limit, limit, *paid_params],
        )
        cur.execute("SELECT to_status, COUNT(*) FROM pay_moves GROUP BY to_status")
        counted = dict(cur.fetchall())
        moved = {"active": int(counted.get("active", 0)), "inactive": int(counted.get("inactive", 0))}
        payers = change_statuses(cur, d, "pay_moves", actor=system, now=timezone.now()) if counted else []
        for table in ("pay_owed", "pay_moves", "pay_payers"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    if payers:
        send_memberships_changed(Membership, payers)
        audit(system, "update", "membership", f"status:{','.join(map(str, ids))}"[:100],
              count=moved["active"] + moved["inactive"])  # fmt: skip
    return moved
