"""Reading enrolment files into an all-text Polars frame, whatever Excel or a Pemda's export did to them.

CSV (`,` `;` or tab; UTF-8 with or without BOM, or Windows-1252) is read by Polars, XLSX/XLS by fastexcel
(calamine). Everything is kept as text; typing and checks happen column-wise in `validate.py`.
A file that cannot be a table of workers raises `FileRefused` with an Indonesian message.

Row numbers (`ROW`) are the numbers Excel shows (1-based), counting title rows, empty rows and the header, so a
rejection points at the row the user sees. The header row is looked for among the first `HEADER_SCAN_ROWS`
non-empty rows; for a CSV only a sample from the start of the file is decoded for that, so a large file that is
no table is refused before it is read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from sijaga.imports.columns import BY_KEY, REQUIRED, match_headers
from sijaga.registry.nik import WHITESPACE

HEADER_SCAN_ROWS = 15
HEADER_PROBE_ROWS = 1000  # leading empty rows of a sheet that are looked through for the header
SAMPLE_BYTES = 256 * 1024  # start of a CSV decoded to find the separator and the header line
ROW = "__row"
NIK_NUMERIC = "__nik_numeric"
SKIP_SHEETS = {"petunjuk", "instructions", "daftar pilihan", "pilihan", "lists", "referensi"}
CSV_SEPARATORS = (",", ";", "\t", "|")
_GRID_INDEX = "__grid_index"
_BOM = b"\xef\xbb\xbf"
_STRIP = WHITESPACE + "\x1a"  # the NIK engine's whitespace, and the end-of-file mark old DOS exports leave behind
# control bytes other than tab, LF, VT (a line break inside a cell), FF, CR and DOS's end-of-file mark: a text file
# has (almost) none
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))
# when the whole sheet is no use, the most telling reason wins (a data sheet's over an instruction sheet's)
_ERROR_RANK = {"missing_columns": 0, "no_rows": 1, "corrupt": 2, "no_header": 3, "empty": 4}


class FileRefused(Exception):
    """The whole file is unusable; `message` says why, in the user's language."""

    def __init__(self, code: str, message: str):
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


def sniff_kind(head: bytes) -> str:
    if not head:
        raise _empty()
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
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
    if b"\x00" in sample or len(sample) - len(sample.translate(None, _CONTROL)) > max(8, len(sample) // 100):
        raise FileRefused("binary", _("Berkas biner yang tidak dikenal; unggah .xlsx, .xls atau .csv."))
    return "csv"


def read_table(path: Path, file_name: str = "", *, sheet: str | None = None) -> Table:
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    kind = sniff_kind(head)
    if kind == "zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise FileRefused("corrupt", _("Berkas Excel rusak atau tidak lengkap.")) from exc
        if "xl/workbook.xml" not in names:
            raise FileRefused("not_excel", _("Berkas ZIP ini bukan buku kerja Excel (.xlsx)."))
        return _read_excel(path, "xlsx", sheet)
    if kind == "xls":
        return _read_excel(path, "xls", sheet)
    return _read_csv(path, head, complete=len(head) < SAMPLE_BYTES)


# --- CSV ----------------------------------------------------------------------------------------------------------


def _decode_legacy(raw: bytes) -> str:
    """Windows-1252, what Excel in an Indonesian or English Windows writes; Latin-1 for its five unused bytes."""
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _decode_sample(head: bytes, complete: bool) -> tuple[str, bool]:
    """(text of the whole lines in `head`, whether it is UTF-8)."""
    if not complete and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    try:
        return head.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return _decode_legacy(head.removeprefix(_BOM)), False


def _find_csv_header(lines: list[str]) -> tuple[str, int] | None:
    """(separator, line index) of the line that names the most known columns under some separator."""
    candidates = [(i, ln) for i, ln in enumerate(lines) if ln.strip(WHITESPACE + ",;|")][:HEADER_SCAN_ROWS]
    best: tuple[tuple[int, int], str, int] | None = None
    for sep in CSV_SEPARATORS:
        for i, ln in candidates:
            try:
                cells = next(csv.reader([ln], delimiter=sep))
            except (csv.Error, StopIteration):
                continue
            score = (len(match_headers(cells)[0]), len(cells))
            if score[0] >= 2 and (best is None or score > best[0]):
                best = (score, sep, i)
    return None if best is None else (best[1], best[2])


def _polars_csv(source: Path | io.BytesIO, sep: str, skip_lines: int) -> pl.DataFrame:
    return pl.read_csv(
        source,
        separator=sep,
        has_header=False,
        infer_schema=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        skip_lines=skip_lines,
    )


def _read_csv(path: Path, head: bytes, *, complete: bool) -> Table:
    text, utf8 = _decode_sample(head, complete)
    if not text.strip(WHITESPACE + ",;|"):
        raise _empty()
    found = _find_csv_header([ln.rstrip("\r") for ln in text.split("\n")])
    if found is None:
        raise _no_header()
    sep, header_line = found

    def transcoded() -> io.BytesIO:
        return io.BytesIO(_decode_legacy(path.read_bytes().removeprefix(_BOM)).encode("utf-8"))

    try:
        try:
            grid = _polars_csv(path if utf8 else transcoded(), sep, header_line)
        except pl.exceptions.ComputeError as exc:
            if not (utf8 and "utf-8" in str(exc).lower()):
                raise
            grid = _polars_csv(transcoded(), sep, header_line)  # Windows-1252 beyond the sample
    except pl.exceptions.PolarsError as exc:
        raise FileRefused("csv_unreadable", _("Berkas CSV tidak dapat dibaca: %(e)s") % {"e": str(exc)[:200]}) from exc
    table, _columns = _from_grid(grid, kind="csv", first_row=header_line + 1)
    table.frame = table.frame.drop(_GRID_INDEX).with_columns(pl.lit(False).alias(NIK_NUMERIC))
    return table


# --- Excel --------------------------------------------------------------------------------------------------------


def _read_excel(path: Path, kind: str, sheet: str | None) -> Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except Exception as exc:  # calamine raises its own error types for every kind of broken workbook
        raise FileRefused("corrupt", _("Berkas Excel tidak dapat dibuka: %(e)s") % {"e": str(exc)[:200]}) from exc
    if sheet is not None and sheet not in names:
        raise FileRefused(
            "sheet_missing",
            _("Sheet “%(s)s” tidak ada. Sheet yang tersedia: %(all)s.") % {"s": sheet, "all": ", ".join(names)},
        )
    candidates = [sheet] if sheet else [n for n in names if n.strip().lower() not in SKIP_SHEETS] or names
    errors: list[FileRefused] = []
    for name in candidates:
        try:
            # skip_rows=0 keeps leading empty rows, so grid row i is Excel row i + 1
            grid = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars()
        except Exception as exc:
            errors.append(
                FileRefused("corrupt", _("Sheet “%(s)s” tidak dapat dibaca: %(e)s") % {"s": name, "e": str(exc)[:200]})
            )
            continue
        try:
            table, columns = _from_grid(grid, kind=kind, first_row=1)
        except FileRefused as exc:
            errors.append(exc)
            continue
        table.sheet = name
        numeric = _numeric_cells(reader, name, columns["nik"], grid.height)
        table.frame = table.frame.with_columns(
            numeric.gather(table.frame.get_column(_GRID_INDEX)).alias(NIK_NUMERIC)
        ).drop(_GRID_INDEX)
        if kind == "xlsx":
            table.notes = _xlsx_notes(path, names.index(name), table.frame.get_column(ROW)) + table.notes
        return table
    if not errors:
        raise FileRefused("empty", _("Berkas tidak berisi sheet data."))
    raise min(errors, key=lambda e: _ERROR_RANK.get(e.code, len(_ERROR_RANK)))


def _numeric_cells(reader, sheet: str, column: str, height: int) -> pl.Series:
    """Which cells of a column are numbers (a NIK typed as a number keeps only 15 significant digits in Excel).

    Loading the column as booleans tells them apart: calamine turns a number into a boolean but leaves a text
    cell empty, whereas a float load would also parse digit-only text.
    """
    try:
        cells = reader.load_sheet(
            sheet, header_row=None, skip_rows=0, dtypes="boolean", use_columns=[column]
        ).to_polars()
    except Exception:  # the text load worked; without this detail the NIK engine still checks every NIK
        return pl.repeat(False, height, eager=True)
    if cells.height != height:
        return pl.repeat(False, height, eager=True)
    return cells.to_series(0).is_not_null()


_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\shidden="(?:1|true)"[^>]*>')
_R_ATTR = re.compile(rb'\sr="(\d+)"')


def _sheet_member(zf: zipfile.ZipFile, index: int) -> str | None:
    """The ZIP member holding the `index`-th sheet, through the workbook's relationships."""
    workbook = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels")
    rids = re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id="([^"]+)"', workbook)
    if index >= len(rids):
        return None
    rid = re.escape(rids[index])
    target = re.search(rb'<Relationship\b[^>]*?\sId="' + rid + rb'"[^>]*?\sTarget="([^"]+)"', rels) or re.search(
        rb'<Relationship\b[^>]*?\sTarget="([^"]+)"[^>]*?\sId="' + rid + rb'"', rels
    )
    if target is None:
        return None
    member = target.group(1).decode()
    return member.lstrip("/") if member.startswith("/") else "xl/" + member


def _xlsx_notes(path: Path, index: int, rows: pl.Series) -> list[str]:
    """Hidden rows that hold data and formulas, read from the sheet's XML in chunks (it can be hundreds of MB)."""
    hidden: list[int] = []
    formulas = False
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, index)
            if member is None:
                return []
            with zf.open(member) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    buf = tail + chunk
                    cut = buf.rfind(b">") + 1  # every tag before `cut` is complete
                    part, tail = buf[:cut], buf[cut:]
                    hidden += [int(m.group(1)) for m in map(_R_ATTR.search, _HIDDEN_ROW.findall(part)) if m]
                    formulas = formulas or b"<f>" in part or b"<f " in part
    except Exception:  # notes are a courtesy: a workbook calamine could read is not refused over them
        return []
    notes: list[str] = []
    shown = rows.filter(rows.is_in(pl.Series(hidden, dtype=pl.Int64).implode())).sort().to_list()
    if shown:
        listed = ", ".join(map(str, shown[:20])) + (" …" if len(shown) > 20 else "")
        notes.append(
            _("%(n)s baris tersembunyi di Excel ikut diproses (baris %(rows)s).") % {"n": len(shown), "rows": listed}
        )
    if formulas:
        notes.append(_("Berkas berisi rumus Excel; nilai hasil rumus yang tersimpan di berkas yang dipakai."))
    return notes


# --- shared -------------------------------------------------------------------------------------------------------


def _strip(column: str) -> pl.Expr:
    """Excel's habits on text: stray and non-breaking spaces around the value, a leading apostrophe that forces
    text. Spaces inside a value are the validator's business (a NIK with a space inside is an error to report)."""
    return pl.col(column).str.strip_chars_start(_STRIP + "'").str.strip_chars_end(_STRIP)


def _from_grid(grid: pl.DataFrame, *, kind: str, first_row: int) -> tuple[Table, dict[str, str]]:
    """Find the header row, map its columns, keep the data rows below it as cleaned text.

    `first_row` is the file's row number of the grid's first row. Returns the table (its frame still carries
    `_GRID_INDEX`, the row's index in the grid) and key → grid column name.
    """
    if grid.height == 0 or grid.width == 0:
        raise _empty()
    names = grid.columns
    grid = grid.with_columns(pl.col(n).cast(pl.String) for n in names)
    filled = pl.any_horizontal(pl.col(n).str.strip_chars(WHITESPACE).str.len_chars() > 0 for n in names)
    probe = grid.head(HEADER_PROBE_ROWS).with_row_index(_GRID_INDEX).filter(filled).head(HEADER_SCAN_ROWS)
    if probe.height == 0:
        raise _empty() if grid.height <= HEADER_PROBE_ROWS else _no_header()
    best: tuple[int, dict[str, int], list[str], list[str]] | None = None
    for index, *cells in probe.iter_rows():  # at most HEADER_SCAN_ROWS candidate header rows
        found, extra, duplicated = match_headers(cells)
        if best is None or len(found) > len(best[1]):
            best = (index, found, extra, duplicated)
    assert best is not None
    header_idx, found, extra, duplicated = best
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
        notes.append(_("Kolom yang tidak dikenal diabaikan: %(cols)s.") % {"cols": ", ".join(extra[:20])})
    if duplicated:
        notes.append(
            _("Kolom ganda diabaikan (kolom pertama yang dipakai): %(cols)s.") % {"cols": ", ".join(duplicated)}
        )
    keys = list(found)
    body = (
        grid.with_row_index(_GRID_INDEX)
        .slice(header_idx + 1)
        .select(pl.col(_GRID_INDEX), *[pl.col(names[i]).alias(key) for key, i in found.items()])
        .with_columns(_strip(k) for k in keys)
        .with_columns(pl.when(pl.col(k) != "").then(pl.col(k)).alias(k) for k in keys)
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
    table = Table(frame=frame, kind=kind, header_row=first_row + header_idx, notes=notes, blank_rows=blank_rows)
    return table, {key: names[i] for key, i in found.items()}
