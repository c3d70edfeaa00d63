"""Programme eligibility per segment, with the regulation each rule comes from.

These are rules, not amounts (rates and benefits live in the contributions app's versioned data). The same rules
are enforced in `Membership.clean()`, in `Meta.constraints` and in the bulk import's vectorised validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PROGRAMMES = ("jkk", "jkm", "jht", "jp", "jkp")


@dataclass(frozen=True)
class SegmentRule:
    allowed: frozenset[str]
    required: frozenset[str]
    basis: str


SEGMENT_RULES: dict[str, SegmentRule] = {
    # Wage earners may join all five; JKK and JKM are the minimum (Mendagri circular 842.2/5193/SJ of 2021).
    "pu": SegmentRule(
        frozenset(PROGRAMMES),
        frozenset({"jkk", "jkm"}),
        "PP 44/2015 jo. PP 82/2019; PP 45/2015; PP 46/2015; PP 37/2021 jo. PP 6/2025",
    ),
    # Non-wage earners: JKK, JKM and optionally JHT; no JP, no JKP.
    "bpu": SegmentRule(
        frozenset({"jkk", "jkm", "jht"}),
        frozenset({"jkk", "jkm"}),
        "PP 44/2015 jo. PP 82/2019; Permenaker 5/2021",
    ),
    # Construction projects (Jakon): JKK and JKM only.
    "jakon": SegmentRule(
        frozenset({"jkk", "jkm"}),
        frozenset({"jkk", "jkm"}),
        "PP 44/2015 jo. PP 82/2019; Permenaker 44/2015",
    ),
}

#: JKP requires the worker to be in the other programmes (at least JHT beside JKK and JKM): PP 37/2021 art. 4.
JKP_REQUIRES = frozenset({"jkk", "jkm", "jht"})

PROGRAMME_NAMES = {
    "jkk": "JKK — Jaminan Kecelakaan Kerja",
    "jkm": "JKM — Jaminan Kematian",
    "jht": "JHT — Jaminan Hari Tua",
    "jp": "JP — Jaminan Pensiun",
    "jkp": "JKP — Jaminan Kehilangan Pekerjaan",
}
#: the same names in the user's language (forms, pages); `PROGRAMME_NAMES` stays Indonesian for the templates
PROGRAMME_LABELS = {
    "jkk": gettext_lazy("JKK — Jaminan Kecelakaan Kerja"),
    "jkm": gettext_lazy("JKM — Jaminan Kematian"),
    "jht": gettext_lazy("JHT — Jaminan Hari Tua"),
    "jp": gettext_lazy("JP — Jaminan Pensiun"),
    "jkp": gettext_lazy("JKP — Jaminan Kehilangan Pekerjaan"),
}

#: Membership status lifecycle: allowed transitions.
TRANSITIONS: dict[str, frozenset[str]] = {
    "registered": frozenset({"active", "ended"}),
    "active": frozenset({"inactive", "ended"}),
    "inactive": frozenset({"active", "ended"}),
    "ended": frozenset(),
}
OPEN_STATUSES = ("registered", "active", "inactive")


#: The programmes every membership starts with (Mendagri circular 842.2/5193/SJ of 2021).
REQUIRED_PROGRAMMES = frozenset({"jkk", "jkm"})


def lives_elsewhere(domicile_code: str | None, payer_region_code: str | None) -> bool:
    """Whether a worker living in `domicile_code` lives outside the payer's region (`Membership.lives_elsewhere`).

    The same test as `enrollment.elsewhere.OUTSIDE_SQL`; unknown codes count as elsewhere (the flag then only
    costs an index entry, while a wrong False would hide the worker from the payer's region)."""
    if not domicile_code or not payer_region_code:
        return True
    return not (domicile_code == payer_region_code or domicile_code.startswith(payer_region_code + "."))


def programme_errors(segment: str | None, programmes: Iterable[str]) -> list[str]:
    """Why a programme choice is not allowed for a segment (empty when it is), one message per problem.

    The bulk import applies this very function (`enrollment.importing` tabulates it for every segment × programme
    set and joins the table), and a property test holds the two paths equal, as the NIK engines are held."""
    chosen = set(programmes)
    errors = []
    rule = SEGMENT_RULES.get(segment or "")
    if rule is None:
        errors.append(_("Segmen kepesertaan tidak dikenal."))
    unknown = chosen - set(PROGRAMMES)
    if unknown:
        errors.append(_("Program tidak dikenal: %(p)s.") % {"p": ", ".join(sorted(p.upper() for p in unknown))})
    if not (rule.required if rule else REQUIRED_PROGRAMMES) <= chosen:
        errors.append(_("JKK dan JKM wajib diikuti sejak pendaftaran pertama."))
    if rule is None:
        return errors
    refused = (chosen & set(PROGRAMMES)) - rule.allowed
    if "jp" in refused and segment == "bpu":
        errors.append(_("JP hanya untuk peserta penerima upah (PU); segmen BPU tidak dapat memilih JP."))
    if "jkp" in refused:
        errors.append(_("JKP hanya untuk peserta penerima upah (PU) (PP 37/2021)."))
    other = sorted(refused - {"jkp"} - ({"jp"} if segment == "bpu" else set()))
    if other and segment == "jakon":
        errors.append(_("Segmen jasa konstruksi hanya JKK dan JKM."))
    elif other:
        errors.append(
            _("Program %(p)s tidak tersedia untuk segmen %(s)s.")
            % {"p": ", ".join(p.upper() for p in other), "s": segment.upper()}
        )
    if "jkp" in chosen and "jkp" in rule.allowed and not chosen >= JKP_REQUIRES:
        errors.append(_("JKP mensyaratkan kepesertaan JKK, JKM dan JHT (PP 37/2021 pasal 4)."))
    return errors


def membership_number(start_date: dt.date, pk: int) -> str:
    """Internal membership number: two-digit start year + the id padded to nine digits. The bulk merge computes
    the same in SQL (`enrollment.bulk.number_sql`); the official BPJS number is the separate `kpj`."""
    return f"{start_date:%y}{pk:09d}"


# --- construction projects (Jakon) ------------------------------------------------------------------------------------


def _deadline_data() -> dict:
    import tomllib
    from importlib import resources

    return tomllib.loads(resources.files("sijaga.enrollment").joinpath("data/deadlines.toml").read_text())


def jakon_registration_deadline(work_order_date: dt.date) -> dt.date:
    """The last day a construction project may be registered: N working days (Monday–Friday) after the work order
    (`data/deadlines.toml`, Permenaker 44/2015; national holidays are not counted out, so the warning is lenient
    by at most the holidays in those weeks)."""
    days = int(_deadline_data()["jakon_registration"]["working_days"])
    day = work_order_date
    while days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def jakon_registration_late(work_order_date: dt.date, registered_on: dt.date) -> bool:
    return registered_on > jakon_registration_deadline(work_order_date)
