"""Pure rules of the budget app (no database): the categories a region budgets for, their default pricing
assumptions, who funds them, the priority order of "what a budget buys", and the checks of an adopted allocation.

The defaults below are *assumptions a finance officer edits*, not regulatory numbers: the rates themselves always
come from the contributions calculator (``contributions.calculate``) and its versioned data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: The Inpres 2/2021 target categories a Pemda or village budgets for (registry.TargetCategory values; `formal_lain`
#: is paid by employers, not budgets).
CATEGORIES: tuple[str, ...] = ("non_asn", "perangkat_desa", "rt_rw", "penyelenggara_pemilu", "pekerja_rentan")

CATEGORY_LABELS = {
    "non_asn": _("Pegawai non-ASN"),
    "perangkat_desa": _("Perangkat desa"),
    "rt_rw": _("Ketua RT/RW"),
    "penyelenggara_pemilu": _("Penyelenggara pemilu"),
    "pekerja_rentan": _("Pekerja rentan"),
}


@dataclass(frozen=True)
class CategoryDefault:
    """How a not-yet-enrolled person of a category is priced unless the officer says otherwise: segment (PU for
    staff paid a wage, BPU for honorarium holders and informal workers) and monthly wage or declared income."""

    segment: str
    income: int


#: Editable starting points of the simulator (assumptions, not regulation; the BPU lowest declared income of the
#: rate data is Rp1,000,000, so BPU categories start there).
CATEGORY_DEFAULTS: dict[str, CategoryDefault] = {
    "non_asn": CategoryDefault("pu", 2_500_000),
    "perangkat_desa": CategoryDefault("pu", 2_200_000),
    "rt_rw": CategoryDefault("bpu", 1_000_000),
    "penyelenggara_pemilu": CategoryDefault("bpu", 1_000_000),
    "pekerja_rentan": CategoryDefault("bpu", 1_000_000),
}

#: Funding sources a budget line may name.
SOURCES: tuple[str, ...] = ("apbd", "apbdes", "csr")
SOURCE_LABELS = {"apbd": "APBD", "apbdes": "APBDes", "csr": "CSR"}

#: Programme sets the simulator and "what a budget buys" compare (JKK + JKM is the minimum of the Mendagri circular).
PROGRAMME_SETS: tuple[tuple[str, ...], ...] = (("jkk", "jkm"), ("jkk", "jkm", "jht"))
DEFAULT_PROGRAMMES: tuple[str, ...] = ("jkk", "jkm")

#: Default order of "what a budget buys": village apparatus and RT/RW heads first, then vulnerable workers.
DEFAULT_PRIORITY: tuple[str, ...] = ("perangkat_desa", "rt_rw", "pekerja_rentan", "non_asn", "penyelenggara_pemilu")

#: Region levels that budget: province (APBD), regency/city (APBD), village (APBDes).
BUDGET_LEVELS = (1, 2, 4)

#: An allocation above this is a typing error (Rp10 trillion: more than any province's whole APBD line).
MAX_ALLOCATION = 10_000_000_000_000
#: Evidence files: at most 20 MB, PDF or image, recognised by their first bytes.
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
#: Realisation below this share of the allocation (in per mille, of the months elapsed) is "far below".
LOW_REALISATION_PERMILLE = 500


def region_level(code: str) -> int:
    return code.count(".") + 1


def default_source(level: int) -> str:
    """The budget a region's contributions come from: a village's APBDes, otherwise the APBD."""
    return "apbdes" if level == 4 else "apbd"


def document_types_for(level: int) -> tuple[str, ...]:
    """A village adopts an APBDes (Perdes); a province or regency a Perda APBD and its Perkada penjabaran."""
    return ("apbdes",) if level == 4 else ("perda_apbd", "perkada_penjabaran")


def evidence_kind(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF/PNG/JPEG recognised by its first bytes, or None."""
    for magic, content_type, extension in EVIDENCE_SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def safe_file_name(name: str, extension: str) -> str:
    """A shown name made harmless: no folders, no control or markup characters, at most 80 characters, and the
    extension of what the bytes are (never the one the uploader claimed)."""
    import re
    import unicodedata

    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = base.rsplit(".", 1)[0] if "." in base else base
    base = re.sub(r"[^\w\- ]+", "_", base, flags=re.UNICODE).strip(" ._") or "bukti"
    return base[:80] + extension


def months_to_run_out(allocated: int, realised: int, months_elapsed: int) -> float | None:
    """Months (from January) the allocation lasts at the average monthly burn so far; None without spending."""
    if months_elapsed <= 0 or realised <= 0:
        return None
    return allocated / (realised / months_elapsed)


@dataclass(frozen=True)
class Share:
    category: str
    people: int
    spend: int


def affordable(amount: int, cost_per_person: int) -> int:
    """How many people a whole amount protects for the year at one per-person cost."""
    return amount // cost_per_person if cost_per_person > 0 and amount > 0 else 0


def allocate(
    amount: int, costs: dict[str, int], wanted: dict[str, int | None], order: tuple[str, ...] = DEFAULT_PRIORITY
) -> tuple[list[Share], int]:
    """Fill the categories in ``order``, each up to the people ``wanted`` (None: as many as the money allows), at
    each category's yearly cost per person; returns the shares and what is left. Within the chosen order this
    protects the most people the amount can: each category takes whole people only, and the remainder rolls on to
    the next (a cheaper category further down may still fit)."""
    left = max(amount, 0)
    shares: list[Share] = []
    for category in order:
        cost = costs.get(category, 0)
        if cost <= 0:
            continue
        limit = wanted.get(category)
        people = affordable(left, cost)
        if limit is not None:
            people = min(people, max(limit, 0))
        shares.append(Share(category, people, people * cost))
        left -= people * cost
    return shares, left
