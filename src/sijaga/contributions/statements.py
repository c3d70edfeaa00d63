"""A payer's monthly statement (tagihan) as PDF: the month's bill (one row per line), what was paid, the payer's
credit, and its arrears list (memberships with lines in earlier bills not fully paid). The XLSX of the same lines is
`views.statement`. Rendered by WeasyPrint from `contributions/statement.html`, in Indonesian whatever the UI
language (it is a document sent to a payer).

A payer with very many lines gets the first `PDF_LINES` in the PDF and a note pointing to the XLSX (WeasyPrint lays
out about a thousand table rows a second; a 50,000-line regency statement belongs in a spreadsheet)."""

from __future__ import annotations

from django.db.models import Count, F, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import audit
from sijaga.contributions import selectors
from sijaga.contributions.models import Bill
from sijaga.contributions.rates import PROGRAMMES
from sijaga.core.periods import Month

PDF_LINES = 2_000
ARREARS_ROWS = 500


def statement_context(actor: Actor, payer, month: Month) -> dict:
    lines_qs = (
        selectors.lines_for(actor)
        .filter(bill__payer=payer, month=month.first_day)
        .select_related("membership__worker")
        .order_by("membership__number", "revision")
    )
    lines = list(lines_qs[: PDF_LINES + 1])
    truncated = len(lines) > PDF_LINES
    lines = lines[:PDF_LINES]
    bill = Bill.objects.visible_to(actor).filter(payer=payer, month=month.first_day).first()
    arrears = list(
        selectors.lines_for(actor)
        .filter(bill__payer=payer, bill__paid__lt=F("bill__total"), month__lt=month.first_day)
        .values("membership_id", "membership__number", "membership__kpj", "membership__worker__full_name")
        .annotate(months=Count("month", distinct=True), amount=Sum("total"))
        .filter(amount__gt=0)
        .order_by("-months", "membership__number")[:ARREARS_ROWS]
    )
    earlier = (
        Bill.objects.visible_to(actor)
        .filter(payer=payer, month__lt=month.first_day, paid__lt=F("total"))
        .aggregate(s=Sum(F("total") - F("paid")), n=Count("id"))
    )
    from sijaga.contributions.payments import credit

    return {
        "payer": payer,
        "month": month,
        "month_day": month.first_day,
        "bill": bill,
        "lines": [
            {
                "line": line,
                "programmes": [getattr(line, f"{p}_employer") + getattr(line, f"{p}_worker") for p in PROGRAMMES],
            }
            for line in lines
        ],
        "programmes": [p.upper() for p in PROGRAMMES],
        "truncated": truncated,
        "pdf_lines": PDF_LINES,
        "arrears": arrears,
        "arrears_total": earlier["s"] or 0,
        "arrears_bills": earlier["n"] or 0,
        "credit": credit(payer.pk),
        "printed_at": timezone.localtime(),
    }


def statement_pdf(actor: Actor, payer, month: Month) -> bytes:
    """The PDF of `statement_context`; the caller has checked the payer is visible and amounts may be shown."""
    from weasyprint import HTML

    with translation.override("id"):
        html = render_to_string("contributions/statement.html", statement_context(actor, payer, month))
    pdf = HTML(string=html).write_pdf()
    audit(actor, "export", "bill", f"{payer.pk}:{month}:pdf")
    return pdf
