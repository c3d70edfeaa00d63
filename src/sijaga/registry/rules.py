"""Pure worker rules: NIK masking, identity consistency between NIK, birth date and gender. No database, no IO."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from sijaga.registry.nik import NikResult, parse_nik


def mask_nik(nik: str) -> str:
    """Keep the issuing district (6 digits) and the serial (4), hide the birth date (UU PDP data minimisation)."""
    return f"{nik[:6]}******{nik[-4:]}" if len(nik) == 16 else "*" * len(nik)


def check_nik(raw: str) -> NikResult:
    return parse_nik(raw)


def identity_errors(nik: str, birth_date: dt.date | None, gender: str | None) -> dict[str, list[str]]:
    """NIK validity and its agreement with the declared birth date and gender, per form field."""
    errors: dict[str, list[str]] = {}
    result = parse_nik(nik or "")
    if not result.valid:
        errors["nik"] = [str(e.message) for e in result.errors]
        return errors
    if birth_date and result.birth_date and birth_date != result.birth_date:
        errors.setdefault("birth_date", []).append(
            _("Tanggal lahir %(declared)s tidak sama dengan tanggal lahir di NIK (%(nik)s).")
            % {"declared": birth_date.strftime("%d-%m-%Y"), "nik": result.birth_date.strftime("%d-%m-%Y")}
        )
    if gender and result.gender and gender != result.gender:
        errors.setdefault("gender", []).append(
            _("Jenis kelamin tidak sesuai NIK (NIK menunjukkan %(g)s).")
            % {"g": _("perempuan") if result.gender == "P" else _("laki-laki")}
        )
    return errors
