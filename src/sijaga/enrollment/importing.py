"""The enrolment import kind ("kepesertaan"): its columns, blank workbook, validation and merge.

The engine (`sijaga.imports`) stores, reads, runs and reports any kind of file; this module tells it what an
enrolment file is. Its merge writes workers and memberships through the SQL their own apps own (`registry.bulk`,
`enrollment.bulk`), inside the engine's transaction. Registered in `EnrollmentConfig.ready()`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from functools import cache

import polars as pl
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.accounts.masking import SHOW
from sijaga.core import fkcheck
from sijaga.core.bulk import Dialect, fill_stage
from sijaga.enrollment import bulk, terms
from sijaga.enrollment.models import MAX_WAGE
from sijaga.enrollment.rules import PROGRAMME_NAMES, PROGRAMMES, SEGMENT_RULES, programme_errors
from sijaga.enrollment.signals import send_memberships_changed
from sijaga.imports.columns import Column, ColumnSet
from sijaga.imports.kinds import ROW, Context, MergeResult, Target, Validated, fault
from sijaga.imports.parsers import dotted_region as _dotted_region
from sijaga.imports.parsers import parse_dates, parse_rupiah
from sijaga.imports.parsers import text_column as _col
from sijaga.imports.parsers import trimmed as _trimmed
from sijaga.imports.reader import NIK_NUMERIC
from sijaga.registry import bulk as registry_bulk
from sijaga.registry.models import TargetCategory
from sijaga.registry.names import MAX_WORDS as MAX_NAME_WORDS
from sijaga.registry.names import name_key_column
from sijaga.registry.nik import nik_message_expr as _nik_reason
from sijaga.registry.nik import parse_nik_column
from sijaga.registry.phone import phone_reason, with_phone
from sijaga.registry.signals import workers_changed

# --- columns -----------------------------------------------------------------------------------------------------


COLUMNS = ColumnSet(
    (
        Column(
            "nik",
            "NIK",
            True,
            ("nik", "no ktp", "nomor ktp", "no nik", "nomor nik", "nomor induk kependudukan", "ktp", "nik ktp"),
            "16 digit, format kolom Teks",
        ),
        Column(
            "full_name",
            "Nama Lengkap",
            True,
            ("nama", "nama lengkap", "nama pekerja", "nama peserta", "nama tenaga kerja", "name", "full name"),
            "sesuai KTP",
        ),
        Column(
            "birth_date",
            "Tanggal Lahir",
            False,
            ("tgl lahir", "tanggal lahir", "tgl. lahir", "tanggal lhr", "birth date", "date of birth"),
            "dd/mm/yyyy; boleh kosong (diambil dari NIK)",
        ),
        Column(
            "gender",
            "Jenis Kelamin",
            False,
            ("jenis kelamin", "jk", "l/p", "kelamin", "gender", "sex"),
            "L atau P; boleh kosong (diambil dari NIK)",
        ),
        Column(
            "domicile",
            "Kode Desa Domisili",
            True,
            (
                "kode desa",
                "kode desa domisili",
                "kode kelurahan",
                "kode desa/kelurahan",
                "kode wilayah",
                "domisili",
                "kode domisili",
            ),
            "kode Kemendagri 10 digit, mis. 64.71.05.1002",
        ),
        Column("phone", "No HP", False, ("no hp", "nomor hp", "hp", "telepon", "no telepon", "no. hp", "phone"), ""),
        Column(
            "category",
            "Kategori",
            True,
            ("kategori", "kategori sasaran", "kelompok", "category"),
            "lihat daftar pilihan",
        ),
        Column(
            "occupation",
            "Pekerjaan",
            False,
            ("pekerjaan", "jenis pekerjaan", "profesi", "occupation"),
            "wajib untuk pekerja rentan",
        ),
        Column(
            "segment",
            "Segmen",
            True,
            ("segmen", "segmen kepesertaan", "jenis kepesertaan", "segment"),
            "PU, BPU, JAKON",
        ),
        Column(
            "programmes",
            "Program",
            True,
            ("program", "program bpjs", "program jaminan", "programs", "programmes"),
            "mis. JKK+JKM atau JKK+JKM+JHT",
        ),
        Column(
            "wage",
            "Upah/Penghasilan",
            True,
            ("upah", "gaji", "penghasilan", "upah/penghasilan", "upah per bulan", "wage", "income"),
            "Rupiah per bulan, tanpa sen",
        ),
        Column(
            "start_date",
            "Tanggal Mulai",
            True,
            ("tanggal mulai", "tgl mulai", "mulai", "tmt", "tanggal kepesertaan", "start date"),
            "dd/mm/yyyy",
        ),
    )
)


# --- blank workbook ----------------------------------------------------------------------------------------------

PROGRAMME_CHOICES = ["JKK+JKM", "JKK+JKM+JHT", "JKK+JKM+JHT+JP", "JKK+JKM+JHT+JP+JKP", "JKK+JKM+JHT+JKP"]
SEGMENT_CHOICES = ["PU", "BPU", "JAKON"]
EXAMPLE = {
    "nik": "6471054412950001",
    "full_name": "Siti Aminah",
    "birth_date": "04/12/1995",
    "gender": "P",
    "domicile": "64.71.05.1002",
    "phone": "081234567890",
    "category": str(TargetCategory.NON_ASN.label),
    "occupation": "Staf administrasi",
    "segment": "PU",
    "programmes": "JKK+JKM+JHT",
    "wage": "3500000",
    "start_date": "01/01/2026",
}
DATA_ROWS = 50_000


def template_xlsx() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#0B6E4F", "font_color": "#FFFFFF", "border": 1})
    req = book.add_format({"bold": True, "bg_color": "#0B6E4F", "font_color": "#FFE08A", "border": 1})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    money = book.add_format({"num_format": "#,##0"})

    data = book.add_worksheet("Data Peserta")
    lists = book.add_worksheet("Daftar Pilihan")
    guide = book.add_worksheet("Petunjuk")

    categories = [str(label) for _v, label in TargetCategory.choices]
    for col, values in enumerate([categories, SEGMENT_CHOICES, PROGRAMME_CHOICES, ["L", "P"]]):
        lists.write_column(0, col, values)
    lists.hide()
    ranges = {
        "category": f"='Daftar Pilihan'!$A$1:$A${len(categories)}",
        "segment": f"='Daftar Pilihan'!$B$1:$B${len(SEGMENT_CHOICES)}",
        "programmes": f"='Daftar Pilihan'!$C$1:$C${len(PROGRAMME_CHOICES)}",
        "gender": "='Daftar Pilihan'!$D$1:$D$2",
    }
    for c, column in enumerate(COLUMNS):
        data.write_string(0, c, column.header + (" *" if column.required else ""), req if column.required else head)
        fmt = {"birth_date": date, "start_date": date, "wage": money}.get(column.key, text)
        data.set_column(c, c, 22 if column.key in ("full_name", "category", "programmes") else 16, fmt)
        if column.key in ranges:
            data.data_validation(1, c, DATA_ROWS, c, {
                "validate": "list", "source": ranges[column.key], "error_title": "Pilihan tidak sah",
                "error_message": "Pilih dari daftar.",
            })  # fmt: skip
        if column.key == "nik":
            data.data_validation(1, c, DATA_ROWS, c, {
                "validate": "length", "criteria": "==", "value": 16, "error_title": "NIK",
                "error_message": "NIK harus 16 digit.",
            })  # fmt: skip
        data.write_comment(0, c, column.help or column.header)
    data.freeze_panes(1, 0)

    rows = [
        ("Petunjuk pengisian", ""),
        ("1.", "Isi satu baris untuk setiap tenaga kerja di sheet “Data Peserta”, mulai baris 2."),
        ("2.", "Kolom bertanda * wajib. Tanggal lahir dan jenis kelamin boleh kosong: diambil dari NIK."),
        ("3.", "NIK harus 16 digit dan kolomnya berformat Teks; NIK yang berubah menjadi 6,47E+15 akan ditolak."),
        ("4.", "Kode desa domisili memakai kode Kemendagri 2025, mis. 64.71.05.1002 (lihat menu Wilayah)."),
        ("5.", "Program: JKK dan JKM wajib. BPU tanpa JP dan JKP. Jasa konstruksi hanya JKK+JKM. JKP perlu JHT."),
        ("6.", "Upah/penghasilan dalam Rupiah per bulan, tanpa sen."),
        ("7.", "Mengunggah ulang berkas yang sama tidak membuat data ganda; baris yang diperbaiki memperbarui data."),
        ("", ""),
        ("Contoh baris", ""),
        *[(c.header, EXAMPLE[c.key]) for c in COLUMNS],
        ("", ""),
        ("Program", ""),
        *[(k.upper(), v) for k, v in PROGRAMME_NAMES.items()],
        ("", ""),
        ("Kategori", ""),
        *[(str(label), value) for value, label in TargetCategory.choices],
    ]
    bold = book.add_format({"bold": True})
    for r, (a, b) in enumerate(rows):
        guide.write(r, 0, a, bold)
        guide.write(r, 1, b)
    guide.set_column(0, 0, 26)
    guide.set_column(1, 1, 110)
    book.close()
    return buf.getvalue()


def template_csv() -> bytes:
    """UTF-8 with BOM and `;` so that Excel in an Indonesian locale opens it in columns."""
    header = ";".join(c.header for c in COLUMNS)
    return ("\ufeff" + header + "\r\n").encode("utf-8")


# --- validation: column-wise, every rule a Polars expression ------------------------------------------------------
# Moved verbatim from imports/validate.py (the engine keeps only the generic parsers, `imports.parsers`); the helpers
# keep their old private names so the bodies stay the same.

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
    "wage earner": "pu",
    "wage earners": "pu",
    "non-wage earner": "bpu",
    "non-wage earners": "bpu",
    "non wage earner": "bpu",
    "construction": "jakon",
    "construction services": "jakon",
}


def _labels(choices) -> dict[str, set[str]]:
    """value → its labels in Indonesian and English: a file is read the same whatever the uploader's UI language."""
    labels: dict[str, set[str]] = {}
    for language in ("id", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                labels.setdefault(value, set()).add(str(label).lower())
    return labels


def _segment_words() -> dict[str, str]:
    from sijaga.enrollment.models import Segment

    words = dict(SEGMENT_WORDS)
    for value, labels in _labels(Segment).items():
        for label in labels:
            words[label] = value
            words[label.split(" — ")[-1]] = value  # "PU — penerima upah" / "PU — wage earners"
    return words


def _gender_words() -> dict[str, str]:
    from sijaga.registry.models import Gender

    words = dict(GENDER_WORDS)
    for value, labels in _labels(Gender).items():
        words.update(dict.fromkeys(labels, value))
    return words


def _category_words() -> dict[str, str]:
    """Category codes, Indonesian and English labels and common variants → code (either language, any UI)."""
    words = {}
    for value, labels in _labels(TargetCategory).items():
        for w in (value, value.replace("_", " "), *labels):
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


def _programme_table() -> pl.DataFrame:
    """`programme_errors` for every segment (and an unknown one) × every set of the five programmes: 4 × 32 rows,
    joined onto the file, so the import and the form refuse the same choices with the same words. An unknown
    segment is reported on the segment column, so only the programme messages are kept for it."""
    unknown_segment = programme_errors(None, PROGRAMMES)[0]
    rows = []
    for segment in (*SEGMENT_RULES, None):
        for mask in range(2 ** len(PROGRAMMES)):
            chosen = [p for i, p in enumerate(PROGRAMMES) if mask >> i & 1]
            errors = [e for e in programme_errors(segment, chosen) if e != unknown_segment]
            rows.append((segment, *[p in chosen for p in PROGRAMMES], errors))
    schema = {"segment_norm": pl.String, **dict.fromkeys(PROGRAMMES, pl.Boolean)}
    schema["programme_errors"] = pl.List(pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row")


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
            .replace_strict(_gender_words(), default=None, return_dtype=pl.String),
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
            .replace_strict(_segment_words(), default=None, return_dtype=pl.String),
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

    # the programme rules are `enrollment.rules.programme_errors` itself, tabulated for every segment × set
    f = f.join(_programme_table().lazy(), on=["segment_norm", *PROGRAMMES], how="left", nulls_equal=True,
               maintain_order="left")  # fmt: skip

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
    assert all(key in COLUMNS.by_key for key, _c, _r in rules)
    # one small frame per rule with just the rows it rejects: nothing is built for the rows that pass
    flagged = f.lazy()
    rejections = (
        pl.concat(
            [
                flagged.filter(cond.fill_null(False)).select(
                    pl.col(ROW),
                    pl.lit(i, dtype=pl.Int32).alias("rule"),
                    pl.lit(key).alias("key"),
                    pl.lit(COLUMNS.by_key[key].header).alias("column"),
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
            pl.col("segment").is_not_null() & pl.col("segment_norm").is_null(),
            pl.format(_("Segmen “{}” tidak dikenal; isi PU, BPU atau JAKON."), pl.col("segment")),
        ),
        ("programmes", pl.col("programmes").is_null(), pl.lit(_("Program wajib diisi, minimal JKK+JKM."))),
        (
            "programmes",
            pl.col("programme_unknown").list.len() > 0,
            pl.format(_("Program tidak dikenal: {}."), pl.col("programme_unknown").list.join(", ").str.to_uppercase()),
        ),
        *[
            (
                "programmes",
                pl.col("programmes").is_not_null() & (pl.col("programme_errors").list.len() > i),
                pl.col("programme_errors").list.get(i, null_on_oob=True),
            )
            for i in range(_programme_table().get_column("programme_errors").list.len().max())
        ],
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


# --- likely duplicates: the same person under another NIK ------------------------------------------------------

DUPLICATE_NOTES = 50


def likely_duplicates(valid: pl.DataFrame, people: pl.DataFrame, known: pl.Series | None = None) -> pl.DataFrame:
    """Rows that look like a person already in the file or registered under a *different* NIK: the same birth date
    and a similar name (`registry.names` keys: one name's words all among the other's, in any order and spelling).

    `valid` has ROW, nik, full_name, birth_date; `people` (registered workers the actor may see, born on the dates
    of the rows whose NIK is not registered yet: a known NIK creates no second record) has nik, full_name,
    birth_date, search_key; `known`: the file's NIKs already registered (not compared with the registry). Returns
    ROW, other_row (null for a registered worker), other_nik, other_name. Polars joins on the birth date and the
    name's words (`_word_sets`), never a loop over rows."""
    mine = _word_sets(valid.select(ROW, "nik", "full_name", "birth_date", _search_keys(valid).alias("search_key")))
    # in the file: every row whose words are among another row's, each pair once, the lower row first
    pairs = _contained(mine, mine).filter(pl.col("_i") != pl.col("_j"))
    other = mine.select(pl.col("_i").alias("_j"), pl.col(ROW).alias(f"{ROW}_j"), pl.col("nik").alias("nik_j"),
                        pl.col("full_name").alias("full_name_j"))  # fmt: skip
    pairs = pairs.join(mine.select("_i", ROW, "nik", "full_name"), on="_i").join(other, on="_j")
    first = pl.col(ROW) < pl.col(f"{ROW}_j")
    in_file = pairs.select(
        pl.when(first).then(pl.col(ROW)).otherwise(pl.col(f"{ROW}_j")).alias(ROW),
        pl.when(first).then(pl.col(f"{ROW}_j")).otherwise(pl.col(ROW)).alias("other_row"),
        pl.when(first).then(pl.col("nik_j")).otherwise(pl.col("nik")).alias("other_nik"),
        pl.when(first).then(pl.col("full_name_j")).otherwise(pl.col("full_name")).alias("other_name"),
        pl.when(first).then(pl.col("nik")).otherwise(pl.col("nik_j")).alias("nik"),
    ).unique([ROW, "other_row"])
    # against the registry: only the rows whose NIK is new
    new = mine if known is None else mine.filter(~pl.col("nik").is_in(known.implode()))
    theirs = _word_sets(people.select("nik", "full_name", pl.col("birth_date").cast(pl.Date), "search_key"))
    both_ways = pl.concat([
        _contained(new, theirs), _contained(theirs, new).select(pl.col("_j").alias("_i"), pl.col("_i").alias("_j"))
    ])  # fmt: skip
    registered = (
        both_ways.unique()
        .join(new.select("_i", ROW, "nik"), on="_i")
        .join(
            theirs.select(
                pl.col("_i").alias("_j"), pl.col("nik").alias("other_nik"), pl.col("full_name").alias("other_name")
            ),
            on="_j",
        )
        .select(ROW, pl.lit(None, dtype=valid.schema[ROW]).alias("other_row"), "other_nik", "other_name", "nik")
    )
    return (
        pl.concat([in_file.with_columns(pl.col("other_row").cast(valid.schema[ROW])), registered])
        .filter(pl.col("nik") != pl.col("other_nik"))
        .select(ROW, "other_row", "other_nik", "other_name")
        .sort(ROW, "other_row", nulls_last=True)
    )


def _search_keys(valid: pl.DataFrame) -> pl.Series:
    """The rows' name search keys (`registry.names.name_key`): the `search_key` column when validation added it."""
    if "search_key" in valid.columns:
        return valid.get_column("search_key")
    return name_key_column(valid.get_column("full_name")).rename("search_key")


def _word_sets(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (with a `search_key`) numbered in `_i`, with each name's distinct words sorted (`set`), their
    number (`size`) and the set joined by spaces (`key`); names without a word are left out."""
    words = pl.col("search_key").str.split(" ").list.eval(pl.element().filter(pl.element() != "").unique().sort())
    sets = frame.select(pl.int_range(pl.len()).alias("_i"), pl.exclude("search_key"), words.alias("set"))
    sets = sets.with_columns(pl.col("set").list.len().alias("size"))
    return sets.filter(pl.col("size") > 0).with_columns(pl.col("set").list.join(" ").alias("key"))


def _contained(small: pl.DataFrame, large: pl.DataFrame) -> pl.DataFrame:
    """(_i, _j): the rows of `small` (`_i`) whose word set is a subset of the word set of a row of `large` (its
    `_i`, named `_j` here) born the same day (both from `_word_sets`).

    Every non-empty subset of a name's words gives a subset key (a name has at most `MAX_NAME_WORDS` words,
    usually two or three: three to seven keys), so containment is one equality join on (birth date, key) and no
    candidate is built that is not a result. Joining on every shared word and counting them paired every "Siti"
    with every "Siti" born that day: 15 s and 800 MB for a 1M-row file (bench/README.md)."""
    on = ["birth_date", "key"]
    return small.select("_i", *on).join(_subset_keys(large), on=on).select("_i", "_j")


def _subset_keys(large: pl.DataFrame) -> pl.DataFrame:
    """(_j, birth_date, key) for every non-empty subset of each row's word set, its words in sorted order."""
    large = large.rename({"_i": "_j"})
    parts = []
    for size in range(1, MAX_NAME_WORDS + 1):
        rows = large.filter(pl.col("size") == size)
        if rows.height == 0:
            continue
        subsets = [
            pl.concat_str([pl.col("set").list.get(i) for i in range(size) if mask >> i & 1], separator=" ")
            .alias(f"s{mask}")
            for mask in range(1, 2**size)
        ]  # fmt: skip
        parts.append(
            rows.select("_j", "birth_date", *subsets).unpivot(index=["_j", "birth_date"], value_name="key")
            .drop("variable")
        )  # fmt: skip
    schema = {"_j": pl.Int64, "birth_date": pl.Date, "key": pl.String}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def duplicate_notes(pairs: pl.DataFrame) -> tuple[str, ...]:
    """One warning per likely duplicate (NIKs masked: the batch page is read by more roles than the uploader)."""
    from sijaga.registry.rules import mask_nik

    notes = []
    for row, other_row, other_nik, other_name in pairs.head(DUPLICATE_NOTES).iter_rows():
        if other_row is not None:
            notes.append(_("Baris %(row)s: tanggal lahir sama dan nama mirip dengan baris %(other)s (%(name)s), "
                           "NIK berbeda — mungkin orang yang sama.") % {"row": row, "other": other_row,
                                                                        "name": other_name})  # fmt: skip
        else:
            notes.append(_("Baris %(row)s: tanggal lahir sama dan nama mirip dengan %(name)s (NIK %(nik)s) yang "
                           "sudah terdaftar — mungkin orang yang sama dengan NIK lain.") % {"row": row,
                           "name": other_name, "nik": mask_nik(other_nik)})  # fmt: skip
    if pairs.height > DUPLICATE_NOTES:
        notes.append(_("… dan %(n)s kemungkinan data ganda lainnya.") % {"n": pairs.height - DUPLICATE_NOTES})
    return tuple(notes)


# --- the kind ----------------------------------------------------------------------------------------------------

STAGE = "sijaga_import_stage"
#: work_mem of the merge transaction on PostgreSQL (SET LOCAL): hash joins of 1M staged rows stay in memory.
MERGE_WORK_MEM = "256MB"
STAGE_COLUMNS = (
    "row_no", "nik", "full_name", "search_key", "birth_date", "gender", "domicile_id", "phone", "occupation",
    "category", "segment", *PROGRAMMES, "wage", "start_date", "verify_token",
)  # fmt: skip
DOUBLE_FUNDING_OPTION = "confirm_double_funding"


def _has_control(column: str) -> pl.Expr:
    return pl.col(column).str.contains_any(list(CONTROL_CHARS)).fill_null(False)


def _control_rules() -> list[tuple[str, pl.Expr, pl.Expr]]:
    """One rule per column: the cell holds a control character (NUL, e.g. Excel's `_x0000_`), quoted as U+0000.
    The NIK column is left out: the NIK engine already refuses any control character."""
    marker = "\u2063"  # invisible separator: never part of a message
    names = {c: f"U+{ord(c):04X}" for c in CONTROL_CHARS}
    rules = []
    for column in (c for c in COLUMNS if c.key != "nik"):
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


@cache
def villages() -> pl.Series:
    from sijaga.regions.models import Region

    return pl.Series("code", list(Region.objects.filter(level=4).values_list("code", flat=True)), dtype=pl.String)


def _target(payer, *, detail: bool = False) -> Target:
    label = f"{payer.name} ({payer.code}{', ' + payer.region.name if detail else ''})"
    return Target(pk=payer.pk, code=payer.code, label=label, region_code=payer.region_id, payer_id=payer.pk)


class PayerTargets:
    """What a payer-bound import kind uploads for: the payers the actor may use (searchable), and who may upload.
    Shared by every kind whose file belongs to one payer (enrolment here, payments in contributions)."""

    target_label = gettext_lazy("Pembayar iuran")

    # --- who may import what ---------------------------------------------------------------------------------

    def targets(self, actor, query: str = "", limit: int = 20) -> tuple[list[Target], str]:
        from sijaga.enrollment.selectors import search_payers

        payers, hint = search_payers(actor, query, limit=limit)
        return [_target(p, detail=True) for p in payers], hint

    def target(self, actor, *, pk: int | None = None, code: str | None = None) -> Target | None:
        from sijaga.enrollment.selectors import usable_payers

        payers = usable_payers(actor)
        if pk is not None:
            payers = payers.filter(pk=pk)
        elif code is not None:
            payers = payers.filter(code=code)
        else:
            return None
        payer = payers.first()
        return _target(payer) if payer is not None else None

    def authorise(self, actor, ctx: Context) -> None:
        if not actor.can_write:
            raise PermissionDenied(_("Peran Anda tidak dapat mengimpor data."))
        if not actor.covers(ctx.target.region_code):
            raise PermissionDenied(_("Pembayar iuran berada di luar wilayah tugas Anda."))

    def before_merge(self, ctx: Context) -> None:
        """Outside the merge's transaction: this month has its history partitions, so the merge's events (creation,
        terms, worker changes; the payment file's status refresh) land in them and not in DEFAULT. Creating one
        takes locks the merge must not hold until its commit (`core.partitions.ensure_current`)."""
        from sijaga.enrollment.partitions import ensure_this_month

        ensure_this_month(timezone.now().date())


#: A file that creates or changes at least this many rows refreshes the planner's statistics before its commit.
ANALYZE_AFTER = 50_000


class EnrolmentKind(PayerTargets):
    """Bulk enrolment of workers with one payer."""

    slug = "kepesertaan"
    label = gettext_lazy("Kepesertaan")
    columns = COLUMNS
    options = {DOUBLE_FUNDING_OPTION: gettext_lazy("Saya konfirmasi pembiayaan ganda")}

    def blank_workbook(self, fmt: str) -> bytes:
        return template_csv() if fmt == "csv" else template_xlsx()

    # --- validation ----------------------------------------------------------------------------------------------

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        existing = registry_bulk.existing_niks(frame.get_column("nik"), ctx.actor) if "nik" in frame.columns else None
        checked = validate(frame, villages=villages(), today=ctx.today, existing=existing)
        # the name search key, once: the duplicate check compares it and the merge stores it
        keyed = checked.valid.with_columns(_search_keys(checked.valid))
        checked = dataclasses.replace(checked, valid=keyed)
        # only rows whose NIK is new can create a second record of a registered person: a re-upload of 1M known
        # workers asks the registry nothing here (it fetched every worker born on the file's dates before)
        known = existing.get_column("nik") if existing is not None else None
        new_rows = checked.valid if known is None else checked.valid.filter(~pl.col("nik").is_in(known.implode()))
        people = registry_bulk.workers_born_on(new_rows.get_column("birth_date"), ctx.actor)
        notes = duplicate_notes(likely_duplicates(checked.valid, people, known))
        return dataclasses.replace(checked, notes=notes) if notes else checked

    # --- merge ---------------------------------------------------------------------------------------------------

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        """Stage the valid rows, then match, refuse, write and record, set-based; inside the engine's transaction."""
        from sijaga.enrollment.models import Payer

        d = Dialect(connection.vendor)
        payer = Payer.objects.get(pk=ctx.target.payer_id)
        actor, now = ctx.actor, timezone.now()
        reason = _("Impor massal %(f)s") % {"f": ctx.file_name}
        frame = valid.with_columns(
            bulk.new_tokens(valid.height),
            _search_keys(valid),
        ).select(pl.col(ROW).alias("row_no"), *[c for c in STAGE_COLUMNS if c != "row_no"])
        # Staged in NIK order, so PostgreSQL draws the new workers' ids (during the COPY) in NIK order and both B-trees
        # are filled left to right (the rightmost-leaf fast path), and the memberships follow their workers: a 1M-row
        # worker INSERT took 12.5–13.0 s sorted against 14.9–18.9 s in file order (bench/README.md, 2026-12-03).
        # Row numbers travel with the rows (`row_no`), so the report still names the file's lines.
        frame = frame.sort("nik")
        staging = _("menyalin ke tabel sementara")
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cur.execute(d.temp_table(STAGE, [f"row_no {d.type('int')}", *registry_bulk.stage_columns(d),
                                             *bulk.stage_columns(d)]))  # fmt: skip
            ctx.step(staging, 50)
            fill_stage(cur, d, STAGE, frame, STAGE_COLUMNS,
                       progress=lambda done, total: ctx.step(staging, 50 + 15 * done // max(total, 1)))  # fmt: skip
            if d.pg:
                cur.execute(f"ANALYZE {STAGE}")  # a temp table has no statistics: without them joins go nested-loop
                # the re-upload's two 1M-row hash joins (stage × workers, stage × memberships) spill to disk with the
                # default 4 MB; for this transaction only (performance review §4.3, item 4)
                cur.execute(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")
            fault("after_stage")
            ctx.step(_("menyimpan tenaga kerja"), 66)
            registry_bulk.match_workers(cur, d, STAGE, actor)
            bulk.match_memberships(cur, d, STAGE, payer_id=payer.pk)
            funded = bulk.check_double_funding(cur, d, STAGE, payer_id=payer.pk, payer_kind=payer.kind,
                                               confirmed=ctx.option(DOUBLE_FUNDING_OPTION))  # fmt: skip
            # PostgreSQL, when safe: every foreign key checked once, set-based, then written without the per-row RI
            # triggers (sijaga.core.fkcheck; on an exception the rollback resets the role)
            set_based_fk = d.pg and fkcheck.skip_triggers_allowed(cur, bulk.MERGED_TABLES, bulk.CHECKED_FKS)
            if set_based_fk:
                bulk.check_references(cur, STAGE, payer_id=payer.pk, user_id=actor.user_id)
                fkcheck.triggers_off(cur)
            # coverage: the village each worker whose domicile or category this file changes lived in before
            cur.execute(
                f"SELECT s.worker_id, w.domicile_id FROM {STAGE} s JOIN registry_worker w ON w.id = s.worker_id "
                "WHERE s.worker_state = 'changed' AND s.rejected IS NULL "
                "AND (w.domicile_id <> s.domicile_id OR w.category <> s.category)"
            )
            regrouped = dict(cur.fetchall())
            registry_bulk.write_workers(cur, d, STAGE, actor=actor, now=now)
            fault("after_workers")
            ctx.step(_("menyimpan kepesertaan"), 76)
            bulk.write_memberships(cur, d, STAGE, payer_id=payer.pk, payer_region=payer.region_id, actor=actor,
                                   now=now, reason=reason,
                                   first_terms=terms.first_terms_params(payer, now))  # fmt: skip
            fault("after_memberships")
            ctx.step(_("mencatat riwayat perubahan"), 86)
            registry_bulk.write_worker_history(cur, d, STAGE, actor=actor, now=now, reason=reason)
            bulk.write_membership_history(cur, d, STAGE, actor=actor, now=now, reason=reason)
            if set_based_fk:
                fkcheck.triggers_on(cur)
            # the memberships whose terms this file changed (the new ones got their first terms above)
            changed = f"SELECT membership_id FROM {STAGE} WHERE membership_changed AND rejected IS NULL"
            terms.sync_payer(cur, payer.pk, effective=timezone.localdate(), now=now, memberships=changed)
            cur.execute(
                "SELECT COALESCE(SUM(CASE WHEN membership_id IS NULL THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN membership_id IS NOT NULL AND (worker_state = 'changed' "
                f"OR membership_changed) THEN 1 ELSE 0 END), 0), COUNT(*) FROM {STAGE} WHERE rejected IS NULL"
            )
            created, updated, total = cur.fetchone()
            if d.pg and created + updated >= ANALYZE_AFTER:
                # statistics for what the commit hooks (coverage, billing) read next: without them PostgreSQL plans
                # a table of 1M new members as the few rows it held before (ANALYZE samples ~30,000 rows, and sees
                # this transaction's own)
                cur.execute("ANALYZE registry_worker, enrollment_membership")
            # coverage: nothing when the file created and changed nothing (a re-upload)
            if created or updated:
                # coverage: the memberships of the file's workers at this payer (new or changed), and every membership
                # of the workers whose domicile or category it changed, with the village they left
                cur.execute(
                    f"SELECT COALESCE(worker_id, new_worker_id) FROM {STAGE} WHERE rejected IS NULL "
                    "AND (membership_id IS NULL OR membership_changed)"
                )
                send_memberships_changed(EnrolmentKind, [payer.pk], worker_ids=[r[0] for r in cur.fetchall()])
                if regrouped:
                    workers_changed.send(
                        sender=EnrolmentKind,
                        worker_ids=sorted(regrouped),
                        previous_domiciles={w: v for w, v in regrouped.items() if v is not None},
                    )
            cur.execute(f"SELECT row_no, nik, rejected, funded_by FROM {STAGE} WHERE rejected IS NOT NULL "
                        "ORDER BY row_no")  # fmt: skip
            refused = cur.fetchall()
            if not d.pg:
                cur.execute(f"DROP TABLE {STAGE}")
        notes = []
        if funded and ctx.option(DOUBLE_FUNDING_OPTION):
            notes.append(
                _("%(n)s baris dibiayai ganda dengan pembayar pemerintah lain (dikonfirmasi).") % {"n": funded}
            )
        return MergeResult(
            created=int(created), updated=int(updated), unchanged=int(total - created - updated),
            rejections=_merge_rejections(refused), notes=tuple(notes),
        )  # fmt: skip

    # --- showing rejections --------------------------------------------------------------------------------------

    def mask_preview(self, actor, rows: list[dict]) -> list[dict]:
        """The rejection preview through the worker masking policy: an auditor sees a masked NIK, no birth date and
        no phone, and no birth date spelled out in a reason either (digits 7-12 of a NIK are the birth date)."""
        from sijaga.registry.presenters import WORKER_POLICY

        if WORKER_POLICY.rule(actor, "nik") == SHOW:
            return rows
        shown = []
        for row in rows:
            key, value = row.get("key"), row.get("value")
            if key in WORKER_POLICY.rules and value is not None:
                value = WORKER_POLICY.present(actor, key, value)
            reason = _DIGITS.sub(lambda m: "*" * len(m.group()), _DATE.sub("**/**/****", row.get("reason") or ""))
            shown.append({**row, "value": value, "reason": reason})
        return shown


_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
_DIGITS = re.compile(r"\d{6,}")


def _merge_rejections(refused: list[tuple]) -> pl.DataFrame:
    from sijaga.imports.kinds import empty_rejections

    if not refused:
        return empty_rejections()
    elsewhere = _("NIK sudah terdaftar di wilayah lain; hubungi koordinator untuk pemindahan.")
    funded = _("Sudah dibiayai oleh %(p)s; centang “Saya konfirmasi pembiayaan ganda” bila memang dibiayai ganda.")
    return pl.DataFrame(
        {
            ROW: [r[0] for r in refused],
            "key": ["nik"] * len(refused),
            "column": [COLUMNS.by_key["nik"].header] * len(refused),
            "value": [r[1] for r in refused],
            "reason": [funded % {"p": r[3]} if r[2] == bulk.DOUBLE_FUNDING else elsewhere for r in refused],
        },
        schema={ROW: pl.Int64, "key": pl.String, "column": pl.String, "value": pl.String, "reason": pl.String},
    )
