"""Indonesian phone numbers (placeholder until the vectorised rule lands): separators dropped, +62/62/0 prefix."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-.()]")
_VALID = re.compile(r"^(?:\+62|62|0)\d{8,13}$")


def normalise_phone(raw: str) -> str:
    value = _SEPARATORS.sub("", raw or "")
    if not value:
        return ""
    if not _VALID.match(value):
        raise ValueError(_("Nomor HP tidak sah: gunakan angka saja, diawali 08 atau +62."))
    return value
