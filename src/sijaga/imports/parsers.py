"""Generic column parsers for import kinds: every one is a Polars expression, no Python loop over rows.

Dates as people and Excel write them, Rupiah amounts, trimmed cells and dotted region codes. Moved verbatim from the
enrolment validator so budget, payment and target imports parse the same way.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sijaga.core.text import WHITESPACE

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")
# Four-digit years only: chrono's %Y reads "01/01/26" as the year 26, which no one means.
DATE_SHAPE = r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/-]\d{1,2}[/-]\d{1,2})$"


def text_column(frame: pl.DataFrame, key: str) -> pl.Expr:
    return pl.col(key).cast(pl.String) if key in frame.columns else pl.lit(None, dtype=pl.String).alias(key)


def parse_dates(expr: pl.Expr) -> pl.Expr:
    """dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd, Excel datetimes (the time of day is dropped) and Excel
    serial numbers."""
    base = expr.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    dated = pl.when(base.str.contains(DATE_SHAPE)).then(base)
    parsed = [dated.str.to_date(f, strict=False) for f in DATE_FORMATS]
    serial = base.str.extract(r"^(\d{4,5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    from_serial = pl.when(serial.is_between(1, 80000)).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial))
    return pl.coalesce(*parsed, from_serial.cast(pl.Date))


def parse_rupiah(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(Int64 Rupiah or null, True where the text had cents).

    Accepts `Rp 3.500.000`, `3.500.000,-`, `3500000`, `3,500,000`, `3500000.0` (an Excel number) and a minus sign
    (so that a negative wage is reported as out of range, not as unreadable). One group of three digits after a
    separator is thousands (`1.500` = 1500), anything else after a separator is a fraction: cents are refused.
    Amounts too long for Int64 come back as 10**15, far above any allowed wage.
    """
    s = expr.str.replace_all(r"(?i)rp\.?|idr|\s", "").str.replace(r"[.,]-$", "")
    negative = s.str.starts_with("-")
    s = s.str.strip_chars_start("-")
    indo = s.str.contains(r"^\d{1,3}(\.\d{3})+(,\d*)?$")
    english = s.str.contains(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
    plain = s.str.contains(r"^\d+([.,]\d*)?$")
    whole = (
        pl.when(indo)
        .then(s.str.extract(r"^([\d.]+)", 1).str.replace_all(".", "", literal=True))
        .when(english)
        .then(s.str.extract(r"^([\d,]+)", 1).str.replace_all(",", "", literal=True))
        .when(plain)
        .then(s.str.extract(r"^(\d+)", 1))
        .str.strip_chars_start("0")
    )
    fraction = (
        pl.when(indo)
        .then(s.str.extract(r",(\d*)$", 1))
        .when(english)
        .then(s.str.extract(r"\.(\d*)$", 1))
        .when(plain)
        .then(s.str.extract(r"[.,](\d*)$", 1))
    )
    cents = fraction.str.contains("[1-9]").fill_null(False)
    amount = (
        pl.when(whole.str.len_chars() > 15)
        .then(pl.lit(10**15, dtype=pl.Int64))
        .when(whole == "")
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(whole.cast(pl.Int64, strict=False))
    )
    return pl.when(negative).then(-amount).otherwise(amount), cents


def trimmed(column: str) -> pl.Expr:
    """A cell without surrounding whitespace; empty → null (the reader already does this; other callers may not)."""
    text = pl.col(column).str.strip_chars(WHITESPACE)
    return pl.when(text != "").then(text)


def dotted_region(code: pl.Expr) -> pl.Expr:
    """Plain region codes (`6471051002`, also as an Excel number `6471051002.0`; `647105` for a district) dotted
    like the official ones: `64.71.05.1002`."""
    digits = code.str.replace(r"\.0+$", "")
    plain = digits.str.contains(r"^(\d{2}|\d{4}|\d{6}|\d{10})$")
    parts = [digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2), digits.str.slice(6, 4)]
    dotted = pl.concat_str(parts, separator=".", ignore_nulls=True).str.strip_chars(".")
    return pl.when(plain).then(dotted).otherwise(code)
