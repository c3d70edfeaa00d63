"""`read_table` on the files people really upload: any separator or encoding, title rows, Excel's habits, and
files that are no table at all (always `FileRefused`, never another exception)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from sijaga.imports.columns import COLUMNS, header_key
from sijaga.imports.reader import NIK_NUMERIC, ROW, FileRefused, read_table
from sijaga.imports.tests import files
from sijaga.imports.tests.files import HEADERS, KEYS, NIK, Formula, Merged, line, table, values

REQUIRED_HEADERS = [c.header for c in COLUMNS if c.required]


def refused(path: Path, **kwargs) -> FileRefused:
    with pytest.raises(FileRefused) as exc:
        read_table(path, **kwargs)
    assert exc.value.message and exc.value.message == str(exc.value)
    return exc.value


# --- CSV: separators and encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_any_separator(tmp_path, sep):
    rows = table(3)
    rows[2][KEYS.index("full_name")] = "Budi, S.Pd; Guru"  # the separator inside a quoted cell stays in the cell
    t = read_table(files.write_csv(tmp_path / "p.csv", rows, sep=sep))
    assert (t.kind, t.sheet, t.header_row, t.blank_rows, t.notes) == ("csv", None, 1, 0, [])
    assert t.frame.get_column(ROW).to_list() == [2, 3, 4]
    assert t.frame.get_column("full_name").to_list() == ["Siti Aminah 1", "Budi, S.Pd; Guru", "Siti Aminah 3"]
    assert t.frame.get_column(NIK_NUMERIC).to_list() == [False] * 3
    assert set(KEYS) <= set(t.frame.columns)
    assert all(t.frame.schema[k] == pl.String for k in KEYS)


@pytest.mark.parametrize("bom", [True, False])
def test_csv_utf8_with_and_without_bom(tmp_path, bom):
    rows = [HEADERS, line(1, full_name="Désirée Ñúñez Ça")]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows, sep=";", bom=bom))
    assert t.frame.get_column("nik").to_list() == [NIK]  # the BOM did not glue itself onto the "NIK" header
    assert t.frame.get_column("full_name").to_list() == ["Désirée Ñúñez Ça"]


def test_csv_windows_1252(tmp_path):
    rows = [HEADERS, line(1, full_name="Désirée Ñúñez"), line(2, full_name="Œuvre “Kutip” – €")]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows, sep=";", encoding="cp1252"))
    assert t.frame.get_column("full_name").to_list() == ["Désirée Ñúñez", "Œuvre “Kutip” – €"]


def test_csv_windows_1252_only_far_into_the_file(tmp_path):
    """The first part of the file is plain ASCII: the encoding only shows at the end, past any sample."""
    rows = [HEADERS, *[line(i) for i in range(1, 2001)], line(2001, full_name="José Ñandú")]
    path = files.write_csv(tmp_path / "p.csv", rows, encoding="cp1252")
    assert path.stat().st_size > 256 * 1024
    t = read_table(path)
    assert t.frame.height == 2001
    assert t.frame.get_column("full_name").tail(1).to_list() == ["José Ñandú"]
    assert t.frame.get_column(ROW).tail(1).to_list() == [2002]


# --- headers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "key"),
    [
        ("NIK", "nik"),
        ("No KTP", "nik"),
        ("no. ktp", "nik"),
        ("Nomor Induk Kependudukan", "nik"),
        ("Nomor Induk Kependudukan (NIK)", "nik"),
        ("NIK *", "nik"),
        ("  nik\u00a0", "nik"),
        ("Nama", "full_name"),
        ("NAMA LENGKAP", "full_name"),
        ("Nama\u00a0Lengkap *", "full_name"),
        ("nama   lengkap", "full_name"),
        ("Tgl Lahir", "birth_date"),
        ("Tgl. Lahir", "birth_date"),
        ("TANGGAL LAHIR", "birth_date"),
        ("Tanggal Lahir (dd/mm/yyyy)", "birth_date"),
        ("Tanggal\nLahir", "birth_date"),
        ("L/P", "gender"),
        ("Kode Desa/Kelurahan", "domicile"),
        ("Upah (Rp)", "wage"),
        ("Upah/Penghasilan *", "wage"),
        ("TMT", "start_date"),
    ],
)
def test_header_variants(variant, key):
    assert header_key(variant) == key


def test_header_variants_in_a_file(tmp_path):
    headers = [
        "No KTP",
        "Nama\u00a0Lengkap *",
        "tgl. lahir",
        "JK",
        "KODE DESA *",
        "No. HP",
        "Kategori *",
        "Pekerjaan",
        "Segmen *",
        "  Program  *",
        "Upah (Rp) *",
        "Tanggal Mulai *",
    ]
    t = read_table(files.write_csv(tmp_path / "p.csv", table(2, headers=headers), sep=";"))
    assert t.notes == []
    assert t.frame.get_column("nik").to_list() == [values(1)["nik"], values(2)["nik"]]
    assert t.frame.get_column("start_date").to_list() == ["01/01/2026", "01/01/2026"]


def test_columns_in_any_order_and_extra_columns_noted(tmp_path):
    order = ["wage", "nik", "start_date", "programmes", "full_name", "segment", "category", "domicile"]
    headers = ["No", *[{c.key: c.header for c in COLUMNS}[k] for k in order], "Keterangan"]
    rows = [headers, *[[str(i), *line(i, order), f"catatan {i}"] for i in (1, 2)]]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows))
    assert t.frame.get_column("nik").to_list() == [values(1)["nik"], values(2)["nik"]]
    assert t.frame.get_column("wage").to_list() == ["3500000", "3500000"]
    assert "birth_date" not in t.frame.columns  # optional columns may be absent
    assert len(t.notes) == 1
    assert "diabaikan" in t.notes[0] and "No" in t.notes[0] and "Keterangan" in t.notes[0]


def test_duplicate_header_noted_first_column_wins(tmp_path):
    rows = [[*HEADERS, "No KTP"], [*line(1), "1234"]]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows))
    assert t.frame.get_column("nik").to_list() == [NIK]
    assert any("Kolom ganda" in n and "No KTP" in n for n in t.notes)


def test_missing_required_columns_are_listed(tmp_path):
    keep = [k for k in KEYS if k not in ("domicile", "wage")]
    rows = [[h for h, k in zip(HEADERS, KEYS, strict=True) if k in keep], line(1, keep)]
    exc = refused(files.write_csv(tmp_path / "p.csv", rows))
    assert exc.code == "missing_columns"
    assert "Kode Desa Domisili" in exc.message and "Upah/Penghasilan" in exc.message
    assert exc.message.startswith("Kolom wajib tidak ditemukan")


def test_missing_required_columns_in_xlsx(tmp_path):
    rows = [["NIK", "Nama", "Tanggal Lahir"], [NIK, "Siti", "04/12/1995"]]
    exc = refused(files.write_xlsx(tmp_path / "p.xlsx", rows))
    assert exc.code == "missing_columns"
    for header in ("Kode Desa Domisili", "Kategori", "Segmen", "Program", "Upah/Penghasilan", "Tanggal Mulai"):
        assert header in exc.message


# --- title rows, empty rows and row numbers -----------------------------------------------------------------------


def test_csv_title_rows_above_the_header(tmp_path):
    rows = [["DAFTAR PESERTA BPJS KETENAGAKERJAAN"], ["Desa Gunung Sari Ilir, 2026"], [], *table(2)]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows, sep=";"))
    assert t.header_row == 4
    assert t.frame.get_column(ROW).to_list() == [5, 6]
    assert t.frame.get_column("wage").to_list() == ["3500000", "3500000"]  # every column, not just the first


def test_xlsx_merged_title_above_the_header(tmp_path):
    rows = [[Merged("DAFTAR PESERTA", 12)], [], [Merged("Kota Balikpapan", 6), None, None, None, None, None, "2026"]]
    rows += table(3)
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", rows))
    assert (t.kind, t.sheet, t.header_row) == ("xlsx", "Data Peserta", 4)
    assert t.frame.get_column(ROW).to_list() == [5, 6, 7]
    assert t.frame.get_column("full_name").to_list() == ["Siti Aminah 1", "Siti Aminah 2", "Siti Aminah 3"]


def test_xlsx_merged_header_cells_and_group_header_row(tmp_path):
    """A group header above the real one, and "Nama Lengkap" merged over two columns (data in the first)."""
    at = KEYS.index("full_name") + 1
    header = [*HEADERS[:at], None, *HEADERS[at:]]
    header[at - 1] = Merged("Nama Lengkap", 2)
    group = [Merged("Identitas", 4), None, None, None, Merged("Kepesertaan", 9)]
    rows = [group, header, *[[*r[:at], None, *r[at:]] for r in (line(1), line(2))]]
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", rows))
    assert t.header_row == 2
    assert t.frame.get_column(ROW).to_list() == [3, 4]
    assert t.frame.get_column("full_name").to_list() == ["Siti Aminah 1", "Siti Aminah 2"]
    assert t.frame.get_column("birth_date").to_list() == [values(1)["birth_date"], values(2)["birth_date"]]
    assert t.notes == []


def test_xlsx_sheet_starting_with_empty_rows_and_columns(tmp_path):
    path = files.write_xlsx(tmp_path / "p.xlsx", [["Daftar"], [], *table(2)], start_row=4, start_col=2)
    t = read_table(path)
    assert t.header_row == 7  # rows 1-4 empty, 5 = title, 6 = empty, 7 = header (as Excel shows it)
    assert t.frame.get_column(ROW).to_list() == [8, 9]
    assert t.frame.get_column("nik").to_list() == [values(1)["nik"], values(2)["nik"]]


def test_xlsx_empty_rows_in_the_middle_are_skipped_and_counted(tmp_path):
    rows = [HEADERS, line(1), [], [], line(2), [None] * 12, line(3), [], [None, None, None, None, None, "   "]]
    rows += [line(4)]
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", rows, start_row=2))
    assert t.header_row == 3
    assert t.frame.get_column(ROW).to_list() == [4, 7, 9, 12]
    assert t.blank_rows == 5  # the whitespace-only row counts as blank too
    assert t.frame.get_column("full_name").to_list() == [f"Siti Aminah {i}" for i in (1, 2, 3, 4)]


def test_csv_blank_lines_and_separator_only_lines(tmp_path):
    rows = [HEADERS, line(1), [], [""] * 12, line(2), ["", " ", "\u00a0"], line(3), []]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows, sep=";"))
    assert t.frame.get_column(ROW).to_list() == [2, 5, 7]
    assert t.blank_rows == 4


def test_header_must_be_within_the_first_15_rows(tmp_path):
    ok = [[f"Keterangan {i}"] for i in range(14)] + table(1)
    assert read_table(files.write_xlsx(tmp_path / "ok.xlsx", ok)).header_row == 15
    too_far = [[f"Keterangan {i}"] for i in range(15)] + table(1)
    exc = refused(files.write_xlsx(tmp_path / "jauh.xlsx", too_far))
    assert exc.code == "no_header" and "15 baris pertama" in exc.message
    exc = refused(files.write_csv(tmp_path / "jauh.csv", too_far))
    assert exc.code == "no_header"


# --- Excel's habits -----------------------------------------------------------------------------------------------


def test_xlsx_numeric_nik_is_flagged_and_text_nik_is_not(tmp_path):
    nik_10 = values(10)["nik"]
    assert nik_10.endswith("0")
    rows = [
        HEADERS,
        line(1, nik=int(values(1)["nik"])),  # number, all 16 digits survive
        line(10, nik=nik_10),  # text ending in 0: nothing was lost
        line(3),
        line(4, nik=float(values(4)["nik"])),
    ]
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", [["Judul"], *rows]))
    assert t.frame.get_column("nik").to_list() == [values(i)["nik"] for i in (1, 10, 3, 4)]
    assert t.frame.get_column(NIK_NUMERIC).to_list() == [True, False, False, True]
    assert t.frame.get_column(ROW).to_list() == [3, 4, 5, 6]


def test_apostrophes_spaces_and_nbsp_are_cleaned(tmp_path):
    rows = [HEADERS, line(1, nik=f"'{NIK}", full_name="\u00a0 Siti  Aminah\u00a0", wage=" 3500000 ", gender="'P")]
    for path in (files.write_csv(tmp_path / "p.csv", rows), files.write_xlsx(tmp_path / "p.xlsx", rows)):
        t = read_table(path)
        row = t.frame.row(0, named=True)
        assert (row["nik"], row["full_name"], row["wage"], row["gender"]) == (NIK, "Siti  Aminah", "3500000", "P")


def test_xlsx_dates_numbers_and_formulas_come_through_as_text(tmp_path):
    import datetime as dt

    rows = [
        HEADERS,
        line(1, birth_date=dt.date(1995, 12, 4), start_date=46023, wage=3500000),
        line(2, birth_date=dt.datetime(1995, 12, 5), start_date="2026-01-01", wage=3500000.5),
        line(3, full_name=Formula('="Siti "&"Tiga"', "Siti Tiga"), wage=Formula("=3000000+500000", 3500000)),
    ]
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", rows))
    birth = t.frame.get_column("birth_date").to_list()
    assert birth[0].startswith("1995-12-04") and birth[1].startswith("1995-12-05")
    assert t.frame.get_column("start_date").to_list()[0] == "46023"
    assert t.frame.get_column("wage").to_list() == ["3500000", "3500000.5", "3500000"]
    assert t.frame.get_column("full_name").to_list()[2] == "Siti Tiga"
    assert any("rumus" in n for n in t.notes)


def test_xlsx_hidden_rows_are_noted_with_row_numbers(tmp_path):
    rows = [HEADERS, line(1), line(2), line(3), line(4)]
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", rows, hidden_rows=(3, 5, 9)))
    assert t.frame.height == 4  # hidden rows are still processed
    hidden = [n for n in t.notes if "tersembunyi" in n]
    assert hidden == ["2 baris tersembunyi di Excel ikut diproses (baris 3, 5)."]  # row 9 was empty


def test_no_formula_no_hidden_no_notes(tmp_path):
    t = read_table(files.write_xlsx(tmp_path / "p.xlsx", table(2)))
    assert t.notes == []


def test_instruction_sheet_is_skipped_and_sheet_can_be_chosen(tmp_path):
    path = files.write_xlsx(tmp_path / "p.xlsx", table(2), sheet="Peserta 2026", extra_sheets=("Petunjuk",))
    assert read_table(path).sheet == "Peserta 2026"
    assert read_table(path, sheet="Peserta 2026").frame.height == 2
    exc = refused(path, sheet="Petunjuk")
    assert exc.code == "no_header"


def test_first_data_sheet_wins_and_its_error_is_reported(tmp_path):
    path = files.write_xlsx(tmp_path / "p.xlsx", [HEADERS], sheet="Data", extra_sheets=("Lain",))
    exc = refused(path)  # "Lain" has no header; the data sheet's problem is the useful message
    assert exc.code == "no_rows"


# --- files that are not a table -----------------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "kosong.xlsx"
    path.write_bytes(b"")
    assert refused(path).code == "empty"


@pytest.mark.parametrize("rows", [[], [[None, None, "   "]]])
def test_empty_workbook(tmp_path, rows):
    assert refused(files.write_xlsx(tmp_path / "kosong.xlsx", rows)).code == "empty"


@pytest.mark.parametrize("content", [b"\r\n\r\n   \r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n;;;\n"])
def test_blank_text_file(tmp_path, content):
    path = tmp_path / "kosong.csv"
    path.write_bytes(content)
    assert refused(path).code in ("empty", "no_header")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_only(tmp_path, kind):
    write = files.write_csv if kind == "csv" else files.write_xlsx
    exc = refused(write(tmp_path / f"p.{kind}", [HEADERS, [], []]))
    assert exc.code == "no_rows" and "tidak ada baris data" in exc.message


def test_text_with_a_dos_end_of_file_mark_is_still_text(tmp_path):
    path = files.write_csv(tmp_path / "p.csv", table(1))
    path.write_bytes(path.read_bytes() + b"\x1a")
    t = read_table(path)
    assert (t.frame.get_column(ROW).to_list(), t.blank_rows) == ([2], 1)


def test_random_binary_named_xlsx(tmp_path):
    exc = refused(files.random_binary(tmp_path / "peserta.xlsx"))
    assert exc.code == "binary" and ".xlsx" in exc.message


@pytest.mark.parametrize("name", ["peserta.xlsx", "peserta.xls"])
@pytest.mark.parametrize("build", [files.html_page, files.excel_html_export])
def test_html_named_excel(tmp_path, name, build):
    exc = refused(build(tmp_path / name))
    assert exc.code == "html" and "HTML" in exc.message


def test_zip_that_is_not_a_workbook(tmp_path):
    exc = refused(files.zip_not_workbook(tmp_path / "peserta.xlsx"))
    assert exc.code == "not_excel" and "ZIP" in exc.message


def test_truncated_xlsx(tmp_path):
    exc = refused(files.truncated_xlsx(tmp_path / "potong.xlsx", files.xlsx_bytes(tmp_path)))
    assert exc.code == "corrupt" and "rusak" in exc.message


def test_workbook_with_broken_parts(tmp_path):
    exc = refused(files.workbook_with_broken_parts(tmp_path / "rusak.xlsx"))
    assert exc.code == "corrupt"


def test_ole_signature_with_garbage(tmp_path):
    exc = refused(files.ole_garbage(tmp_path / "lama.xls"))
    assert exc.code == "corrupt"


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = files.write_xlsx(tmp_path / "p.xlsx", table(1), sheet="Data Peserta", extra_sheets=("Petunjuk",))
    exc = refused(path, sheet="Tidak Ada")
    assert exc.code == "sheet_missing"
    assert "Tidak Ada" in exc.message and "Data Peserta" in exc.message and "Petunjuk" in exc.message


def test_small_garbage_text(tmp_path):
    exc = refused(files.garbage_text(tmp_path / "acak.csv", 50_000))
    assert exc.code == "no_header" and "Baris judul kolom tidak ditemukan" in exc.message


_MEASURE = """
import json, resource, sys, time
import django
django.setup()
from sijaga.imports.reader import FileRefused, read_table


def hwm_mb():  # this process's own peak RSS (ru_maxrss also carries the pytest parent's peak across fork + exec)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024


before, maxrss_before = hwm_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
try:
    read_table(sys.argv[1])
    out = {"code": None}
except FileRefused as exc:
    out = {"code": exc.code, "message": exc.message}
out["seconds"] = time.perf_counter() - start
out["hwm_before_mb"], out["hwm_after_mb"] = before, hwm_mb()
out["maxrss_before_mb"] = maxrss_before
out["maxrss_after_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS of the child is read from /proc")
def test_100_mb_of_garbage_is_refused_quickly_and_cheaply(tmp_path):
    """Measured in a fresh process, so that neither the import of Django and Polars nor earlier tests hide it."""
    path = files.garbage_text(tmp_path / "besar.xlsx", 100 * 1024 * 1024)
    assert path.stat().st_size == 100 * 1024 * 1024
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sijaga.settings"},
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"\n100 MB garbage: refused as {out['code']!r} in {out['seconds']:.3f} s; peak RSS (VmHWM) "
        f"{out['hwm_before_mb']:.0f} → {out['hwm_after_mb']:.0f} MB; getrusage ru_maxrss "
        f"{out['maxrss_before_mb']:.0f} → {out['maxrss_after_mb']:.0f} MB"
    )
    assert out["code"] == "no_header"
    assert "Baris judul kolom tidak ditemukan" in out["message"]
    assert out["hwm_after_mb"] - out["hwm_before_mb"] < 50
    assert out["maxrss_after_mb"] - out["maxrss_before_mb"] < 50


# --- F1: hostile workbooks are refused within limits, and never take the process down ----------------------------

_BOMBS = """
import json, resource, sys, time
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a mistake here must not hurt the shared machine
import django
django.setup()
from sijaga.imports.reader import FileRefused, read_table


def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024


for path in sys.argv[2:]:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak RSS (VmHWM) to the current RSS
    before = status("VmRSS:")
    start = time.perf_counter()
    try:
        out = {"rows": read_table(path).frame.height, "code": None}
    except FileRefused as exc:
        out = {"code": exc.code, "message": exc.message}
    out |= {"seconds": time.perf_counter() - start, "rss_mb": before, "peak_mb": status("VmHWM:")}
    print(json.dumps(out), flush=True)
"""


def read_in_a_limited_process(*paths: Path) -> list[dict]:
    """`read_table` on each file in a fresh process capped at 3 GB of address space; its peak RSS per file."""
    done = subprocess.run(
        [sys.executable, "-c", _BOMBS, str(3 * 1024**3), *map(str, paths)],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sijaga.settings"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]  # the process survived every file
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(paths)
    for path, out in zip(paths, results, strict=True):
        print(
            f"\n{path.name} ({path.stat().st_size:,} B): {out['code']} in {out['seconds']:.2f} s, "
            f"RSS {out['rss_mb']:.0f} → peak {out['peak_mb']:.0f} MB"
        )
    return results


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="the peak RSS is reset through /proc/self/clear_refs"
)


@needs_proc
def test_f1_dimension_bomb_is_refused(tmp_path):
    """1.7 KB, one cell at XFD1048576: calamine would ask for 550 GB and abort the whole worker."""
    declared = files.far_cell_bomb(tmp_path / "bom-dimensi.xlsx")
    hidden = files.far_cell_bomb(tmp_path / "bom-tanpa-dimensi.xlsx", dimension=False)  # only the cell tells
    assert declared.stat().st_size < 2000
    for out in read_in_a_limited_process(declared, hidden):
        assert out["code"] == "too_many_columns"
        assert "kolom XFD" in out["message"] and "50 kolom" in out["message"] and "Data Peserta" in out["message"]
        assert out["peak_mb"] - out["rss_mb"] < 300

    # and in this very process: refused by the inspection, before any parser saw it
    def rss_kb() -> int:
        status = Path("/proc/self/status").read_text().splitlines()
        return int(next(ln for ln in status if ln.startswith("VmRSS:")).split()[1])

    before = rss_kb()
    assert refused(declared).code == refused(hidden).code == "too_many_columns"
    assert rss_kb() - before < 300 * 1024


@needs_proc
def test_f1_mid_size_bomb_is_refused(tmp_path):
    """Column 2000, row 200,000: 12.8 GB, which this machine could actually allocate (and then swap or OOM)."""
    bomb = files.far_cell_bomb(tmp_path / "bom-sedang.xlsx", row=200_000, column=2000)
    (out,) = read_in_a_limited_process(bomb)
    assert out["code"] == "too_many_columns" and "kolom BXX" in out["message"]
    assert out["peak_mb"] - out["rss_mb"] < 300


@needs_proc
def test_f1_shared_string_zip_bomb_is_refused(tmp_path):
    """2,000,000 identical rows of one shared string, no r= attributes: 2.4 MB on disk, 550 MB of XML."""
    bomb = files.shared_string_bomb(tmp_path / "bom-zip.xlsx")
    assert bomb.stat().st_size < 5 * 1024**2
    (out,) = read_in_a_limited_process(bomb)
    assert out["code"] == "compressed_bomb" and "tidak wajar" in out["message"]
    # refused from the archive's sizes, before the XML is expanded: bounded memory (no wall-clock limit here; time
    # depends on the machine's load — the reader's own timeout is tested separately)
    assert out["peak_mb"] - out["rss_mb"] < 300


@pytest.mark.parametrize("dimension", [True, False])
def test_f1_more_rows_than_excel_allows_is_refused(tmp_path, dimension):
    bomb = files.far_cell_bomb(tmp_path / "baris.xlsx", row=1_048_577, column=1, dimension=dimension)
    exc = refused(bomb)
    assert exc.code == "too_many_rows" and "1.048.576 baris" in exc.message and "1.048.577" in exc.message


def test_f1_rows_without_r_are_counted(tmp_path, monkeypatch):
    """The zip bomb's rows carry no number: they are counted, not trusted (the ratio check is lifted here)."""
    from sijaga.imports import reader

    monkeypatch.setattr(reader, "MAX_RATIO", 10**6)
    monkeypatch.setattr(reader, "MAX_ROWS", 1000)
    exc = refused(files.shared_string_bomb(tmp_path / "baris.xlsx", rows=5000))
    assert exc.code == "too_many_rows"


def test_f1_compression_ratio_limit(tmp_path, monkeypatch):
    from sijaga.imports import reader

    monkeypatch.setattr(reader, "RATIO_FROM_BYTES", 1024**2)
    exc = refused(files.shared_string_bomb(tmp_path / "rasio.xlsx", rows=100_000))
    assert exc.code == "compressed_bomb"
    # a real sheet compresses 10-20 times: the same limits let it through
    assert read_table(files.write_xlsx(tmp_path / "biasa.xlsx", table(3000))).frame.height == 3000


def test_f1_decompressed_size_limit(tmp_path, monkeypatch):
    from sijaga.imports import reader

    path = files.write_xlsx(tmp_path / "besar.xlsx", table(2000))
    monkeypatch.setattr(reader, "MAX_SHEET_XML_BYTES", 100_000)
    exc = refused(path)
    assert exc.code == "sheet_too_large" and "terlalu besar" in exc.message
    monkeypatch.setattr(reader, "MAX_XML_BYTES", 100_000)
    assert refused(path).code == "too_large"


def test_f1_bomb_within_the_limits_only_kills_the_sandbox(tmp_path, monkeypatch, caplog):
    """A grid inside every limit (AX1048576: 52 million cells) that still needs more memory than the child may
    have: the child dies, the caller gets a clear refusal, this process carries on untouched."""
    from sijaga.imports import sandbox

    monkeypatch.setattr(sandbox, "MEMORY_BYTES", 1024**3)
    bomb = files.far_cell_bomb(tmp_path / "dalam-batas.xlsx", row=1_048_576, column=50)
    exc = refused(bomb)
    assert exc.code == "unreadable"
    assert exc.message.startswith("Berkas terlalu besar atau rusak untuk dibaca")
    assert "sandboxed parse failed" in caplog.text
    assert read_table(files.write_xlsx(tmp_path / "sesudah.xlsx", table(2))).frame.height == 2  # still working


def test_f1_sandbox_wall_time_and_cpu_limits(monkeypatch):
    from sijaga.imports import sandbox

    monkeypatch.setattr(sandbox, "WALL_SECONDS", 2)
    with (
        sandbox.start("sijaga.imports.tests.files:sleep_in_sandbox") as child,
        pytest.raises(sandbox.ChildFailed, match="killed"),
        child.run({"seconds": 60}),
    ):
        pass
    monkeypatch.setattr(sandbox, "WALL_SECONDS", 60)
    monkeypatch.setattr(sandbox, "CPU_SECONDS", 1)
    with (
        sandbox.start("sijaga.imports.tests.files:spin_in_sandbox") as child,
        pytest.raises(sandbox.ChildFailed, match="signal"),
        child.run({"seconds": 60}),
    ):
        pass


def test_f1_sandbox_returns_results_and_refusals():
    from sijaga.imports import sandbox

    echo = "sijaga.imports.tests.files:echo_in_sandbox"
    with sandbox.start(echo) as child, child.run({"x": [1, "dua"]}) as out:
        assert out == {"x": [1, "dua"], "limited": True}
    with (
        sandbox.start(echo) as child,
        pytest.raises(sandbox.ChildRefused) as exc,
        child.run({"refuse": "no_header"}),
    ):
        pass
    assert exc.value.code == "no_header" and exc.value.message.startswith("Baris judul kolom")


def test_wide_sheet_reads_only_the_template_columns(tmp_path):
    """A sheet wider than the template (a note in column AX) is read through `use_columns`: same table."""
    rows = [[*HEADERS, "Keterangan"], *[line(i) for i in (1, 2, 3)]]
    path = files.write_xlsx(tmp_path / "lebar.xlsx", rows)
    wide = files.write_xlsx(tmp_path / "lebar-ax.xlsx", [*rows, [*[None] * 49, "catatan di AX"]])
    narrow_table, wide_table = read_table(path), read_table(wide)
    assert wide_table.frame.equals(narrow_table.frame)
    assert wide_table.notes == narrow_table.notes == ["Kolom yang tidak dikenal diabaikan: Keterangan."]
    assert wide_table.blank_rows == 1  # the row holding only the note


def test_f1_a_hostile_sheet_that_is_not_read_does_not_matter(tmp_path):
    path = tmp_path / "petunjuk.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Petunjuk").write_string(1_048_575, 16_383, "jauh")  # XFD1048576
    sheet = book.add_worksheet("Data Peserta")
    for r, row in enumerate(table(2)):
        sheet.write_row(r, 0, row)
    book.close()
    assert read_table(path).frame.height == 2
    exc = refused(path, sheet="Petunjuk")
    assert exc.code == "too_many_columns" and "Petunjuk" in exc.message


def test_f1_zip_with_two_parts_of_one_name_is_refused(tmp_path):
    path = files.write_xlsx(tmp_path / "ganda.xlsx", table(2))
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    assert refused(path).code == "corrupt"


def test_f1_columns_beyond_the_limit_pattern():
    import re

    from sijaga.imports.reader import _column_letters, _columns_beyond

    for limit in (1, 12, 26, 27, 50, 52, 77, 701):
        pattern = re.compile(_columns_beyond(limit))
        beyond = [n for n in range(1, 20_000) if pattern.fullmatch(_column_letters(n))]
        assert beyond == list(range(limit + 1, 20_000)), limit


def test_f1_csv_reads_only_the_template_columns(tmp_path):
    """A header line with 250,000 separators (F1's CSV cousin: 200 MB of them took 3.6 GB) costs nothing."""
    path = tmp_path / "lebar.csv"
    path.write_text(
        ",".join(HEADERS) + "," * 250_000 + "\n" + "\n".join(",".join(line(i)) + "," * 250_000 for i in (1, 2)) + "\n",
        encoding="utf-8",
    )
    t = read_table(path)
    assert t.frame.get_column("nik").to_list() == [values(1)["nik"], values(2)["nik"]]
    assert set(t.frame.columns) == {ROW, NIK_NUMERIC, *KEYS}


def test_f1_csv_with_more_rows_than_the_limit_is_refused(tmp_path, monkeypatch):
    from sijaga.imports import reader

    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    assert read_table(files.write_csv(tmp_path / "lima.csv", table(5))).frame.height == 5
    exc = refused(files.write_csv(tmp_path / "enam.csv", table(6)))
    assert exc.code == "too_many_rows" and "lebih dari 5 baris" in exc.message


def test_f2_nul_never_reaches_the_nik_lookup_or_the_notes(tmp_path):
    """The NIK column is looked up in PostgreSQL before validation, and notes are stored: no NUL in either."""
    rows = [[*HEADERS, "Ket\x00"], [*line(1, nik=NIK[:4] + "\x00" + NIK[5:]), "x"]]
    t = read_table(files.write_xlsx(tmp_path / "nul.xlsx", rows))
    assert t.frame.get_column("nik").to_list() == [NIK[:4] + "\ufffd" + NIK[5:]]
    assert t.notes == ["Kolom yang tidak dikenal diabaikan: Ket\ufffd."]
    assert FileRefused("x", "a\x00b").message == "a\ufffdb"


# --- F24: UTF-16 ("Unicode Text") ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_f24_utf16_csv_with_bom_is_read(tmp_path, encoding):
    """Excel's "Unicode Text": UTF-16 with a BOM, tab-separated."""
    rows = [HEADERS, line(1, full_name="Désirée Ñúñez “Siti”"), line(2)]
    bom = "\ufeff".encode(encoding)
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + files.write_csv(tmp_path / "u8.csv", rows, sep="\t").read_text().encode(encoding))
    t = read_table(path)
    assert t.kind == "csv"
    assert t.frame.get_column("full_name").to_list() == ["Désirée Ñúñez “Siti”", "Siti Aminah 2"]
    assert t.frame.get_column("nik").to_list() == [values(1)["nik"], values(2)["nik"]]
    assert t.frame.get_column(ROW).to_list() == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32"])
def test_f24_utf16_without_bom_asks_for_csv_utf8(tmp_path, encoding):
    path = tmp_path / "tanpa-bom.csv"
    text = files.write_csv(tmp_path / "u8.csv", table(2), sep="\t").read_text()
    path.write_bytes(text.encode(encoding))  # "utf-32" writes a BOM, and is refused all the same
    exc = refused(path)
    assert exc.code == "encoding" and "CSV UTF-8" in exc.message


def test_binary_with_nul_bytes_is_still_binary(tmp_path):
    assert refused(files.random_binary(tmp_path / "acak.csv")).code == "binary"


def test_messages_from_the_sandbox_follow_the_active_language(tmp_path):
    from django.utils import translation

    rows = [["NIK", "Nama", "Tanggal Lahir"], [NIK, "Siti", "04/12/1995"]]
    path = files.write_xlsx(tmp_path / "p.xlsx", rows)
    with translation.override("en"):
        exc = refused(path)
    assert exc.code == "missing_columns" and not exc.message.startswith("Kolom wajib")
