"""One column list for the budget status lists, shared by the page, the XLSX/CSV/JSON exports and the API. No
personal data: regional budget figures are shown to every role that sees the region (no FieldPolicy needed)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.budget.selectors import BudgetStatus

#: list key → (label, row test)
LISTS = {
    "belum": (gettext_lazy("Belum menganggarkan"), lambda r: not r.has_allocation),
    "kurang": (gettext_lazy("Alokasi di bawah kebutuhan"), lambda r: r.below_need),
    "realisasi": (gettext_lazy("Realisasi jauh di bawah alokasi"), lambda r: r.low_realisation),
    "semua": (gettext_lazy("Semua pemda"), lambda r: True),
}

KINDS = ["text", "text", "money", "money", "money", "money", "number", "text", "text", "text"]
WIDTHS = [12, 36, 18, 18, 18, 18, 10, 14, 14, 14]


def headers() -> list[str]:
    return [_("Kode"), _("Wilayah"), _("Kebutuhan (Rp)"), _("Alokasi (Rp)"), _("Alokasi APBDes desa (Rp)"),
            _("Realisasi (Rp)"), _("Desa menganggarkan"), _("Sudah menganggarkan"), _("Di bawah kebutuhan"),
            _("Realisasi rendah")]  # fmt: skip


def _yes(flag: bool) -> str:
    return _("ya") if flag else _("tidak")


def status_row(r: BudgetStatus) -> list:
    return [r.code, r.name, r.need, r.allocated, r.village_allocated, r.realised, r.villages_budgeted,
            _yes(r.has_allocation), _yes(r.below_need), _yes(r.low_realisation)]  # fmt: skip


def status_dict(r: BudgetStatus) -> dict:
    return {
        "code": r.code, "name": r.name, "level": r.level, "need": r.need, "allocated": r.allocated,
        "own_allocated": r.own_allocated, "village_allocated": r.village_allocated,
        "villages_budgeted": r.villages_budgeted, "realised": r.realised, "has_allocation": r.has_allocation,
        "below_need": r.below_need, "low_realisation": r.low_realisation,
    }  # fmt: skip


def csv_safe(value):
    """A CSV cell a spreadsheet will not run as a formula (security review F7: the same rule as the XLSX)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
