"""Phone numbers ("No HP"): one rule for every channel, the web form, the API and the bulk import.

The rule:

* Whitespace around the value is ignored. Separators inside it are removed: spaces (also the no-break, thin and
  zero-width spaces that Excel and copy-paste leave), dashes (also the hyphens, en/em dashes and minus sign that
  word processors substitute), dots and parentheses. A value made of separators only (``-``, the usual "none" in
  a spreadsheet) is empty.
* What is left must be digits with an optional leading ``+``. Anything else is refused, quoting the first odd
  character: letters (``ext 12``), ``=1+1``, ``<b>1</b>``, ``@``, ``/``, a second ``+``, control characters.
* The number must be Indonesian: ``0``, ``62`` or ``+62`` followed by 8–13 digits.
* Only **mobile** numbers are accepted, i.e. ``08…``, ``628…``, ``+628…``. The field is the worker's "No HP",
  which BPJS Ketenagakerjaan uses for SMS and WhatsApp; a landline (``021…``, ``0542…``) is refused with a reason
  that says so, rather than stored as a number nobody can text.
* ``+62 0812…`` (the trunk 0 kept after the country code) is refused with a reason that shows the right form.

**Canonical form:** the national form, digits only, starting with ``08``: ``+62 812-3456-7890``,
``6281234567890`` and ``0812.3456.7890`` are all stored as ``081234567890``. It is what Indonesian users type and
read, what the import template shows, and at most 14 characters (``Worker.phone`` holds 20).

Two implementations share the rule and must agree exactly (``tests/test_phone.py`` checks it with Hypothesis):

* :func:`normalise_phone` checks one value (forms, API): the canonical number, ``""`` when empty, or
  :class:`InvalidPhone` (a ``ValueError``) whose message is Indonesian (translated);
* :func:`with_phone` / :func:`phone_column` check a whole column with Polars expressions (bulk imports) and
  return error codes; :func:`phone_message` and :func:`phone_reason` render a code as the scalar path words it.
"""

from __future__ import annotations

import re

import polars as pl
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sijaga.registry.nik import WHITESPACE

MIN_DIGITS = 8  # after the prefix 0 / 62 / +62
MAX_DIGITS = 13

# spaces: the NIK engine's whitespace without its control characters (tab, line breaks, file separators)
_SPACES = "".join(c for c in WHITESPACE if ord(c) >= 0x20 and c != "\x85")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
SEPARATORS = _SPACES + _DASHES + ".()"
# ``\uXXXX`` is understood by both Python's ``re`` and Rust's ``regex`` (Polars)
_SEPARATOR_RE = "[" + "".join(f"\\u{ord(c):04X}" for c in SEPARATORS) + "]"
_BAD_CHAR_RE = "([^0-9])"  # searched for after one leading "+" is removed

#: Error codes, in the order they are checked (a number gets the first that applies).
ERROR_CODES: tuple[str, ...] = ("invalid_char", "prefix", "extra_zero", "landline", "length")

_MESSAGES = {
    "invalid_char": _(
        "Nomor HP hanya boleh berisi angka (boleh dengan spasi, tanda -, titik, kurung dan + di depan); "
        "ditemukan karakter %(char)s."
    ),
    "prefix": _(
        "Nomor HP harus nomor Indonesia yang diawali 0, 62 atau +62, mis. 081234567890. Jika angka 0 di depan "
        "hilang karena Excel, format kolom sebagai Teks lalu isi ulang."
    ),
    "extra_zero": _("Nomor HP berisi angka 0 berlebih sesudah kode negara; tulis 081234567890 atau +6281234567890."),
    "landline": _("Nomor HP harus nomor seluler (08…/+628…); nomor telepon rumah atau kantor tidak diterima."),
    "length": _("Nomor HP harus 8–13 digit sesudah awalan 0/62/+62; yang diisi %(n)s digit."),
}


class InvalidPhone(ValueError):
    """A phone number that breaks the rule; `message` says why, in the user's language."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _render(message: object, params: dict[str, object]) -> str:
    """Translate now, falling back to the Indonesian msgid when Django is not configured."""
    try:
        text = str(message)
    except ImproperlyConfigured:
        text = getattr(message, "_args", (message,))[0]
    return text % params if params else text


def _parts(raw: object) -> tuple[str, str]:
    """(the value without surrounding whitespace, the same without separators)."""
    text = "" if raw is None else str(raw).strip(WHITESPACE)
    return text, re.sub(_SEPARATOR_RE, "", text)


def _rest(body: str) -> tuple[bool, str]:
    """(whether the number is written with the country code, the digits after 0 / 62 / +62)."""
    digits = body.removeprefix("+")
    international = body.startswith("+") or digits.startswith("62")
    return international, digits[2:] if international else digits[1:]


def _error(body: str) -> str | None:
    if re.search(_BAD_CHAR_RE, body.removeprefix("+")):
        return "invalid_char"
    rest = _rest(body)[1]
    if not (body.startswith("+62") or body.startswith("62") or body.startswith("0")):
        return "prefix"
    if rest.startswith("0"):
        return "extra_zero"
    if rest and not rest.startswith("8"):
        return "landline"
    if not MIN_DIGITS <= len(rest) <= MAX_DIGITS:
        return "length"
    return None


def normalise_phone(raw: str | None) -> str:
    """The canonical mobile number (``08…``), ``""`` for an empty value; :class:`InvalidPhone` otherwise."""
    _text, body = _parts(raw)
    if not body:
        return ""
    code = _error(body)
    if code is not None:
        raise InvalidPhone(code, phone_message(code, raw))
    return "0" + _rest(body)[1]


def phone_message(code: str, raw: object = "") -> str:
    """The translated reason for an error code; `raw` (the value as typed) fills in the details."""
    _text, body = _parts(raw)
    params: dict[str, object] = {}
    if code == "invalid_char":
        found = re.search(_BAD_CHAR_RE, body.removeprefix("+"))
        return _char_message(found.group(1) if found else None)
    if code == "length":
        params["n"] = len(_rest(body)[1])
    return _render(_MESSAGES[code], params)


# --- vectorised ---------------------------------------------------------------------------------------------


def _body(raw: pl.Expr) -> pl.Expr:
    """The value without surrounding whitespace and separators."""
    return raw.cast(pl.String).str.strip_chars(WHITESPACE).str.replace_all(_SEPARATOR_RE, "")


def _rest_of(body: pl.Expr) -> pl.Expr:
    """The digits after 0 / 62 / +62."""
    digits = body.str.strip_prefix("+")
    international = body.str.starts_with("+") | digits.str.starts_with("62")
    return pl.when(international).then(digits.str.slice(2)).otherwise(digits.str.slice(1))


def with_phone[F: (pl.DataFrame, pl.LazyFrame)](
    frame: F, source: str, *, number: str = "phone", error: str = "phone_error"
) -> F:
    """`frame` with the canonical number and the error code of its text column `source`, row for row what
    :func:`normalise_phone` does: `number` is ``""`` for an empty or null value and null where `error` is set.

    Built in steps over helper columns (dropped at the end): one expression tree re-evaluates its shared parts
    for each branch, which costs ten times as much on a million rows.
    """
    body, rest = f"__{number}_body", f"__{number}_rest"
    b, r = pl.col(body), pl.col(rest)
    empty = b.is_null() | (b == "")
    code = (
        pl.when(empty)
        .then(pl.lit(None, dtype=pl.String))
        .when(b.str.strip_prefix("+").str.contains(_BAD_CHAR_RE))
        .then(pl.lit("invalid_char"))
        .when(~(b.str.starts_with("+62") | b.str.starts_with("62") | b.str.starts_with("0")))
        .then(pl.lit("prefix"))
        .when(r.str.starts_with("0"))
        .then(pl.lit("extra_zero"))
        .when((r != "") & ~r.str.starts_with("8"))
        .then(pl.lit("landline"))
        .when(~r.str.len_chars().is_between(MIN_DIGITS, MAX_DIGITS))
        .then(pl.lit("length"))
    )
    return (
        frame.with_columns(_body(pl.col(source)).alias(body))
        .with_columns(_rest_of(b).alias(rest))
        .with_columns(code.alias(error))
        .with_columns(
            pl.when(empty)
            .then(pl.lit(""))
            .when(pl.col(error).is_null())
            .then(pl.concat_str(pl.lit("0"), r))
            .alias(number)
        )
        .drop(body, rest)
    )


def phone_column(values: pl.Series) -> pl.DataFrame:
    """Columns ``phone`` (canonical, ``""`` when empty, null on error) and ``error`` (code or null)."""
    frame = pl.DataFrame({"raw": values.cast(pl.String)})
    return with_phone(frame, "raw", number="phone", error="error").select("phone", "error")


def _split(code: str, raw: str, marker: str) -> tuple[str, str]:
    before, found, after = phone_message(code, raw).partition(marker)
    assert found, (code, marker)
    return before, after


def phone_reason(code: pl.Expr, raw: pl.Expr) -> pl.Expr:
    """``phone_message(code, raw)`` as one expression: no Python call per row.

    Only the odd character of ``invalid_char`` goes through Python, once per distinct character.
    """
    body = _body(raw)
    rest = _rest_of(body)
    length = _split("length", "0" + "8" * 97, "97")  # 97 digits after the prefix print as "97"
    return (
        pl.when(code == "invalid_char")
        .then(
            body.str.strip_prefix("+").str.extract(_BAD_CHAR_RE, 1).map_batches(_char_messages, return_dtype=pl.String)
        )
        .when(code == "length")
        .then(pl.concat_str(pl.lit(length[0]), rest.str.len_chars().cast(pl.String), pl.lit(length[1])))
        .otherwise(
            code.replace_strict(
                {c: phone_message(c) for c in ERROR_CODES if c not in ("invalid_char", "length")},
                default=None,
                return_dtype=pl.String,
            )
        )
    )


def _char_message(char: str | None) -> str:
    return _render(_MESSAGES["invalid_char"], {"char": "?" if char is None else repr(char)})


def _char_messages(chars: pl.Series) -> pl.Series:
    """The message for each distinct odd character found (a handful per file), mapped back onto the column."""
    distinct = chars.drop_nulls().unique().to_list()
    return chars.replace_strict(
        {c: _char_message(c) for c in distinct}, default=_char_message(None), return_dtype=pl.String
    )
