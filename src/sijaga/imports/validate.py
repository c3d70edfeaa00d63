"""Column-wise validation of an enrolment file: every rule is a Polars expression, no Python loop over rows.

Input: the all-text frame from `reader.read_table`. Output: the typed, normalised valid rows and a long frame of
rejections (row, column, value, reason), one line per problem, with Indonesian reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce

import polars as pl
from django.utils.translation import gettext as _

from sijaga.enrollment.models import MAX_WAGE
from sijaga.enrollment.rules import JKP_REQUIRES, PROGRAMMES
from sijaga.imports.columns import BY_KEY, COLUMNS
from sijaga.imports.reader import NIK_NUMERIC, ROW
from sijaga.registry.models import TargetCategory
from sijaga.registry.nik import WHITESPACE, nik_message, parse_nik_column
from sijaga.registry.phone import phone_reason, with_phone

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")
# Four-digit years only: chrono's %Y reads "01/01/26" as the year 26, which no one means.
DATE_SHAPE = r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/-]\d{1,2}[/-]\d{1,2})$"
MAX_EXACT_FLOAT = 2**53
PROGRAMME_FILLERS = ("dan", "and", "")  # "JKK dan JKM"
PARSE_DISTINCT_FROM = 10_000  # rows from which repeated values are parsed once per distinct value
MAX_NAME = 150  # Worker.full_name; longer names are rejected with a reason, never cut
MAX_OCCUPATION = 100  # Worker.occupation; likewise
# Control characters no cell may hold: C0 and DEL, except the whitespace ones (tab, line breaks, VT, FF) that text
# legitimately carries. PostgreSQL cannot store NUL at all; the others are invisible garbage in a name or a code.
CONTROL_CHARS = "".join(map(chr, (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F)))
_CONTROL_RE = "[" + "".join(f"\\u{ord(c):04X}" for c in CONTROL_CHARS) + "]"

GENDER_WORDS = {
    "l": "L",
    "lk": "L",
    "laki": "L",
    "laki-laki": "L",
    "laki laki": "L",
    "pria": "L",
    "m": "L",
    "male": "L",
    "p": "P",
    "pr": "P",
    "perempuan": "P",
    "wanita": "P",
    "f": "P",
    "female": "P",
}
SEGMENT_WORDS = {
    "pu": "pu",
    "penerima upah": "pu",
    "ppu": "pu",
    "bpu": "bpu",
    "bukan penerima upah": "bpu",
    "pbpu": "bpu",
    "jakon": "jakon",
    "jasa konstruksi": "jakon",
    "konstruksi": "jakon",
}


def _category_words() -> dict[str, str]:
    words = {}
    for value, label in TargetCategory.choices:
        for w in (value, value.replace("_", " "), str(label)):
            words[w.lower()] = value
    words.update(
        {
            "non asn": "non_asn",
            "non-asn": "non_asn",
            "honorer": "non_asn",
            "ptt": "non_asn",
            "rt": "rt_rw",
            "rw": "rt_rw",
            "rt/rw": "rt_rw",
            "ketua rt": "rt_rw",
            "ketua rw": "rt_rw",
            "pemilu": "penyelenggara_pemilu",
            "kpps": "penyelenggara_pemilu",
            "rentan": "pekerja_rentan",
            "informal": "pekerja_rentan",
            "formal": "formal_lain",
        }
    )
    return words


@dataclass
class Validated:
    valid: pl.DataFrame
    rejections: pl.DataFrame  # ROW, column, value, reason
    read: int

    @property
    def rejected_rows(self) -> int:
        return self.rejections.get_column(ROW).n_unique() if self.rejections.height else 0


def _col(frame: pl.DataFrame, key: str) -> pl.Expr:
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


def validate(
    frame: pl.DataFrame,
    *,
    villages: pl.Series,
    today: dt.date,
    existing: pl.DataFrame | None = None,
) -> Validated:
    """Check every row; `existing` has columns nik, visible (bool) for NIKs already registered.

    Values that repeat down a file (categories, segments, programmes, dates, wages, village codes) are parsed once
    per distinct value and joined back, which is what keeps a million-row file fast.
    """
    read = frame.height
    # originals (`v_<key>`) are what a rejection quotes; the bare key is the trimmed text (empty → null)
    base = frame.select(
        pl.col(ROW).cast(pl.Int64),
        (pl.col(NIK_NUMERIC).fill_null(False) if NIK_NUMERIC in frame.columns else pl.lit(False)).alias(NIK_NUMERIC),
        *[_col(frame, c.key).alias(f"v_{c.key}") for c in COLUMNS],
    )

    # NIK: the engine's verdict plus Excel's lost 16th digit.
    nik = parse_nik_column(base.get_column("v_nik"), today=today).select(
        pl.col("nik").alias("nik_norm"),
        pl.col("valid").alias("nik_valid"),
        pl.col("error_codes").list.first().alias("nik_error"),
        pl.col("birth_date").alias("nik_birth"),
        pl.col("gender").alias("nik_gender"),
    )
    f = pl.concat([base, nik], how="horizontal").lazy()
    f = f.with_columns(
        full_name=_trimmed("v_full_name"),
        phone=_trimmed("v_phone"),
        occupation=_trimmed("v_occupation"),
        **{f"control_{key}": _has_control(f"v_{key}") for key in ("full_name", "phone", "occupation")},
    ).with_columns(
        full_name_norm=pl.col("full_name").str.replace_all(r"\s{2,}|[^\S ]", " "),  # = \s+ → " ", but faster
        first_row=pl.col(ROW).min().over("nik_norm"),
    )
    f = with_phone(f, "phone", number="phone_norm", error="phone_error")

    words = _category_words()
    wage, cents = parse_rupiah(_trimmed("v_wage"))
    domicile = _trimmed("v_domicile")
    domicile_norm = _dotted_region(domicile.str.replace_all(r"\s", ""))
    programme_list = (
        _trimmed("v_programmes")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z]+", " ")
        .str.strip_chars()
        .str.split(" ")
        .list.set_difference(pl.lit(list(PROGRAMME_FILLERS)))
    )
    per_value: dict[str, dict[str, pl.Expr]] = {
        "birth_date": {"birth_date": _trimmed("v_birth_date"), "birth_parsed": parse_dates(_trimmed("v_birth_date"))},
        "gender": {
            "gender": _trimmed("v_gender"),
            "gender_norm": _trimmed("v_gender")
            .str.to_lowercase()
            .str.strip_chars(".")
            .replace_strict(GENDER_WORDS, default=None, return_dtype=pl.String),
        },
        "domicile": {
            "domicile": domicile,
            "domicile_norm": domicile_norm,
            "domicile_known": domicile_norm.is_in(villages.cast(pl.String).implode()),
        },
        "category": {
            "category": _trimmed("v_category"),
            "category_norm": _trimmed("v_category")
            .str.to_lowercase()
            .str.replace_all(r"\s+", " ")
            .replace_strict(words, default=None, return_dtype=pl.String),
        },
        "segment": {
            "segment": _trimmed("v_segment"),
            "segment_norm": _trimmed("v_segment")
            .str.to_lowercase()
            .str.replace_all(r"\s+", " ")
            .replace_strict(SEGMENT_WORDS, default=None, return_dtype=pl.String),
        },
        "programmes": {
            "programmes": _trimmed("v_programmes"),
            **{p: programme_list.list.contains(p).fill_null(False) for p in PROGRAMMES},
            "programme_unknown": programme_list.list.set_difference(pl.lit(list(PROGRAMMES))),
        },
        "wage": {"wage": _trimmed("v_wage"), "wage_int": wage, "wage_cents": cents},
        "start_date": {"start_date": _trimmed("v_start_date"), "start_parsed": parse_dates(_trimmed("v_start_date"))},
    }
    for key, exprs in per_value.items():
        exprs[f"control_{key}"] = _has_control(f"v_{key}")  # once per distinct value too
        if read < PARSE_DISTINCT_FROM:  # a join costs more than it saves on a small file
            f = f.with_columns(**exprs)
            continue
        source = f"v_{key}"
        parsed = base.lazy().select(pl.col(source)).unique().with_columns(**exprs)
        f = f.join(parsed, on=source, how="left", nulls_equal=True, maintain_order="left")

    if existing is not None and existing.height:
        # one line per NIK, whatever the caller passed: a join must never multiply rows
        known = existing.lazy().group_by("nik").agg(pl.col("visible").fill_null(False).all().alias("existing_visible"))
        f = f.join(known, left_on="nik_norm", right_on="nik", how="left", maintain_order="left")
    else:
        f = f.with_columns(pl.lit(None, dtype=pl.Boolean).alias("existing_visible"))
    f = f.collect(engine="in-memory")

    # a cell with a control character gets that one reason: the column's other rules would only quote the garbage
    rules = _control_rules() + [
        (key, cond if key == "nik" else cond & ~pl.col(f"control_{key}"), reason) for key, cond, reason in _rules(today)
    ]
    assert all(key in BY_KEY for key, _c, _r in rules)
    # one small frame per rule with just the rows it rejects: nothing is built for the rows that pass
    flagged = f.lazy()
    rejections = (
        pl.concat(
            [
                flagged.filter(cond.fill_null(False)).select(
                    pl.col(ROW),
                    pl.lit(i, dtype=pl.Int32).alias("rule"),
                    pl.lit(key).alias("key"),
                    pl.lit(BY_KEY[key].header).alias("column"),
                    pl.col(f"v_{key}").alias("value"),
                    reason.cast(pl.String).alias("reason"),
                )
                for i, (key, cond, reason) in enumerate(rules)
            ]
        )
        .sort(ROW, "rule")
        .drop("rule")
        .collect(engine="in-memory")
    )
    bad_rows = rejections.get_column(ROW).unique()
    valid = f.filter(~pl.col(ROW).is_in(bad_rows.implode())).select(
        pl.col(ROW),
        pl.col("nik_norm").alias("nik"),
        pl.col("full_name_norm").alias("full_name"),
        pl.col("nik_birth").alias("birth_date"),
        pl.col("nik_gender").alias("gender"),
        pl.col("domicile_norm").alias("domicile_id"),
        pl.col("phone_norm").fill_null("").alias("phone"),
        pl.col("occupation").fill_null("").alias("occupation"),
        pl.col("category_norm").alias("category"),
        pl.col("segment_norm").alias("segment"),
        *[pl.col(p) for p in PROGRAMMES],
        pl.col("wage_int").alias("wage"),
        pl.col("start_parsed").alias("start_date"),
    )
    return Validated(valid=valid, rejections=rejections, read=read)


def _rules(today: dt.date) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(column key, condition for rejection, reason): evaluated on the frame built in `validate`."""
    nik_lost = pl.col(NIK_NUMERIC) & (
        pl.col("nik_norm").str.ends_with("0") | (pl.col("nik_norm").cast(pl.Int64, strict=False) > MAX_EXACT_FLOAT)
    )
    seg = pl.col("segment_norm")
    return [
        (
            "nik",
            nik_lost,
            pl.lit(
                _(
                    "NIK tersimpan sebagai angka di Excel sehingga digit terakhirnya bisa hilang "
                    "(Excel hanya menyimpan 15 digit). Format kolom NIK sebagai Teks lalu isi ulang."
                )
            ),
        ),
        ("nik", ~pl.col("nik_valid") & ~nik_lost, _nik_reason(pl.col("nik_error"), pl.col("nik_norm"))),
        (
            "nik",
            pl.col("nik_valid") & (pl.col(ROW) != pl.col("first_row")),
            pl.format(_("NIK sama dengan baris {}; hanya baris pertama yang diproses."), pl.col("first_row")),
        ),
        (
            "nik",
            pl.col("existing_visible") == False,  # noqa: E712 - Polars expression, not a Python bool
            pl.lit(_("NIK sudah terdaftar di wilayah lain; hubungi koordinator untuk pemindahan.")),
        ),
        ("full_name", pl.col("full_name_norm").is_null(), pl.lit(_("Nama wajib diisi."))),
        (
            "full_name",
            pl.col("full_name_norm").str.len_chars() > MAX_NAME,
            pl.lit(_("Nama lebih dari 150 karakter.")),
        ),
        (
            "full_name",
            ~pl.col("full_name_norm").str.contains(r"(?i)[a-z]").fill_null(True),
            pl.lit(_("Nama harus berisi huruf.")),
        ),
        (
            "birth_date",
            pl.col("birth_date").is_not_null() & pl.col("birth_parsed").is_null(),
            pl.lit(_("Tanggal lahir tidak dikenali; gunakan format dd/mm/yyyy.")),
        ),
        (
            "birth_date",
            pl.col("nik_valid")
            & pl.col("birth_parsed").is_not_null()
            & (pl.col("birth_parsed") != pl.col("nik_birth")),
            pl.format(
                _("Tanggal lahir tidak sama dengan tanggal lahir di NIK ({})."),
                pl.col("nik_birth").dt.strftime("%d/%m/%Y"),
            ),
        ),
        (
            "gender",
            pl.col("gender").is_not_null() & pl.col("gender_norm").is_null(),
            pl.lit(_("Jenis kelamin harus L atau P.")),
        ),
        (
            "gender",
            pl.col("nik_valid") & pl.col("gender_norm").is_not_null() & (pl.col("gender_norm") != pl.col("nik_gender")),
            pl.when(pl.col("nik_gender") == "P")
            .then(pl.lit(_("Jenis kelamin tidak sesuai NIK (NIK menunjukkan perempuan).")))
            .otherwise(pl.lit(_("Jenis kelamin tidak sesuai NIK (NIK menunjukkan laki-laki)."))),
        ),
        ("domicile", pl.col("domicile").is_null(), pl.lit(_("Kode desa domisili wajib diisi."))),
        (
            "domicile",
            pl.col("domicile").is_not_null() & ~pl.col("domicile_known"),
            pl.when(pl.col("domicile_norm").str.contains(r"^\d{2}\.\d{2}\.\d{2}$"))
            .then(
                pl.format(
                    _(
                        "Kode {} adalah kode kecamatan, bukan desa/kelurahan; isi kode desa 10 digit, "
                        "mis. 64.71.05.1002."
                    ),
                    pl.col("domicile"),
                )
            )
            .when(pl.col("domicile_norm").str.contains(r"^\d{2}(\.\d{2})?$"))
            .then(
                pl.format(
                    _(
                        "Kode {} adalah kode provinsi atau kabupaten/kota, bukan desa/kelurahan; isi kode desa 10 "
                        "digit, mis. 64.71.05.1002."
                    ),
                    pl.col("domicile"),
                )
            )
            .otherwise(
                pl.format(_("Kode desa/kelurahan {} tidak ada di data wilayah Kemendagri 2025."), pl.col("domicile"))
            ),
        ),
        ("category", pl.col("category").is_null(), pl.lit(_("Kategori wajib diisi."))),
        (
            "category",
            pl.col("category").is_not_null() & pl.col("category_norm").is_null(),
            pl.format(_("Kategori “{}” tidak dikenal; pilih dari daftar di templat."), pl.col("category")),
        ),
        (
            "occupation",
            (pl.col("category_norm") == "pekerja_rentan") & pl.col("occupation").is_null(),
            pl.lit(_("Pekerja rentan wajib mencantumkan pekerjaannya (mis. pedagang, petani, nelayan).")),
        ),
        (
            "occupation",
            pl.col("occupation").str.len_chars() > MAX_OCCUPATION,
            pl.format(
                _("Pekerjaan lebih dari 100 karakter (yang diisi {} karakter); singkat isinya."),
                pl.col("occupation").str.len_chars(),
            ),
        ),
        ("phone", pl.col("phone_error").is_not_null(), phone_reason(pl.col("phone_error"), pl.col("phone"))),
        ("segment", pl.col("segment").is_null(), pl.lit(_("Segmen wajib diisi (PU, BPU atau JAKON)."))),
        (
            "segment",
            pl.col("segment").is_not_null() & seg.is_null(),
            pl.format(_("Segmen “{}” tidak dikenal; isi PU, BPU atau JAKON."), pl.col("segment")),
        ),
        ("programmes", pl.col("programmes").is_null(), pl.lit(_("Program wajib diisi, minimal JKK+JKM."))),
        (
            "programmes",
            pl.col("programme_unknown").list.len() > 0,
            pl.format(_("Program tidak dikenal: {}."), pl.col("programme_unknown").list.join(", ").str.to_uppercase()),
        ),
        (
            "programmes",
            pl.col("programmes").is_not_null() & ~(pl.col("jkk") & pl.col("jkm")),
            pl.lit(_("JKK dan JKM wajib diikuti sejak pendaftaran pertama.")),
        ),
        (
            "programmes",
            (seg == "bpu") & pl.col("jp"),
            pl.lit(_("JP hanya untuk peserta penerima upah (PU); segmen BPU tidak dapat memilih JP.")),
        ),
        (
            "programmes",
            seg.is_in(["bpu", "jakon"]) & pl.col("jkp"),
            pl.lit(_("JKP hanya untuk peserta penerima upah (PU) (PP 37/2021).")),
        ),
        (
            "programmes",
            (seg == "jakon") & (pl.col("jht") | pl.col("jp")),
            pl.lit(_("Segmen jasa konstruksi hanya JKK dan JKM.")),
        ),
        (
            "programmes",
            (seg == "pu") & pl.col("jkp") & ~reduce(lambda a, b: a & b, [pl.col(p) for p in JKP_REQUIRES]),
            pl.lit(_("JKP mensyaratkan kepesertaan JKK, JKM dan JHT (PP 37/2021 pasal 4).")),
        ),
        ("wage", pl.col("wage").is_null(), pl.lit(_("Upah/penghasilan wajib diisi."))),
        ("wage", pl.col("wage_cents"), pl.lit(_("Rupiah tidak memakai sen; isi bilangan bulat."))),
        (
            "wage",
            pl.col("wage").is_not_null() & ~pl.col("wage_cents") & pl.col("wage_int").is_null(),
            pl.format(_("Upah “{}” bukan jumlah Rupiah yang dikenali, mis. 3.500.000."), pl.col("wage")),
        ),
        (
            "wage",
            ~pl.col("wage_cents") & ((pl.col("wage_int") <= 0) | (pl.col("wage_int") > MAX_WAGE)),
            pl.lit(_("Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar.")),
        ),
        ("start_date", pl.col("start_date").is_null(), pl.lit(_("Tanggal mulai wajib diisi."))),
        (
            "start_date",
            pl.col("start_date").is_not_null() & pl.col("start_parsed").is_null(),
            pl.lit(_("Tanggal mulai tidak dikenali; gunakan format dd/mm/yyyy.")),
        ),
        (
            "start_date",
            pl.col("start_parsed") > pl.lit(today + dt.timedelta(days=366)),
            pl.lit(_("Tanggal mulai lebih dari setahun ke depan.")),
        ),
        (
            "start_date",
            pl.col("start_parsed") < pl.coalesce(pl.col("nik_birth"), pl.col("birth_parsed")),
            pl.lit(_("Tanggal mulai sebelum tanggal lahir.")),
        ),
    ]


_CHECKED = tuple(c for c in COLUMNS if c.key != "nik")  # the NIK engine already refuses any control character


def _has_control(column: str) -> pl.Expr:
    return pl.col(column).str.contains_any(list(CONTROL_CHARS)).fill_null(False)


def _control_rules() -> list[tuple[str, pl.Expr, pl.Expr]]:
    """One rule per column: the cell holds a control character (NUL, e.g. Excel's `_x0000_`), quoted as U+0000."""
    marker = "\u2063"  # invisible separator: never part of a message
    names = {c: f"U+{ord(c):04X}" for c in CONTROL_CHARS}
    rules = []
    for column in _CHECKED:
        text = _(
            "%(column)s berisi karakter kontrol yang tidak sah (%(char)s); hapus karakter itu atau ketik ulang isinya."
        )
        before, _found, after = (text % {"column": column.header, "char": marker}).partition(marker)
        found = pl.col(f"v_{column.key}").str.extract(f"({_CONTROL_RE})", 1)
        reason = pl.concat_str(
            pl.lit(before), found.replace_strict(names, default="?", return_dtype=pl.String), pl.lit(after)
        )
        rules.append((column.key, pl.col(f"control_{column.key}"), reason))
    return rules


def _trimmed(column: str) -> pl.Expr:
    """A cell without surrounding whitespace; empty → null (the reader already does this; other callers may not)."""
    text = pl.col(column).str.strip_chars(WHITESPACE)
    return pl.when(text != "").then(text)


def _dotted_region(code: pl.Expr) -> pl.Expr:
    """Plain region codes (`6471051002`, also as an Excel number `6471051002.0`; `647105` for a district) dotted
    like the official ones: `64.71.05.1002`."""
    digits = code.str.replace(r"\.0+$", "")
    plain = digits.str.contains(r"^(\d{2}|\d{4}|\d{6}|\d{10})$")
    parts = [digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2), digits.str.slice(6, 4)]
    dotted = pl.concat_str(parts, separator=".", ignore_nulls=True).str.strip_chars(".")
    return pl.when(plain).then(dotted).otherwise(code)


# --- NIK messages, column-wise --------------------------------------------------------------------------------------

_SCIENTIFIC_NIK = r"^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$"  # the pattern `nik_message` tests for
# the first character that is neither a digit nor the engine's whitespace: what `nik_message` quotes
_NON_DIGIT = "([^0-9" + "".join(f"\\u{ord(c):04X}" for c in WHITESPACE) + "])"


def _split_message(code: str, nik: str, marker: str) -> tuple[str, str]:
    """`nik_message(code, nik)` (translated) around the parameter that `nik` makes it print as `marker`."""
    before, found, after = nik_message(code, nik).partition(marker)
    assert found, (code, marker)
    return before, after


def _around(parts: tuple[str, str], value: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit(parts[0]), value, pl.lit(parts[1]))


def _nik_reason(code: pl.Expr, nik: pl.Expr) -> pl.Expr:
    """`nik_message(code, nik)` as one expression, so a million bad NIKs cost no Python call each.

    The translated messages come from `nik_message` itself, rendered with marker NIKs that make each parameter
    print as a known string; only the offending character of `non_digit` goes through Python, once per distinct
    character.
    """
    from sijaga.registry.nik import ERROR_CODES

    marker = "\u2063"  # invisible separator: never part of a message
    length = _split_message("length", "1" * 9731, "9731")
    province = _split_message("province_unknown", marker * 2 + "0" * 14, marker * 2)
    birth = _split_message("birth_date_invalid", "0" * 6 + marker * 6 + "0" * 4, marker * 6)
    scientific = _split_message("non_digit", "9E+9999", "9E+9999")
    first_odd = nik.str.extract(_NON_DIGIT, 1)
    return (
        pl.when(code == "length")
        .then(_around(length, nik.str.count_matches("[0-9]").cast(pl.String)))
        .when(code == "province_unknown")
        .then(_around(province, nik.str.slice(0, 2)))
        .when(code == "birth_date_invalid")
        .then(_around(birth, nik.str.slice(6, 6)))
        .when((code == "non_digit") & nik.str.contains(_SCIENTIFIC_NIK))
        .then(_around(scientific, nik))
        .when(code == "non_digit")
        .then(first_odd.map_batches(_non_digit_messages, return_dtype=pl.String))
        .otherwise(code.replace_strict({c: nik_message(c) for c in ERROR_CODES}, default=None, return_dtype=pl.String))
    )


def _non_digit_messages(chars: pl.Series) -> pl.Series:
    """The non-digit message for each distinct character found (a handful per file), mapped back onto the column."""
    distinct = chars.drop_nulls().unique().to_list()
    return chars.replace_strict(
        {c: nik_message("non_digit", c) for c in distinct},
        default=nik_message("non_digit", "?"),
        return_dtype=pl.String,
    )
