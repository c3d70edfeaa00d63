"""Reading enrolment files into an all-text Polars frame, whatever Excel or a Pemda's export did to them.

CSV (`,` `;` or tab; UTF-8 with or without BOM, Windows-1252, or UTF-16 with BOM as Excel's "Unicode Text") is
read by Polars, XLSX/XLS by fastexcel (calamine). Everything is kept as text; typing and checks happen column-wise
in `validate.py`. A file that cannot be a table of workers raises `FileRefused` with an Indonesian message.

Row numbers (`ROW`) are the numbers Excel shows (1-based), counting title rows, empty rows and the header, so a
rejection points at the row the user sees. The header row is looked for among the first `HEADER_SCAN_ROWS`
non-empty rows; for a CSV only a sample from the start of the file is decoded for that, so a large file that is
no table is refused before it is read.

Hostile files (F1). Reading is bounded, and a file can never take the worker process down:

* CSV is read in this process, because its reading is bounded by the upload cap: only the template's columns are
  parsed (a header line with 250,000 separators costs nothing), at most `MAX_ROWS` records, and other encodings
  are transcoded to UTF-8 in a temporary file chunk by chunk, not in memory.
* An XLSX is inspected before it is loaded, streaming every XML part of the ZIP with hard caps and without trusting
  its headers (`inspect_xlsx`): decompressed size per part and in total, compression ratio, the sheet's
  `<dimension>`, and the largest row and column a cell can reach. A sheet beyond `MAX_ROWS` rows or `MAX_COLUMNS`
  columns is refused with a clear message before calamine could allocate its grid.
* The parse of XLSX and XLS itself runs in a child process with memory, CPU and wall-time limits (`sandbox.py`):
  whatever slips past the inspection (an XLS, a grid that is huge but within the limits) can only kill the
  child, which is reported as "too big or damaged". The child writes the frame as Arrow IPC; the parent reads it.
* Only the template's columns are read from a sheet wider than `NARROW_FACTOR` × the kind's columns (fastexcel's
  `use_columns`), so a
  stray cell far to the right does not widen what is converted.
"""

from __future__ import annotations

import codecs
import csv
import functools
import html
import re
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import fastexcel
import polars as pl
from django.utils.translation import gettext as _

from sijaga.core.text import WHITESPACE
from sijaga.imports import sandbox
from sijaga.imports.columns import BY_KEY, COLUMNS, REQUIRED, Column, ColumnSet, match_headers, reading
from sijaga.imports.columns import active as active_columns

HEADER_SCAN_ROWS = 15
HEADER_PROBE_ROWS = 1000  # leading empty rows of a sheet that are looked through for the header
SAMPLE_BYTES = 256 * 1024  # start of a CSV decoded to find the separator and the header line
ROW = "__row"
NIK_NUMERIC = "__nik_numeric"
SKIP_SHEETS = {"petunjuk", "instructions", "daftar pilihan", "pilihan", "lists", "referensi"}
CSV_SEPARATORS = (",", ";", "\t", "|")

# --- limits (F1) ---
MAX_ROWS = 1_048_576  # Excel's own limit: a sheet or CSV with more rows is refused
MAX_COLUMNS = 50  # the template has 12; a sheet with a value beyond column AX is refused
NARROW_FACTOR = 2  # up to twice the kind's columns a sheet is read whole; wider, only the template's columns
MAX_SHEET_XML_BYTES = 2 * 1024**3  # one worksheet's XML, decompressed (1,000,000 template rows: 0.4–0.8 GB)
MAX_SHARED_STRINGS_BYTES = 1024**3
MAX_PART_BYTES = 64 * 1024**2  # any other XML part: workbook, styles, relationships, …
MAX_XML_BYTES = 3 * 1024**3  # all XML parts together
MAX_RATIO = 100  # decompressed / compressed size of a part; real sheets compress 10–20×, zip bombs 200–1000×
RATIO_FROM_BYTES = 16 * 1024**2  # … checked once a part has inflated beyond this
MAX_MEMBERS = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024**2  # ZIP central directory (a workbook's is a few KB)
SCAN_CHUNK = 1024**2
MAX_TAG_BYTES = 16 * 1024**2  # a run without any tag this long is no spreadsheet XML

_GRID_INDEX = "__grid_index"
_BOM = b"\xef\xbb\xbf"
_STRIP = WHITESPACE + "\x1a"  # the NIK engine's whitespace, and the end-of-file mark old DOS exports leave behind
# control bytes other than tab, LF, VT (a line break inside a cell), FF, CR and DOS's end-of-file mark: a text file
# has (almost) none
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# when the whole sheet is no use, the most telling reason wins (a data sheet's over an instruction sheet's)
_ERROR_RANK = {"missing_columns": 0, "no_rows": 1, "corrupt": 2, "too_many_rows": 2, "too_many_columns": 2}
_ERROR_RANK |= {"sheet_too_large": 2, "no_header": 3, "empty": 4}


class FileRefused(Exception):
    """The whole file is unusable; `message` says why, in the user's language."""

    def __init__(self, code: str, message: str):
        message = _UNPRINTABLE.sub("\ufffd", message)  # it is stored and shown: no NUL from a hostile file
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Table:
    frame: pl.DataFrame  # ROW (original row number), NIK_NUMERIC, and one Utf8 column per recognised key
    kind: str  # csv, xlsx, xls
    sheet: str | None = None
    header_row: int = 1
    notes: list[str] = field(default_factory=list)
    blank_rows: int = 0


def _empty() -> FileRefused:
    return FileRefused("empty", _("Berkas kosong."))


def _no_header() -> FileRefused:
    return FileRefused(
        "no_header",
        _("Baris judul kolom tidak ditemukan di %(n)s baris pertama. Gunakan templat SiJaga; kolom wajib: %(req)s.")
        % {"n": HEADER_SCAN_ROWS, "req": ", ".join(BY_KEY[k].header for k in REQUIRED)},
    )


def _too_large() -> FileRefused:
    return FileRefused(
        "too_large",
        _(
            "Berkas Excel ini terlalu besar untuk dibaca setelah isinya dibuka. Bagi datanya menjadi beberapa berkas, "
            "atau simpan sebagai CSV."
        ),
    )


def _unreadable() -> FileRefused:
    return FileRefused(
        "unreadable",
        _(
            "Berkas terlalu besar atau rusak untuk dibaca. Salin datanya ke templat SiJaga (hanya kolom yang "
            "diperlukan), lalu unggah ulang; atau simpan sebagai CSV UTF-8."
        ),
    )


def _save_as_utf8() -> FileRefused:
    return FileRefused(
        "encoding",
        _(
            "Berkas teks ini memakai pengodean UTF-16/UTF-32 tanpa penanda (BOM) sehingga tidak dapat dibaca. "
            "Di Excel, simpan ulang sebagai “CSV UTF-8 (Comma delimited)”."
        ),
    )


def sniff_kind(head: bytes) -> str:
    """`zip`, `xls`, `csv`, or the codec of a CSV with a UTF-16 BOM (`utf-16-le`, `utf-16-be`)."""
    if not head:
        raise _empty()
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise _save_as_utf8()  # UTF-32: no spreadsheet writes it for a table
    if head.startswith(b"\xff\xfe"):
        return "utf-16-le"
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be"
    text = head.lstrip(_BOM + b" \t\r\n").lower()
    if text.startswith(b"<") and re.search(rb"<(?:!doctype\s+html|html|head|body|table|\?xml)\b", text[:4096]):
        raise FileRefused(
            "html",
            _(
                "Berkas ini halaman web (HTML/XML) yang diberi nama Excel, bukan tabel. Buka di Excel lalu simpan "
                "ulang sebagai .xlsx, atau gunakan templat."
            ),
        )
    sample = head[:65536]
    if b"\x00" in sample:
        if _looks_like_utf16(sample):
            raise _save_as_utf8()
        raise FileRefused("binary", _("Berkas biner yang tidak dikenal; unggah .xlsx, .xls atau .csv."))
    if len(sample) - len(sample.translate(None, _CONTROL)) > max(8, len(sample) // 100):
        raise FileRefused("binary", _("Berkas biner yang tidak dikenal; unggah .xlsx, .xls atau .csv."))
    return "csv"


def _looks_like_utf16(sample: bytes) -> bool:
    """Text in UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte, and (almost) none between."""
    even, odd = sample[0::2], sample[1::2]
    high, low = sorted((even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)))
    return low >= 0.3 and high <= 0.02


def read_table(path: Path, file_name: str = "", *, sheet: str | None = None) -> Table:
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    kind = sniff_kind(head)
    if kind == "zip":
        return _read_excel_sandboxed(path, "xlsx", sheet)
    if kind == "xls":
        return _read_excel_sandboxed(path, "xls", sheet)
    if kind.startswith("utf-16"):
        with tempfile.TemporaryDirectory(prefix="sijaga-csv-") as tmp:
            utf8 = _transcode(path, Path(tmp) / "utf8.csv", codecs.getincrementaldecoder("utf-16")(errors="replace"))
            with utf8.open("rb") as fh:
                head = fh.read(SAMPLE_BYTES)
            if not head:
                raise _empty()
            return _read_csv(utf8, head, complete=len(head) < SAMPLE_BYTES)
    return _read_csv(path, head, complete=len(head) < SAMPLE_BYTES)


# --- CSV ----------------------------------------------------------------------------------------------------------

# Windows-1252, what Excel in an Indonesian or English Windows writes; its five unused bytes read as Latin-1
_CP1252 = {i: ch for i in range(0x80, 0xA0) if (ch := bytes([i]).decode("cp1252", errors="ignore"))}


def _decode_legacy(raw: bytes) -> str:
    return raw.decode("latin-1").translate(_CP1252)


class _LegacyDecoder:
    """Windows-1252 as an incremental decoder (one byte is one character: no state between chunks)."""

    def __init__(self) -> None:
        self.first = True

    def decode(self, data: bytes, final: bool = False) -> str:
        if self.first:
            data, self.first = data.removeprefix(_BOM), False
        return _decode_legacy(data)


def _transcode(source: Path, target: Path, decoder) -> Path:
    """`source` decoded chunk by chunk and written to `target` as UTF-8: memory stays flat whatever the size."""
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(SCAN_CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", True))
    return target


def _decode_sample(head: bytes, complete: bool) -> tuple[str, bool]:
    """(text of the whole lines in `head`, whether it is UTF-8)."""
    if not complete and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    try:
        return head.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return _decode_legacy(head.removeprefix(_BOM)), False


def _find_csv_header(lines: list[str]) -> tuple[str, int, list[str]] | None:
    """(separator, line index, cells) of the line that names the most known columns under some separator."""
    candidates = [(i, ln) for i, ln in enumerate(lines) if ln.strip(WHITESPACE + ",;|")][:HEADER_SCAN_ROWS]
    best: tuple[tuple[int, int], str, int, list[str]] | None = None
    for sep in CSV_SEPARATORS:
        for i, ln in candidates:
            try:
                cells = next(csv.reader([ln], delimiter=sep))
            except (csv.Error, StopIteration):
                continue
            score = (len(match_headers(cells)[0]), len(cells))
            if score[0] >= 2 and (best is None or score > best[0]):
                best = (score, sep, i, cells)
    return None if best is None else best[1:]


def _polars_csv(source: Path, sep: str, skip_lines: int, columns: list[int]) -> pl.DataFrame:
    return pl.read_csv(
        source,
        separator=sep,
        has_header=False,
        infer_schema=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        skip_lines=skip_lines,
        columns=columns,  # only the template's columns are parsed into memory, however wide the lines are
        n_rows=MAX_ROWS + 2,  # the header, MAX_ROWS records, and one more to know there are too many
    )


def _read_csv(path: Path, head: bytes, *, complete: bool) -> Table:
    text, utf8 = _decode_sample(head, complete)
    if not text.strip(WHITESPACE + ",;|"):
        raise _empty()
    found = _find_csv_header([ln.rstrip("\r") for ln in text.split("\n")])
    if found is None:
        raise _no_header()
    sep, header_line, cells = found
    keys, notes = _columns(cells)
    wanted = sorted(set(keys.values()))
    try:
        with tempfile.TemporaryDirectory(prefix="sijaga-csv-") as tmp:
            try:
                source = path if utf8 else _transcode(path, Path(tmp) / "utf8.csv", _LegacyDecoder())
                grid = _polars_csv(source, sep, header_line, wanted)
            except pl.exceptions.ComputeError as exc:
                if not (utf8 and "utf-8" in str(exc).lower()):
                    raise
                # Windows-1252 beyond the sample
                grid = _polars_csv(_transcode(path, Path(tmp) / "utf8.csv", _LegacyDecoder()), sep, header_line, wanted)
    except pl.exceptions.PolarsError as exc:
        raise FileRefused("csv_unreadable", _("Berkas CSV tidak dapat dibaca: %(e)s") % {"e": str(exc)[:200]}) from exc
    if grid.height > MAX_ROWS + 1:
        raise _too_many_rows()
    position = {index: name for index, name in zip(wanted, grid.columns, strict=True)}
    table = _table(
        grid,
        header_idx=0,
        columns={key: position[i] for key, i in keys.items()},
        kind="csv",
        first_row=header_line + 1,
        notes=notes,
    )
    table.frame = table.frame.drop(_GRID_INDEX).with_columns(pl.lit(False).alias(NIK_NUMERIC))
    return table


# --- XLSX inspection ---------------------------------------------------------------------------------------------


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _columns_beyond(n: int) -> str:
    """A regular expression matching the letters of every column after the `n`-th (A = 1; n < 702)."""
    assert 1 <= n < 702
    last = _column_letters(n)
    options = ["[A-Z]{3,}"]
    if len(last) == 1:
        options.append("[A-Z]{2}")
        if last < "Z":
            options.append(f"[{chr(ord(last) + 1)}-Z]")
    else:
        if last[0] < "Z":
            options.append(f"[{chr(ord(last[0]) + 1)}-Z][A-Z]")
        if last[1] < "Z":
            options.append(f"{last[0]}[{chr(ord(last[1]) + 1)}-Z]")
    return "(?:" + "|".join(options) + ")"


_BEYOND = _columns_beyond(MAX_COLUMNS).encode()
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet\b")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*?\sref="(?:[A-Za-z]*\d*:)?([A-Za-z]*)(\d*)"')
# Fast path: every <row> and <c> starts with its r attribute, as Excel, LibreOffice, openpyxl and xlsxwriter write
# them. One pass each finds a row past MAX_ROWS, a row without r, or a hidden row (for the notes) …
_ROW_FAST = re.compile(rb'<row(?: r="0*(\d{7,})"|(?! r=")[\s>/]| r="(\d+)"[^>]*?\shidden="(?:1|true)")')
# … and a cell past MAX_COLUMNS, a cell without r (not self-closing: calamine skips those), or a row past MAX_ROWS.
_CELL_FAST = re.compile(rb'<c(?: r="(' + _BEYOND + rb')[A-Z]*\d+"|(?! r=")[\s>]| r="[A-Z]{1,3}0*(\d{7,})")')
_FORMULA = re.compile(rb"<f[\s>]")


@functools.cache
def _slow_patterns(prefix: bytes) -> SimpleNamespace:
    """The slow path's expressions for a document whose elements carry `prefix` (b"" or b"x:"): attributes in any
    order, rows and cells without r. Each starts with its literal tag, which keeps them fast."""
    row, c = b"<" + re.escape(prefix) + b"row", b"<" + re.escape(prefix) + b"c"
    return SimpleNamespace(
        formula=re.compile(b"<" + re.escape(prefix) + rb"f[\s>]"),
        row_open=re.compile(row + rb"\b[^>]*(?<!/)>"),  # <row/> holds no cell: calamine skips it
        row_numbered=re.compile(row + rb'\s(?:[^>]*?\s)?r="0*(\d+)"[^>]*(?<!/)>'),
        row_hidden=re.compile(row + rb'\s([^>]*\shidden="(?:1|true)"[^>]*)>'),
        row_end=re.compile(b"</" + re.escape(prefix) + b"row>"),
        cell_far=re.compile(c + rb'\s(?:[^>]*?\s)?r="((?i:' + _BEYOND + rb'))[A-Za-z]*\d+"[^>]*(?<!/)>'),
        cell_far_row=re.compile(c + rb'\s(?:[^>]*?\s)?r="[A-Za-z]{1,3}0*(\d{7,})"[^>]*(?<!/)>'),
        cell_no_r=re.compile(c + rb'(?:\s(?![^>]*\sr=")[^>]*)?(?<!/)>'),
        cell_open=re.compile(c + rb"[\s>]"),
    )


_ROW_NUMBER = re.compile(rb'\sr="0*(\d+)"')


@dataclass
class SheetScan:
    """What streaming one worksheet's XML found; `problem` is the first limit it breaks, (code, parameters)."""

    width: int | None = None  # columns the <dimension> declares, when it is within the limits
    hidden: list[int] = field(default_factory=list)
    formulas: bool = False
    problem: tuple[str, dict] | None = None
    max_row: int = 0  # largest explicit row number
    unnumbered_rows: int = 0
    unnumbered_cells: int = 0  # the largest number of cells in a row without r (0: every cell has r)
    fast: bool = True
    prefix: bytes = b""  # of the document's elements, e.g. b"x:"
    _tail: bytes = b""
    _started: bool = False

    def feed(self, chunk: bytes) -> None:
        buf = self._tail + chunk
        cut = buf.rfind(b"<")  # '<' only ever opens a tag (it is escaped elsewhere): every tag before is whole
        if cut <= 0:
            self._tail = buf
            if len(buf) > MAX_TAG_BYTES:
                self.problem = ("sheet_too_large", {})
            return
        part, self._tail = buf[:cut], buf[cut:]
        if not self._started:
            self._started = True
            root = _ROOT.search(part)
            self.prefix = root.group(1) + b":" if root and root.group(1) else b""
            self.fast = not self.prefix
            dimension = _DIMENSION.search(part)
            if dimension and dimension.group(1) and dimension.group(2):
                rows, columns = int(dimension.group(2)), _column_number(dimension.group(1))
                if rows > MAX_ROWS:
                    self.problem = ("too_many_rows", {"rows": rows})
                    return
                if columns > MAX_COLUMNS:
                    self.problem = ("too_many_columns", {"ref": dimension.group(1).decode().upper()})
                    return
                self.width = columns
        if not self.formulas:
            self.formulas = (_FORMULA if self.fast else _slow_patterns(self.prefix).formula).search(part) is not None
        if self.fast:
            self._fast(part)
        if not self.fast:
            self._slow(part)

    def finish(self) -> None:
        if self.problem is None and self._tail:
            self.feed(b"<")  # the last tags
        rows = max(self.max_row, 0) + self.unnumbered_rows
        if self.problem is None and rows > MAX_ROWS:
            self.problem = ("too_many_rows", {"rows": rows})
        if self.problem is None and self.unnumbered_cells > MAX_COLUMNS:
            self.problem = ("too_many_columns", {"ref": _column_letters(self.unnumbered_cells)})

    def _fast(self, part: bytes) -> None:
        for m in _ROW_FAST.finditer(part):
            if m.group(1):
                if int(m.group(1)) > MAX_ROWS:
                    self.problem = ("too_many_rows", {"rows": int(m.group(1))})
                    return
            elif m.group(2):
                self.hidden.append(int(m.group(2)))
            else:
                self.fast = False  # a row without r: count rows the slow way from here on
                return
        for m in _CELL_FAST.finditer(part):
            if m.group(1):
                end = part.find(b">", m.end())
                if part[end - 1 : end] != b"/":  # a styled empty cell far away is harmless: calamine skips it
                    self.problem = ("too_many_columns", {"ref": m.group(1).decode()})
                    return
            elif m.group(2):
                if int(m.group(2)) > MAX_ROWS:
                    self.problem = ("too_many_rows", {"rows": int(m.group(2))})
                    return
            else:
                self.fast = False
                return
        last = part.rfind(b'<row r="')  # rows come in order: the last one is (about) the largest so far
        if last >= 0:
            digits = re.match(rb'<row r="(\d{1,12})"', part[last : last + 24])
            if digits:
                self.max_row = max(self.max_row, int(digits.group(1)))

    def _slow(self, part: bytes) -> None:
        """Bounds for any writer: a row without r is one below the previous row, a cell without r one right of the
        previous cell (calamine's rules). Best effort where a writer mixes both within a row: the sandbox holds."""
        p = _slow_patterns(self.prefix)
        numbered = p.row_numbered.findall(part)
        if numbered:
            self.max_row = max(self.max_row, *map(int, numbered))
        self.unnumbered_rows += len(p.row_open.findall(part)) - len(numbered)
        for attributes in p.row_hidden.findall(part):
            if number := _ROW_NUMBER.search(attributes):
                self.hidden.append(int(number.group(1)))
        if far := p.cell_far.search(part):
            self.problem = ("too_many_columns", {"ref": far.group(1).decode().upper()})
            return
        for digits in p.cell_far_row.findall(part):
            self.max_row = max(self.max_row, int(digits))
        if p.cell_no_r.search(part):  # count the cells of each distinct row (a bomb's rows are all alike)
            widest = max(len(p.cell_open.findall(row)) for row in set(p.row_end.split(part)))
            self.unnumbered_cells = max(self.unnumbered_cells, widest)
        if self.max_row + self.unnumbered_rows > MAX_ROWS:
            self.problem = ("too_many_rows", {"rows": self.max_row + self.unnumbered_rows})
        elif self.unnumbered_cells > MAX_COLUMNS:
            self.problem = ("too_many_columns", {"ref": _column_letters(self.unnumbered_cells)})


@dataclass
class WorkbookScan:
    names: list[str]  # the sheets' names, in workbook order
    sheets: list[str | None]  # the ZIP member of each sheet
    scans: dict[str, SheetScan]

    def of(self, index: int) -> SheetScan | None:
        member = self.sheets[index] if 0 <= index < len(self.sheets) else None
        return self.scans.get(member) if member else None


def _directory_size(path: Path) -> tuple[int, int]:
    """(entries, bytes) of the ZIP's central directory, from its end record: checked before `zipfile` reads it."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536 - 22))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise FileRefused("corrupt", _("Berkas Excel rusak atau tidak lengkap."))
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory == 0xFFFFFFFF:  # ZIP64: the real numbers are in the ZIP64 end record
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator < 0:
            raise FileRefused("corrupt", _("Berkas Excel rusak atau tidak lengkap."))
        (record_at,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        with path.open("rb") as fh:
            fh.seek(record_at)
            record = fh.read(56)
        if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
            raise FileRefused("corrupt", _("Berkas Excel rusak atau tidak lengkap."))
        entries, directory = struct.unpack("<QQ", record[32:48])
    return entries, directory


def _sheet_limit(sheet: str, code: str, params: dict) -> FileRefused:
    if code == "too_many_rows":
        message = _(
            "Sheet “%(s)s” memakai lebih dari %(max)s baris (sampai baris %(rows)s). Hapus baris kosong di bawah "
            "data, atau salin data ke templat SiJaga."
        ) % {"s": sheet, "max": f"{MAX_ROWS:,}".replace(",", "."), "rows": f"{params['rows']:,}".replace(",", ".")}
    elif code == "too_many_columns":
        message = _(
            "Sheet “%(s)s” berisi sel di kolom %(ref)s, di luar batas %(max)s kolom (sampai kolom %(last)s). Templat "
            "hanya memakai %(n)s kolom: hapus kolom di sebelah kanan data, atau salin data ke templat SiJaga."
        ) % {
            "s": sheet,
            "ref": params["ref"],
            "max": MAX_COLUMNS,
            "last": _column_letters(MAX_COLUMNS),
            "n": len(COLUMNS),
        }
    else:
        message = _(
            "Sheet “%(s)s” terlalu besar untuk dibaca. Bagi datanya menjadi beberapa berkas, atau simpan sebagai CSV."
        ) % {"s": sheet}
    return FileRefused(code, message)


def _too_many_rows() -> FileRefused:
    return FileRefused(
        "too_many_rows",
        _("Berkas berisi lebih dari %(max)s baris data. Bagi datanya menjadi beberapa berkas.")
        % {"max": f"{MAX_ROWS:,}".replace(",", ".")},
    )


def inspect_xlsx(path: Path) -> WorkbookScan:
    """Stream every XML part of the workbook with hard caps, without trusting what the ZIP says about itself.

    Raises `FileRefused` for what makes the whole file unusable (not a ZIP, not a workbook, a zip bomb, too much
    XML); a worksheet that breaks a limit is recorded in its `SheetScan.problem`, refused only if it is read.
    Memory stays at a few chunks of `SCAN_CHUNK` whatever the file holds.
    """
    corrupt = FileRefused("corrupt", _("Berkas Excel rusak atau tidak lengkap."))
    entries, directory = _directory_size(path)
    if entries > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:
        raise corrupt
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [info.filename for info in infos]
            if len(infos) > MAX_MEMBERS or len(set(names)) != len(names):
                raise corrupt  # two parts of one name: which one a reader takes is anyone's guess
            if "xl/workbook.xml" not in names:
                raise FileRefused("not_excel", _("Berkas ZIP ini bukan buku kerja Excel (.xlsx)."))
            total = 0
            scans: dict[str, SheetScan] = {}
            for info in infos:
                name = info.filename
                if info.is_dir() or not name.lower().endswith((".xml", ".rels")):
                    continue  # pictures and binaries: no spreadsheet reader parses them
                sheet = name.startswith("xl/worksheets/")
                cap = (
                    MAX_SHEET_XML_BYTES
                    if sheet
                    else MAX_SHARED_STRINGS_BYTES
                    if name == "xl/sharedStrings.xml"
                    else MAX_PART_BYTES
                )
                scan = SheetScan() if sheet else None
                size = 0
                with zf.open(info) as fh:
                    for chunk, packed in _inflated(fh, info):
                        size += len(chunk)
                        total += len(chunk)
                        if size > RATIO_FROM_BYTES and size > MAX_RATIO * packed:
                            raise FileRefused(
                                "compressed_bomb",
                                _(
                                    "Berkas Excel ini dimampatkan secara tidak wajar (lebih dari %(r)s kali); berkas "
                                    "seperti ini dipakai untuk melumpuhkan server dan tidak dibaca. Salin datanya ke "
                                    "templat SiJaga."
                                )
                                % {"r": MAX_RATIO},
                            )
                        if total > MAX_XML_BYTES:
                            raise _too_large()
                        if size > cap:
                            if scan is None:
                                raise _too_large()
                            scan.problem = ("sheet_too_large", {})
                        if scan is not None and scan.problem is None:
                            scan.feed(chunk)
                        if scan is not None and scan.problem is not None:
                            break  # no need to read a refused sheet to its end
                if scan is not None:
                    scan.finish()
                    scans[name] = scan
            return WorkbookScan(*_sheet_members(zf), scans)
    except (FileRefused, MemoryError):
        raise
    except Exception as exc:  # zipfile raises many kinds (BadZipFile, CRC, overlap, encryption, compression)
        raise FileRefused("corrupt", _("Berkas Excel rusak atau tidak lengkap.")) from exc


def _inflated(fh, info: zipfile.ZipInfo) -> Iterator[tuple[bytes, int]]:
    """Chunks of about `SCAN_CHUNK` decompressed bytes, each with the compressed bytes read so far.

    Read 64 KB at a time, so that `zipfile` reads little compressed data ahead and the ratio so far is known early:
    a bomb is refused after `RATIO_FROM_BYTES`, not after inflating a hundred times its whole compressed size.
    """
    parts: list[bytes] = []
    held = 0
    while data := fh.read(65536):
        parts.append(data)
        held += len(data)
        if held >= SCAN_CHUNK:
            left = getattr(fh, "_compress_left", 0)  # zipfile's own count; without it, assume all was read
            yield b"".join(parts), info.compress_size - left
            parts, held = [], 0
    if parts:
        yield b"".join(parts), info.compress_size


def _sheet_members(zf: zipfile.ZipFile) -> tuple[list[str], list[str | None]]:
    """(sheet names, the ZIP member holding each sheet), in workbook order, through the workbook's relationships."""
    workbook = zf.read("xl/workbook.xml")  # both parts passed MAX_PART_BYTES in `inspect_xlsx`
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return [], []
    names: list[str] = []
    members: list[str | None] = []
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(rb'\sname="([^"]*)"', tag)
        rid = re.search(rb'\s(?:\w+:)?id="([^"]+)"', tag)
        names.append(html.unescape(name.group(1).decode("utf-8", "replace")) if name else "")
        quoted = re.escape(rid.group(1)) if rid else b"\x00"
        target = re.search(
            rb'<(?:\w+:)?Relationship\b[^>]*?\sId="' + quoted + rb'"[^>]*?\sTarget="([^"]+)"', rels
        ) or re.search(rb'<(?:\w+:)?Relationship\b[^>]*?\sTarget="([^"]+)"[^>]*?\sId="' + quoted + rb'"', rels)
        if target is None:
            members.append(None)
            continue
        member = target.group(1).decode("utf-8", "replace")
        members.append(member.lstrip("/") if member.startswith("/") else "xl/" + member)
    return names, members


def _xlsx_notes(scan: SheetScan | None, rows: pl.Series) -> list[str]:
    """Hidden rows that hold data and formulas, as the inspection of the sheet's XML found them."""
    if scan is None:
        return []
    notes: list[str] = []
    shown = rows.filter(rows.is_in(pl.Series(scan.hidden, dtype=pl.Int64).implode())).sort().to_list()
    if shown:
        listed = ", ".join(map(str, shown[:20])) + (" …" if len(shown) > 20 else "")
        notes.append(
            _("%(n)s baris tersembunyi di Excel ikut diproses (baris %(rows)s).") % {"n": len(shown), "rows": listed}
        )
    if scan.formulas:
        notes.append(_("Berkas berisi rumus Excel; nilai hasil rumus yang tersimpan di berkas yang dipakai."))
    return notes


# --- Excel --------------------------------------------------------------------------------------------------------


def _read_excel_sandboxed(path: Path, kind: str, sheet: str | None) -> Table:
    """Inspect (XLSX) while a sandboxed child starts, then let the child parse; read its frame back."""
    with sandbox.start("sijaga.imports.reader:_excel_child") as child:
        scan = inspect_xlsx(path) if kind == "xlsx" else None
        sheets = None
        if scan is not None:
            sheets = [
                None if (s := scan.of(i)) is None else {"problem": s.problem, "width": s.width}
                for i in range(len(scan.sheets))
            ]
            # every sheet that would be read breaks a limit: refuse now, without waiting for the child
            read = _candidates(scan.names, sheet) if sheet is None or sheet in scan.names else []
            refused = [(name, sheets[scan.names.index(name)]) for name in read]
            if refused and all(info and info["problem"] for _name, info in refused):
                name, info = refused[0]
                raise _sheet_limit(name, *info["problem"])
        # the child has no Django apps (no kinds registry): it gets the columns being read as plain data
        columns = [
            {"key": c.key, "header": str(c.header), "required": c.required, "aliases": [str(a) for a in c.aliases],
             "help": str(c.help)}
            for c in active_columns()
        ]  # fmt: skip
        args = {"path": str(path), "kind": kind, "sheet": sheet, "sheets": sheets, "columns": columns}
        try:
            with child.run(args) as result:
                frame = pl.read_ipc(child.out / "frame.arrow")  # read into memory, not mapped
        except sandbox.ChildRefused as exc:
            raise FileRefused(exc.code, exc.message) from None
        except sandbox.ChildFailed as exc:
            raise _unreadable() from exc
    table = Table(
        frame=frame,
        kind=kind,
        sheet=result["sheet"],
        header_row=result["header_row"],
        notes=result["notes"],
        blank_rows=result["blank_rows"],
    )
    if scan is not None:
        table.notes = _xlsx_notes(scan.of(result["index"]), frame.get_column(ROW)) + table.notes
    return table


def _excel_child(args: dict, out: Path) -> dict:
    """In the sandbox: read the workbook, write the frame to `out`, return the rest of the `Table`."""
    columns = ColumnSet(tuple(Column(**{**c, "aliases": tuple(c["aliases"])}) for c in args["columns"]))
    with reading(columns):
        table, index = _read_excel(Path(args["path"]), args["kind"], args["sheet"], args["sheets"])
    table.frame.write_ipc(out / "frame.arrow")
    return {
        "sheet": table.sheet,
        "index": index,
        "header_row": table.header_row,
        "notes": table.notes,
        "blank_rows": table.blank_rows,
    }


def _read_excel(path: Path, kind: str, sheet: str | None, sheets: list[dict | None] | None) -> tuple[Table, int]:
    """The table and the index of the sheet it came from. `sheets` is what the inspection found per sheet."""
    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of broken workbook
        raise FileRefused("corrupt", _("Berkas Excel tidak dapat dibuka: %(e)s") % {"e": str(exc)[:200]}) from exc
    if sheet is not None and sheet not in names:
        raise FileRefused(
            "sheet_missing",
            _("Sheet “%(s)s” tidak ada. Sheet yang tersedia: %(all)s.") % {"s": sheet, "all": ", ".join(names)},
        )
    candidates = _candidates(names, sheet)
    errors: list[FileRefused] = []
    for name in candidates:
        index = names.index(name)
        found = sheets[index] if sheets is not None and index < len(sheets) else None
        if found and found["problem"]:
            errors.append(_sheet_limit(name, *found["problem"]))
            continue
        try:
            table, nik_column = _read_sheet(reader, name, kind, found["width"] if found else None)
        except FileRefused as exc:
            errors.append(exc)
            continue
        table.sheet = name
        numeric = _numeric_cells(reader, name, nik_column, table)
        table.frame = table.frame.with_columns(
            numeric.gather(table.frame.get_column(_GRID_INDEX)).alias(NIK_NUMERIC)
        ).drop(_GRID_INDEX)
        return table, index
    if not errors:
        raise FileRefused("empty", _("Berkas tidak berisi sheet data."))
    raise min(errors, key=lambda e: _ERROR_RANK.get(e.code, len(_ERROR_RANK)))


def _candidates(names: list[str], sheet: str | None) -> list[str]:
    """The sheets to try, in order: the one asked for, or every sheet but instructions and lists."""
    return [sheet] if sheet else [n for n in names if n.strip().lower() not in SKIP_SHEETS] or names


def _load(reader, name: str, **options) -> pl.DataFrame:
    try:
        # skip_rows=0 keeps leading empty rows, so grid row i is Excel row i + 1
        return reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string", **options).to_polars()
    except MemoryError:
        raise
    except Exception as exc:
        raise FileRefused(
            "corrupt", _("Sheet “%(s)s” tidak dapat dibaca: %(e)s") % {"s": name, "e": str(exc)[:200]}
        ) from exc


def _read_sheet(reader, name: str, kind: str, width: int | None) -> tuple[Table, int]:
    """The table (its frame still carries `_GRID_INDEX`) and the sheet column index of the NIK.

    A sheet known to be narrow is loaded whole. Otherwise the first rows are loaded to find the header, then only
    the recognised columns: calamine still parses the whole sheet each time, but what is converted stays small.
    """
    if width is not None and width <= NARROW_FACTOR * len(COLUMNS):
        grid = _load(reader, name)
        header_idx, keys, notes = _header(grid)
        columns = {key: grid.columns[i] for key, i in keys.items()}
    else:
        header_idx, keys, notes = _header(_load(reader, name, n_rows=HEADER_PROBE_ROWS + 1))
        wanted = sorted(set(keys.values()))
        grid = _load(reader, name, use_columns=wanted)
        position = dict(zip(wanted, grid.columns, strict=True))
        columns = {key: position[i] for key, i in keys.items()}
    table = _table(grid, header_idx=header_idx, columns=columns, kind=kind, first_row=1, notes=notes)
    return table, keys.get("nik")  # None for a kind without a NIK column (the APBDes file)


def _numeric_cells(reader, sheet: str, column: int | None, table: Table) -> pl.Series:
    """Which cells of the NIK column are numbers (a NIK typed as a number keeps only 15 significant digits in
    Excel), indexed by grid row.

    Loading the column as booleans tells them apart: calamine turns a number into a boolean but leaves a text
    cell empty, whereas a float load would also parse digit-only text.
    """
    height = int(table.frame.get_column(_GRID_INDEX).max() or 0) + 1
    if column is None:
        return pl.repeat(False, height, eager=True)
    try:
        cells = reader.load_sheet(
            sheet, header_row=None, skip_rows=0, dtypes="boolean", use_columns=[column]
        ).to_polars()
    except MemoryError:
        raise
    except Exception:  # the text load worked; without this detail the NIK engine still checks every NIK
        return pl.repeat(False, height, eager=True)
    if cells.height < height:
        return pl.repeat(False, height, eager=True)
    return cells.to_series(0).is_not_null()


# --- shared -------------------------------------------------------------------------------------------------------


def _strip(column: str) -> pl.Expr:
    """Excel's habits on text: stray and non-breaking spaces around the value, a leading apostrophe that forces
    text. Spaces inside a value are the validator's business (a NIK with a space inside is an error to report)."""
    return pl.col(column).str.strip_chars_start(_STRIP + "'").str.strip_chars_end(_STRIP)


def _printable(text: object) -> str:
    return _UNPRINTABLE.sub("\ufffd", str(text))


def _columns(cells: list[object]) -> tuple[dict[str, int], list[str]]:
    """(key → index among `cells`, notes) for a header row; refuses a header that lacks required columns."""
    found, extra, duplicated = match_headers(cells)
    if len(found) < 2:
        raise _no_header()
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise FileRefused(
            "missing_columns",
            _("Kolom wajib tidak ditemukan: %(missing)s. Kolom yang dikenali: %(found)s.")
            % {
                "missing": ", ".join(BY_KEY[k].header for k in missing),
                "found": ", ".join(BY_KEY[k].header for k in found) or "—",
            },
        )
    notes: list[str] = []
    if extra:
        notes.append(_("Kolom yang tidak dikenal diabaikan: %(cols)s.") % {"cols": _printable(", ".join(extra[:20]))})
    if duplicated:
        notes.append(
            _("Kolom ganda diabaikan (kolom pertama yang dipakai): %(cols)s.")
            % {"cols": _printable(", ".join(duplicated))}
        )
    return found, notes


def _header(grid: pl.DataFrame) -> tuple[int, dict[str, int], list[str]]:
    """(grid row of the header, key → grid column index, notes): the row among the first non-empty ones that
    names the most known columns."""
    if grid.height == 0 or grid.width == 0:
        raise _empty()
    names = grid.columns
    grid = grid.with_columns(pl.col(n).cast(pl.String) for n in names)
    filled = pl.any_horizontal(pl.col(n).str.strip_chars(WHITESPACE).str.len_chars() > 0 for n in names)
    probe = grid.head(HEADER_PROBE_ROWS).with_row_index(_GRID_INDEX).filter(filled).head(HEADER_SCAN_ROWS)
    if probe.height == 0:
        raise _empty() if grid.height <= HEADER_PROBE_ROWS else _no_header()
    best: tuple[int, list[object], int] | None = None
    for index, *cells in probe.iter_rows():  # at most HEADER_SCAN_ROWS candidate header rows
        score = len(match_headers(cells)[0])
        if best is None or score > best[2]:
            best = (index, cells, score)
    assert best is not None
    keys, notes = _columns(best[1])
    return best[0], keys, notes


def _table(
    grid: pl.DataFrame, *, header_idx: int, columns: dict[str, str], kind: str, first_row: int, notes: list[str]
) -> Table:
    """The data rows below the header as cleaned text. `first_row` is the file's row number of the grid's first
    row; `columns` maps each key to its grid column. The frame still carries `_GRID_INDEX`."""
    keys = list(columns)
    body = (
        grid.with_row_index(_GRID_INDEX)
        .slice(header_idx + 1)
        .select(pl.col(_GRID_INDEX), *[pl.col(name).cast(pl.String).alias(key) for key, name in columns.items()])
        .with_columns(_strip(k) for k in keys)
        .with_columns(pl.when(pl.col(k) != "").then(pl.col(k)).alias(k) for k in keys)
        # the NIK is looked up in the database before validation, and PostgreSQL cannot take NUL: the NIK engine
        # refuses the replacement character all the same
        .with_columns(pl.col(k).str.replace_all("\x00", "\ufffd", literal=True) for k in keys if k == "nik")
    )
    blank = pl.all_horizontal(pl.col(k).is_null() for k in keys)
    blank_rows = body.select(blank.sum()).item()
    body = body.filter(~blank)
    if body.height == 0:
        raise FileRefused("no_rows", _("Berkas hanya berisi judul kolom; tidak ada baris data."))
    frame = body.select(
        (pl.col(_GRID_INDEX).cast(pl.Int64) + first_row).alias(ROW),
        pl.col(_GRID_INDEX),
        *keys,
    )
    return Table(frame=frame, kind=kind, header_row=first_row + header_idx, notes=notes, blank_rows=blank_rows)
