"""Builders of messy enrolment files for the reader and validator tests; every file is written under `tmp_path`.

Rows are plain lists (the header row included), so a test decides exactly what lands in which line or cell:
title rows, empty rows, columns in any order. In XLSX files a cell value's Python type picks the Excel cell
type: `str` → text, `int`/`float` → number, `date`/`datetime` → date cell, `Formula` → formula with a cached
value, `Merged` → a title merged across several columns, `None` → no cell at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import string
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from sijaga.conftest import make_nik
from sijaga.imports.columns import COLUMNS

TODAY = dt.date(2026, 1, 15)
DISTRICT = "64.71.05"  # Kec. Balikpapan Tengah, Kota Balikpapan
VILLAGE = "64.71.05.1002"
BIRTH = dt.date(1995, 12, 4)
NIK = make_nik(DISTRICT, BIRTH, "P", 1)  # 6471054412950001, the template's example


def __getattr__(name: str):
    """`HEADERS` and `KEYS` are read when used, not at import: the sandbox's child imports this module without
    Django, where the enrolment kind (and so its columns) is not registered."""
    if name == "HEADERS":
        return [str(c.header) for c in COLUMNS]
    if name == "KEYS":
        return [c.key for c in COLUMNS]
    raise AttributeError(name)


def values(serial: int = 1, **over: object) -> dict[str, object]:
    """One valid worker keyed by column key (the serial makes the NIK unique); `over` replaces fields."""
    birth = BIRTH + dt.timedelta(days=serial - 1)
    row: dict[str, object] = {
        "nik": make_nik(DISTRICT, birth, "P", serial),
        "full_name": f"Siti Aminah {serial}",
        "birth_date": birth.strftime("%d/%m/%Y"),
        "gender": "P",
        "domicile": VILLAGE,
        "phone": "081234567890",
        "category": "Pegawai non-ASN",
        "occupation": "Staf administrasi",
        "segment": "PU",
        "programmes": "JKK+JKM+JHT",
        "wage": "3500000",
        "start_date": "01/01/2026",
    }
    row.update(over)
    return row


def line(serial: int = 1, keys: list[str] | None = None, **over: object) -> list[object]:
    """`values()` as a list in the order of `keys` (default: the template's column order)."""
    row = values(serial, **over)
    return [row[k] for k in keys or __getattr__("KEYS")]


def table(n: int = 3, *, headers: list[str] | None = None) -> list[list[object]]:
    """A header row and `n` valid rows in template order."""
    return [headers or __getattr__("HEADERS"), *[line(i) for i in range(1, n + 1)]]


# --- CSV ----------------------------------------------------------------------------------------------------------


def write_csv(
    path: Path,
    rows: list[list[object]],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\r\n",
) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=newline)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = buf.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_identical_rows(path: Path, n: int) -> Path:
    """A header and the same valid row `n` times (the million-row duplicate test)."""
    once = ",".join(str(v) for v in line(1)) + "\n"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(__getattr__("HEADERS")) + "\n")
        chunk = once * 100_000
        for _ in range(n // 100_000):
            fh.write(chunk)
        fh.write(once * (n % 100_000))
    return path


# --- XLSX ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    formula: str
    value: object


@dataclass(frozen=True)
class Merged:
    text: str
    width: int


def write_xlsx(
    path: Path,
    rows: list[list[object]],
    *,
    sheet: str = "Data Peserta",
    start_row: int = 0,
    start_col: int = 0,
    hidden_rows: tuple[int, ...] = (),
    extra_sheets: tuple[str, ...] = (),
) -> Path:
    """`rows` from Excel row `start_row + 1`; `hidden_rows` are Excel row numbers (1-based) to hide."""
    book = xlsxwriter.Workbook(str(path))
    for name in extra_sheets:
        book.add_worksheet(name).write_string(0, 0, "Petunjuk pengisian")
    ws = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    title_format = book.add_format({"bold": True, "align": "center"})
    for r, row in enumerate(rows, start=start_row):
        for c, value in enumerate(row, start=start_col):
            if value is None:
                continue
            if isinstance(value, Merged):
                ws.merge_range(r, c, r, c + value.width - 1, value.text, title_format)
            elif isinstance(value, Formula):
                ws.write_formula(r, c, value.formula, None, value.value)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, value, date_format)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    for excel_row in hidden_rows:
        ws.set_row(excel_row - 1, None, None, {"hidden": True})
    book.close()
    return path


def xlsx_bytes(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "utuh.xlsx", table(2)).read_bytes()


# --- bad files ----------------------------------------------------------------------------------------------------


def random_binary(path: Path, size: int = 200_000) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def html_page(path: Path) -> Path:
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>Daftar Peserta</title></head><body>\n"
        "<table><tr><td>NIK</td><td>Nama</td></tr><tr><td>6471054412950001</td><td>Siti</td></tr></table>\n"
        "</body></html>\n",
        encoding="utf-8",
    )
    return path


def excel_html_export(path: Path) -> Path:
    """What 'Save as Web Page' in old Excel versions writes, often with an .xls name."""
    path.write_text(
        '\r\n<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        "\r\n<head><meta name=ProgId content=Excel.Sheet></head><body><table><tr><td>NIK</td></tr></table></body>"
        "</html>\r\n",
        encoding="utf-8",
    )
    return path


def zip_not_workbook(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("peserta.txt", "NIK,Nama\n6471054412950001,Siti\n")
        zf.writestr("foto/ktp.jpg", os.urandom(1000))
    return path


def truncated_xlsx(path: Path, whole: bytes) -> Path:
    path.write_bytes(whole[: len(whole) // 2])
    return path


def workbook_with_broken_parts(path: Path) -> Path:
    """A ZIP that claims to be a workbook (it has xl/workbook.xml) but whose XML is garbage."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types>not really")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name=")
        zf.writestr("xl/worksheets/sheet1.xml", os.urandom(500))
    return path


def ole_garbage(path: Path) -> Path:
    """The OLE2 signature of a legacy .xls followed by random bytes."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(50_000))
    return path


_PRINTABLE = (string.ascii_letters + string.digits + string.punctuation + " \t").encode()
# 256 byte values → printable characters, three of them → newline (lines of ~85 characters on average)
_GARBAGE_TABLE = bytes(_PRINTABLE[i % len(_PRINTABLE)] if i >= 3 else 10 for i in range(256))


# --- hostile workbooks (F1): written as raw ZIP + XML, the way an attacker would ---------------------------------

_NS = "http://schemas.openxmlformats.org/"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Types xmlns="{_NS}package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_NS}package/2006/relationships"><Relationship Id="rId1" '
    f'Type="{_NS}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<workbook xmlns="{_NS}spreadsheetml/2006/main" xmlns:r="{_NS}officeDocument/2006/relationships">'
    '<sheets><sheet name="Data Peserta" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def _workbook_rels(shared_strings: bool) -> str:
    rel = f"{_NS}officeDocument/2006/relationships/"
    return (
        f'<Relationships xmlns="{_NS}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}worksheet" Target="worksheets/sheet1.xml"/>'
        + (f'<Relationship Id="rId2" Type="{rel}sharedStrings" Target="sharedStrings.xml"/>' if shared_strings else "")
        + "</Relationships>"
    )


def column_letters(n: int) -> str:
    """Excel's letters of the `n`-th column (1 = A, 50 = AX, 16384 = XFD)."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return (
        '<row r="1">'
        + "".join(_inline(f"{column_letters(i)}1", h) for i, h in enumerate(__getattr__("HEADERS"), 1))
        + "</row>"
    )


def raw_xlsx(path: Path, sheet_data: Iterable[str], *, dimension: str | None = None, strings: list[str] = ()) -> Path:
    """A minimal workbook of one sheet ("Data Peserta") whose `<sheetData>` is `sheet_data`, written in pieces
    (a generator keeps a 600 MB sheet out of memory); `strings` become the shared strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(bool(strings)))
        if strings:
            items = "".join(f"<si><t>{s}</t></si>" for s in strings)
            zf.writestr(
                "xl/sharedStrings.xml",
                f'<sst xmlns="{_NS}spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
                f"{items}</sst>",
            )
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            head = f'<worksheet xmlns="{_NS}spreadsheetml/2006/main">'
            head += f'<dimension ref="{dimension}"/>' if dimension else ""
            fh.write((head + "<sheetData>").encode())
            for piece in sheet_data:
                fh.write(piece.encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def far_cell_bomb(path: Path, *, row: int = 1_048_576, column: int = 16_384, dimension: bool = True) -> Path:
    """F1's "dimension bomb": the template's headers and one cell at `column`/`row` (default XFD1048576, the
    last cell of a sheet). 1.7 KB, yet calamine asks for a grid of rows × columns cells (550 GB at XFD1048576).
    `dimension=False` leaves out the `<dimension>` element, so only the cell's own reference tells."""
    ref = f"{column_letters(column)}{row}"
    cell = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
    return raw_xlsx(path, [_header_row(), cell], dimension=f"A1:{ref}" if dimension else None)


def shared_string_bomb(path: Path, rows: int = 2_000_000) -> Path:
    """F1's zip bomb: `rows` identical rows without `r=` attributes, every cell the same shared string. A few MB
    on disk, 550 MB of XML for 2,000,000 rows, and a grid calamine fills in full."""
    width = len(__getattr__("HEADERS"))
    header = "<row>" + "".join(f'<c t="s"><v>{i}</v></c>' for i in range(width)) + "</row>"
    row = "<row>" + f'<c t="s"><v>{width}</v></c>' * width + "</row>"

    def pieces() -> Iterator[str]:
        yield header
        block = row * 10_000
        for _ in range(rows // 10_000):
            yield block
        yield row * (rows % 10_000)

    return raw_xlsx(path, pieces(), strings=[*__getattr__("HEADERS"), "Siti Aminah"])


def garbage_text(path: Path, size: int) -> Path:
    """`size` bytes of random printable text lines, written in chunks (no big buffer in the test process)."""
    chunk = 8 * 1024 * 1024
    with path.open("wb") as fh:
        left = size
        while left > 0:
            n = min(chunk, left)
            fh.write(os.urandom(n).translate(_GARBAGE_TABLE))
            left -= n
    return path


# --- targets for the sandbox tests (run in the child process) -----------------------------------------------------


def sleep_in_sandbox(args: dict, out: Path) -> dict:
    import time

    time.sleep(args["seconds"])
    return {}


def spin_in_sandbox(args: dict, out: Path) -> dict:
    import time

    end = time.monotonic() + args["seconds"]
    while time.monotonic() < end:
        pass
    return {}


def echo_in_sandbox(args: dict, out: Path) -> dict:
    import resource

    if "refuse" in args:
        from sijaga.imports.columns import Column, ColumnSet, reading
        from sijaga.imports.reader import _no_header

        # the child has no Django apps: the reader is given its columns, as the real parse is
        with reading(ColumnSet((Column("nik", "NIK", True, (), ""),))):
            raise _no_header()
    return {**args, "limited": resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY}
