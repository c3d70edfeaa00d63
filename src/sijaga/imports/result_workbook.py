"""The XLSX result of an import (any kind): rejected rows ready to fix and re-upload, the reasons, and a summary.

Written 0600 (it repeats identifiers as uploaded: security review F23)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import xlsxwriter

from sijaga.imports.columns import ColumnSet
from sijaga.imports.kinds import ROW

EXCEL_MAX_ROWS = 1_048_575


def write_report(
    path: Path,
    *,
    columns: ColumnSet,
    rejections: pl.DataFrame,
    raw: pl.DataFrame,
    summary: list[tuple[str, object]],
) -> None:
    """Three sheets: `Perbaiki` (rejected rows in template layout + reasons: fix and re-upload this sheet),
    `Rincian` (one line per problem: row, column, value, reason) and `Ringkasan` (counts and notes)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#E8F4EF", "border": 1})
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": False, "font_color": "#B00020"})

    reasons = (
        rejections.group_by(ROW, maintain_order=True)
        .agg((pl.col("column") + ": " + pl.col("reason")).str.join("; ").alias("reasons"))
        .sort(ROW)
    )
    fix = reasons.join(raw.select(ROW, *[c.key for c in columns if c.key in raw.columns]), on=ROW, how="left")
    sheet = book.add_worksheet("Perbaiki")
    headers = [c.header for c in columns] + ["Baris asal", "Alasan penolakan"]
    sheet.write_row(0, 0, headers, bold)
    keys = [c.key for c in columns]
    for r, row in enumerate(fix.head(EXCEL_MAX_ROWS).iter_rows(named=True), start=1):
        for c, key in enumerate(keys):
            value = row.get(key)
            if value is not None:
                sheet.write_string(r, c, str(value), text)
        sheet.write_number(r, len(keys), row[ROW])
        sheet.write_string(r, len(keys) + 1, row["reasons"], wrap)
    sheet.set_column(0, 0, 19, text)
    sheet.set_column(1, len(keys) - 1, 16, text)
    sheet.set_column(len(keys) + 1, len(keys) + 1, 80)
    sheet.freeze_panes(1, 0)

    detail = book.add_worksheet("Rincian")
    detail.write_row(0, 0, ["Baris", "Kolom", "Isi", "Alasan"], bold)
    for r, (row_no, column, value, reason) in enumerate(
        rejections.select(ROW, "column", "value", "reason").head(EXCEL_MAX_ROWS).iter_rows(), start=1
    ):
        detail.write_number(r, 0, row_no)
        detail.write_string(r, 1, column)
        if value is not None:
            detail.write_string(r, 2, str(value))
        detail.write_string(r, 3, reason)
    detail.set_column(0, 0, 8)
    detail.set_column(1, 2, 20)
    detail.set_column(3, 3, 90)
    detail.freeze_panes(1, 0)

    summary_sheet = book.add_worksheet("Ringkasan")
    for r, (label, value) in enumerate(summary):
        summary_sheet.write_string(r, 0, label, bold)
        if isinstance(value, int | float):
            summary_sheet.write_number(r, 1, value)
        else:
            summary_sheet.write_string(r, 1, str(value))
    summary_sheet.set_column(0, 0, 34)
    summary_sheet.set_column(1, 1, 100)
    book.close()
    os.chmod(path, 0o600)
