"""Writing XLSX exports safely and in constant memory.

User text is always written as text (never a formula or hyperlink: security review F7) and rows are streamed to a
temporary file (`constant_memory`), so a national export does not hold the workbook in RAM (F13).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_table(
    headers: Sequence[str], widths: Sequence[int], kinds: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str
) -> tuple[Any, int]:
    """Write one sheet; returns (an open temporary file positioned at 0, number of data rows)."""
    out = tempfile.TemporaryFile(prefix="sijaga-export-")  # noqa: SIM115 - handed to FileResponse, which closes it
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
              "strings_to_numbers": False, "tmpdir": tempfile.gettempdir()},
    )  # fmt: skip
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#E8F4EF"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    money = book.add_format({"num_format": "#,##0"})
    for i, (header, width) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(i, i, width)
        ws.write_string(0, i, str(header), bold)
    n = 0
    for n, values in enumerate(rows, start=1):
        for i, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            if value is None or value == "":
                continue
            if kind == "date" and isinstance(value, dt.date):
                ws.write_datetime(n, i, dt.datetime.combine(value, dt.time()), date)
            elif kind in ("money", "number") and isinstance(value, int):
                ws.write_number(n, i, value, money if kind == "money" else None)
            else:
                ws.write_string(n, i, str(value))
    ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
    ws.freeze_panes(1, 0)
    book.close()
    out.seek(0)
    return out, n
