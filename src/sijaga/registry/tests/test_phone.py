"""The phone rule (F25): the scalar ``normalise_phone`` and the vectorised ``with_phone`` agree row for row.

Hypothesis builds numbers the way people type them (separators, country code, trunk zero, extensions, Excel's
lost leading zero, formulas and markup) and compares the canonical number, the error code and the message.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sijaga.registry.phone import (
    ERROR_CODES,
    InvalidPhone,
    normalise_phone,
    phone_column,
    phone_message,
    phone_reason,
    with_phone,
)


def scalar(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """(canonical number or None, error code, message) from the scalar path."""
    try:
        return normalise_phone(raw), None, None
    except InvalidPhone as exc:
        assert isinstance(exc, ValueError) and str(exc) == exc.message
        return None, exc.code, exc.message


def vectorised(values: list[str | None]) -> list[tuple[str | None, str | None, str | None]]:
    frame = pl.DataFrame({"raw": values}, schema={"raw": pl.String})
    out = with_phone(frame.lazy(), "raw", number="phone", error="error").collect()
    out = out.with_columns(phone_reason(pl.col("error"), pl.col("raw")).alias("reason"))
    assert sorted(out.columns) == ["error", "phone", "raw", "reason"]  # the helper columns are gone
    assert phone_column(frame.get_column("raw")).rows() == out.select("phone", "error").rows()
    return out.select("phone", "error", "reason").rows()


def assert_agrees(values: list[str | None]) -> None:
    for raw, row in zip(values, vectorised(values), strict=True):
        assert row == scalar(raw), repr(raw)


separator = st.sampled_from([" ", "-", ".", "(", ")", "\u00a0", "\u2013", "\u200b", "\u2212", " - "])
noise = st.sampled_from(
    ["+", "=", "<b>", "</b>", "@", "/", "x", "ext ", "e", "E+11", ",", "'", "\x00", "\x1f", "\t", "\n", "٣", "５", "*"]
)


@st.composite
def typed(draw) -> str:
    """A number as a person might type it: a prefix, digits split by separators, sometimes something extra."""
    prefix = draw(st.sampled_from(["0", "62", "+62", "+62 ", "+62 (0)", "0062", "", "+", "+1 ", "6", "00"]))
    first = draw(st.sampled_from(["8", "8", "8", "2", "5", "0", "1"]))
    digits = first + draw(st.text(alphabet="0123456789", min_size=0, max_size=15))
    cuts = sorted(draw(st.lists(st.integers(0, len(digits)), max_size=4)))
    parts, last = [], 0
    for cut in cuts:
        parts += [digits[last:cut], draw(separator)]
        last = cut
    number = prefix + "".join(parts) + digits[last:]
    if draw(st.integers(0, 4)) == 0:
        i = draw(st.integers(0, len(number)))
        number = number[:i] + draw(noise) + number[i:]
    pad = draw(st.sampled_from(["", " ", "\u00a0", "\t", "\u3000"]))
    return pad + number + pad


phones = st.one_of(
    typed(),
    typed(),
    typed(),
    st.text(alphabet="0123456789+-. ()", max_size=20),
    st.text(max_size=16),
    st.sampled_from(["", "-", " ", "()", "+", "0", "62", "+62", "=1+1", "<b>1</b>", "@1"]),
    st.none(),
)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(phones, min_size=1, max_size=40))
def test_vectorised_agrees_with_scalar(values):
    assert_agrees(values)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("081234567890", "081234567890"),
        ("0812-3456-7890", "081234567890"),
        ("0812 3456 7890", "081234567890"),
        ("(0812) 3456.7890", "081234567890"),
        ("+62 812-3456-7890", "081234567890"),
        ("+6281234567890", "081234567890"),
        ("6281234567890", "081234567890"),
        ("\u00a00812\u20133456\u20137890 ", "081234567890"),  # Excel's no-break space, Word's en dash
        ("081234567", "081234567"),  # 8 digits after the 0: the shortest allowed
        ("+628" + "1" * 12, "08" + "1" * 12),  # 13 digits after +62: the longest
        ("", ""),
        ("   ", ""),
        ("-", ""),  # a spreadsheet's "none"
        (None, ""),
    ],
)
def test_accepted_and_canonical(raw, canonical):
    assert normalise_phone(raw) == canonical
    assert_agrees([raw])


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("=1+1", "invalid_char", "'='"),  # a formula (F7 / F25)
        ("+62=1+1", "invalid_char", "'='"),
        ("<b>1</b>", "invalid_char", "'<'"),
        ("@1", "invalid_char", "'@'"),
        ("+62 812-3456-7890 ext 12345678901234", "invalid_char", "'e'"),  # F20: no digits glued together
        ("0812/3456789", "invalid_char", "'/'"),
        ("0812\x003456789", "invalid_char", "'\\x00'"),
        ("++6281234567890", "invalid_char", "'+'"),
        ("8.1234567890E+10", "invalid_char", "'E'"),
        ("81234567890", "prefix", "0, 62 atau +62"),  # Excel dropped the leading 0
        ("+1 555 123 4567", "prefix", "0, 62 atau +62"),
        ("+62 (0)812-3456-7890", "extra_zero", "+6281234567890"),
        ("021-5551234", "landline", "seluler"),
        ("(0542) 123456", "landline", "seluler"),
        ("0812", "length", "yang diisi 3 digit"),
        ("0812345678901234", "length", "yang diisi 15 digit"),
        ("+62", "length", "yang diisi 0 digit"),
    ],
)
def test_f25_phone_text_is_refused_with_a_reason(raw, code, fragment):
    with pytest.raises(InvalidPhone) as exc:
        normalise_phone(raw)
    assert exc.value.code == code
    assert fragment in exc.value.message and exc.value.message.startswith("Nomor HP")
    assert_agrees([raw])


def test_every_code_has_a_message():
    for code in ERROR_CODES:
        assert phone_message(code, "x").startswith("Nomor HP")


def test_canonical_form_fits_the_model_field():
    from sijaga.registry.models import Worker

    longest = normalise_phone("+628" + "9" * 12)
    assert len(longest) == 14 <= Worker._meta.get_field("phone").max_length


def test_messages_are_translated():
    from django.utils import translation

    with translation.override("en"):
        message = scalar("021-5551234")[2]
        assert vectorised(["021-5551234"])[0][2] == message
    assert message != phone_message("landline")
