"""Helpers for tests (plain functions and constants, no fixtures): import them from here, never from a conftest.

Fixtures stay in ``sijaga/conftest.py``, which uses these too.
"""

from __future__ import annotations

import datetime as dt

#: The password of every user the test fixtures create.
PASSWORD = "rahasia-uji-2026"  # noqa: S105 - test fixture only


def make_nik(district_code: str, birth: dt.date, gender: str, serial: int) -> str:
    """A valid NIK: the district's six digits, the birth date as DDMMYY (day + 40 for women), a 4-digit serial."""
    day = birth.day + (40 if gender == "P" else 0)
    return f"{district_code.replace('.', '')}{day:02d}{birth:%m%y}{serial:04d}"
