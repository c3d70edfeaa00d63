"""Downloadable enrolment templates: XLSX with drop-down lists and instructions, and a CSV variant."""

from __future__ import annotations

import io

import xlsxwriter

from sijaga.enrollment.rules import PROGRAMME_NAMES
from sijaga.imports.columns import COLUMNS
from sijaga.registry.models import TargetCategory

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
