"""Validators shared by every app's models (run by `full_clean`, so services, forms, the admin and the API agree)."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@deconstructible
class NoControlCharacters:
    """Refuse NUL and other control characters in text: PostgreSQL cannot store NUL, and none belongs in a name."""

    message = _("Berisi karakter kontrol yang tidak sah.")
    code = "control_characters"

    def __call__(self, value) -> None:
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters)


no_control_characters = NoControlCharacters()
