"""Indonesia's three time zones by province (Keppres 41/1987 on the division of Indonesian time zones).

Times are stored in UTC and shown in the zone of the region in context: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

WIB = ("Asia/Jakarta", "WIB")
WITA = ("Asia/Makassar", "WITA")
WIT = ("Asia/Jayapura", "WIT")

#: Province code → zone; provinces not listed are WIB.
_PROVINCE_ZONE = {
    "51": WITA, "52": WITA, "53": WITA,  # Bali, NTB, NTT
    "63": WITA, "64": WITA, "65": WITA,  # Kalimantan Selatan, Timur, Utara
    "71": WITA, "72": WITA, "73": WITA, "74": WITA, "75": WITA, "76": WITA,  # Sulawesi
    "81": WIT, "82": WIT,  # Maluku, Maluku Utara
    "91": WIT, "92": WIT, "94": WIT, "95": WIT, "96": WIT, "97": WIT,  # Papua provinces
}  # fmt: skip


def zone_for(region_code: str | None) -> tuple[str, str]:
    """(IANA name, Indonesian abbreviation) of the zone a region lies in; WIB when unknown."""
    return _PROVINCE_ZONE.get((region_code or "")[:2], WIB)


def tzinfo_for(region_code: str | None) -> ZoneInfo:
    return ZoneInfo(zone_for(region_code)[0])
