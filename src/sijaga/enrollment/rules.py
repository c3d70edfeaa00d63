"""Programme eligibility per segment, with the regulation each rule comes from.

These are rules, not amounts (rates and benefits live in the contributions app's versioned data). The same rules
are enforced in `Membership.clean()`, in `Meta.constraints` and in the bulk import's vectorised validation.
"""

from __future__ import annotations

from dataclasses import dataclass

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

#: Membership status lifecycle: allowed transitions.
TRANSITIONS: dict[str, frozenset[str]] = {
    "registered": frozenset({"active", "ended"}),
    "active": frozenset({"inactive", "ended"}),
    "inactive": frozenset({"active", "ended"}),
    "ended": frozenset(),
}
OPEN_STATUSES = ("registered", "active", "inactive")
