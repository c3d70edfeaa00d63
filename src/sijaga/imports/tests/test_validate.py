"""`validate` on all-text frames as `read_table` produces them: every rule, every rejection explained in Indonesian
with its row, column and original value, and `read == valid rows + rejected rows` always."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sijaga.conftest import make_nik
from sijaga.enrollment import importing as validate_module
from sijaga.enrollment.importing import validate
from sijaga.imports.columns import COLUMNS
from sijaga.imports.kinds import Validated
from sijaga.imports.reader import NIK_NUMERIC, ROW, read_table
from sijaga.imports.tests import files
from sijaga.imports.tests.files import HEADERS, KEYS, NIK, TODAY, VILLAGE, Formula, line, values
from sijaga.registry.nik import parse_nik

pytestmark = pytest.mark.django_db

HEADER_OF = {c.key: c.header for c in COLUMNS}
SCHEMA = {ROW: pl.Int64, NIK_NUMERIC: pl.Boolean, **{k: pl.String for k in KEYS}}


@pytest.fixture(scope="module")
def villages(django_db_setup, django_db_blocker):
    from sijaga.regions.models import Region

    with django_db_blocker.unblock():
        codes = pl.Series(list(Region.objects.filter(level=4).values_list("code", flat=True)), dtype=pl.String)
    assert VILLAGE in codes.to_list()
    return codes


def frame(*rows: dict, numeric: list[bool] | None = None, first_row: int = 2) -> pl.DataFrame:
    """The all-text frame `read_table` hands over: `ROW`, `NIK_NUMERIC` and one String column per key."""
    data: dict[str, list] = {
        ROW: list(range(first_row, first_row + len(rows))),
        NIK_NUMERIC: numeric or [False] * len(rows),
    }
    for k in KEYS:
        data[k] = [None if r.get(k) is None else str(r[k]) for r in rows]
    return pl.DataFrame(data, schema=SCHEMA)


def assert_consistent(out: Validated, f: pl.DataFrame) -> None:
    """The contract of every result: counts add up, and each rejection names row, column, value and reason."""
    assert out.read == f.height == out.valid.height + out.rejected_rows
    valid_rows = set(out.valid.get_column(ROW).to_list())
    rejected_rows = set(out.rejections.get_column(ROW).to_list())
    assert not valid_rows & rejected_rows
    assert valid_rows | rejected_rows == set(f.get_column(ROW).to_list())
    assert out.rejections.columns == [ROW, "key", "column", "value", "reason"]
    if out.rejections.height == 0:
        return
    assert out.rejections.get_column(ROW).null_count() == 0
    assert set(out.rejections.get_column("column").to_list()) <= set(HEADERS)
    assert out.rejections.get_column("reason").null_count() == 0
    assert out.rejections.get_column("reason").str.len_chars().min() > 5
    # `value` is the original cell text of that row and column (null when the cell was empty)
    originals = f.unpivot(index=ROW, on=KEYS, variable_name="key", value_name="original")
    joined = out.rejections.join(originals, on=[ROW, "key"], how="left")
    assert joined.height == out.rejections.height
    assert joined.filter(~pl.col("value").eq_missing(pl.col("original"))).height == 0


def check(villages, *rows: dict, existing: pl.DataFrame | None = None, **kwargs) -> Validated:
    f = frame(*rows, **kwargs)
    out = validate(f, villages=villages, today=TODAY, existing=existing)
    assert_consistent(out, f)
    return out


def reasons(out: Validated, row: int = 2) -> list[tuple[str, str]]:
    """(column header, reason) of one row's rejections."""
    return out.rejections.filter(pl.col(ROW) == row).select("column", "reason").rows()


def only(out: Validated, row: int = 2) -> tuple[str, str, str | None]:
    """The single rejection of a row: (column, reason, value)."""
    lines = out.rejections.filter(pl.col(ROW) == row).select("column", "reason", "value").rows()
    assert len(lines) == 1, lines
    return lines[0]


# --- the valid row ------------------------------------------------------------------------------------------------


def test_a_valid_row_is_typed_and_normalised(villages):
    out = check(villages, values(1, full_name="  Siti   Aminah ", phone="0812-3456-7890"))
    assert out.rejections.height == 0
    row = out.valid.row(0, named=True)
    assert row[ROW] == 2
    assert (row["nik"], row["full_name"], row["birth_date"], row["gender"]) == (
        NIK,
        "Siti Aminah",
        dt.date(1995, 12, 4),
        "P",
    )
    assert (row["domicile_id"], row["phone"], row["category"], row["segment"]) == (
        VILLAGE,
        "081234567890",
        "non_asn",
        "pu",
    )
    assert (row["jkk"], row["jkm"], row["jht"], row["jp"], row["jkp"]) == (True, True, True, False, False)
    assert (row["wage"], row["start_date"]) == (3_500_000, dt.date(2026, 1, 1))


def test_optional_columns_may_be_absent(villages):
    f = frame(values(1)).drop("birth_date", "gender", "phone", "occupation")
    out = validate(f, villages=villages, today=TODAY)
    assert out.valid.height == 1 and out.rejections.height == 0
    assert out.valid.row(0, named=True)["gender"] == "P"


# --- NIK ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "reason"),
    [
        ("647105441295001", "NIK harus 16 digit angka; yang diisi 15 digit."),
        ("64710544129500011", "NIK harus 16 digit angka; yang diisi 17 digit."),
        ("64710544129500AB", "NIK hanya boleh berisi angka 0–9; ditemukan karakter 'A'."),
        ("6471 0544 1295 0001", "NIK tidak boleh berisi spasi di antara angkanya."),
        ("6471057212950001", "Tanggal lahir dalam NIK (721295, DDMMYY) bukan tanggal yang sah."),
        ("9971054412950001", "Kode provinsi 99 dalam NIK tidak dikenal."),
        ("6471054412950000", "Nomor urut dalam NIK tidak boleh 0000."),
    ],
)
def test_nik_engine_errors(villages, nik, reason):
    out = check(villages, values(1, nik=nik))
    assert only(out) == ("NIK", reason, nik)
    assert out.valid.height == 0


@pytest.mark.parametrize("text", ["6.47105E+15", "6,47105E+15", "6.471054413E+15"])
def test_nik_in_scientific_notation(villages, text):
    column, reason, value = only(check(villages, values(1, nik=text)))
    assert (column, value) == ("NIK", text)
    assert "notasi ilmiah" in reason and text in reason and "Teks" in reason


@pytest.mark.parametrize(
    ("nik", "numeric", "ok"),
    [
        (NIK, True, True),  # a number, but all 16 digits survived
        (make_nik("64.71.05", dt.date(1995, 12, 4), "P", 10), True, False),  # ends in 0: maybe rounded
        (make_nik("64.71.05", dt.date(1995, 12, 4), "P", 10), False, True),  # text: nothing was lost
        ("9171054412950002", True, False),  # above 2**53: a double cannot hold every such integer
    ],
)
def test_numeric_nik_that_may_have_lost_its_last_digit(villages, nik, numeric, ok):
    out = check(villages, values(1, nik=nik, birth_date=None), numeric=[numeric])
    assert out.valid.height == int(ok)
    if not ok:
        column, reason, value = only(out)
        assert (column, value) == ("NIK", nik)
        assert "digit terakhirnya bisa hilang" in reason


def test_birth_date_and_gender_must_match_the_nik(villages):
    out = check(
        villages,
        values(1, birth_date="05/12/1995"),
        values(2, gender="L"),
        values(3, gender="Laki-laki", birth_date="1995-12-01"),
    )
    assert reasons(out, 2) == [("Tanggal Lahir", "Tanggal lahir tidak sama dengan tanggal lahir di NIK (04/12/1995).")]
    assert reasons(out, 3) == [("Jenis Kelamin", "Jenis kelamin tidak sesuai NIK (NIK menunjukkan perempuan).")]
    assert [c for c, _r in reasons(out, 4)] == ["Tanggal Lahir", "Jenis Kelamin"]
    assert out.rejected_rows == 3


def test_empty_birth_date_and_gender_are_taken_from_the_nik(villages):
    male = make_nik("64.71.05", dt.date(1980, 7, 9), "L", 7)
    out = check(villages, values(1, birth_date=None, gender=None), values(2, nik=male, birth_date="", gender=""))
    assert out.rejections.height == 0
    assert out.valid.select("birth_date", "gender").rows() == [(dt.date(1995, 12, 4), "P"), (dt.date(1980, 7, 9), "L")]


@pytest.mark.parametrize("gender", ["P", "p", "Perempuan", "WANITA", "pr", "P."])
def test_gender_words(villages, gender):
    assert check(villages, values(1, gender=gender)).valid.height == 1


def test_gender_unknown_word(villages):
    assert only(check(villages, values(1, gender="X"))) == ("Jenis Kelamin", "Jenis kelamin harus L atau P.", "X")


# --- duplicates and existing workers ------------------------------------------------------------------------------


def test_duplicates_inside_the_file_cite_the_first_row(villages):
    out = check(villages, values(1), values(2), values(1, full_name="Lagi"), values(1, full_name="Sekali lagi"))
    assert out.valid.get_column(ROW).to_list() == [2, 3]
    for row in (4, 5):
        assert only(out, row) == ("NIK", "NIK sama dengan baris 2; hanya baris pertama yang diproses.", NIK)


def test_existing_worker_in_another_region_is_rejected(villages):
    hidden_nik, visible_nik = values(1)["nik"], values(2)["nik"]
    existing = pl.DataFrame(
        {"nik": [hidden_nik, visible_nik, visible_nik], "visible": [False, True, True]},  # duplicated line too
        schema={"nik": pl.String, "visible": pl.Boolean},
    )
    out = check(villages, values(1), values(2), values(3), existing=existing)
    assert out.valid.get_column(ROW).to_list() == [3, 4]
    column, reason, value = only(out, 2)
    assert (column, value) == ("NIK", hidden_nik) and "wilayah lain" in reason


# --- region, required fields, category, segment ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["64.71.05.1002", "6471051002", " 64.71.05.1002 ", "64 71 05 1002", "6471051002.0"])
def test_village_code_plain_or_dotted(villages, code):
    out = check(villages, values(1, domicile=code))
    assert out.valid.get_column("domicile_id").to_list() == [VILLAGE]


def test_unknown_or_district_level_region_code(villages):
    out = check(villages, values(1, domicile="64.71.05.9999"), values(2, domicile="64.71.05"), values(3, domicile="x"))
    assert only(out, 2) == (
        "Kode Desa Domisili",
        "Kode desa/kelurahan 64.71.05.9999 tidak ada di data wilayah Kemendagri 2025.",
        "64.71.05.9999",
    )
    column, reason, value = only(out, 3)
    assert (column, value) == ("Kode Desa Domisili", "64.71.05")
    assert "kode kecamatan" in reason and "10 digit" in reason
    assert only(out, 4)[0] == "Kode Desa Domisili"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("nik", "NIK kosong."),
        ("full_name", "Nama wajib diisi."),
        ("domicile", "Kode desa domisili wajib diisi."),
        ("category", "Kategori wajib diisi."),
        ("segment", "Segmen wajib diisi (PU, BPU atau JAKON)."),
        ("programmes", "Program wajib diisi, minimal JKK+JKM."),
        ("wage", "Upah/penghasilan wajib diisi."),
        ("start_date", "Tanggal mulai wajib diisi."),
    ],
)
def test_required_fields(villages, key, reason):
    out = check(villages, values(1, **{key: None}))
    assert only(out) == (HEADER_OF[key], reason, None)


def test_name_must_contain_letters_and_fit(villages):
    out = check(villages, values(1, full_name="12345"), values(2, full_name="A" * 151))
    assert only(out, 2) == ("Nama Lengkap", "Nama harus berisi huruf.", "12345")
    assert only(out, 3)[1] == "Nama lebih dari 150 karakter."


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("non_asn", "non_asn"),
        ("Pegawai non-ASN", "non_asn"),
        ("NON ASN", "non_asn"),
        ("Honorer", "non_asn"),
        ("perangkat desa", "perangkat_desa"),
        ("Ketua RT/RW", "rt_rw"),
        ("RT", "rt_rw"),
        ("KPPS", "penyelenggara_pemilu"),
        ("Penyelenggara  Pemilu", "penyelenggara_pemilu"),
        ("Pekerja Rentan", "pekerja_rentan"),
        ("informal", "pekerja_rentan"),
        ("FORMAL_LAIN", "formal_lain"),
    ],
)
def test_category_by_code_label_or_word(villages, text, category):
    out = check(villages, values(1, category=text, occupation="Pedagang"))
    assert out.valid.get_column("category").to_list() == [category]


def test_unknown_category_and_vulnerable_worker_without_occupation(villages):
    out = check(villages, values(1, category="Guru"), values(2, category="pekerja rentan", occupation=None))
    assert only(out, 2) == ("Kategori", "Kategori “Guru” tidak dikenal; pilih dari daftar di templat.", "Guru")
    column, reason, value = only(out, 3)
    assert (column, value) == ("Pekerjaan", None) and reason.startswith("Pekerja rentan wajib")


@pytest.mark.parametrize(
    ("text", "segment", "programmes"),
    [
        ("PU", "pu", "JKK+JKM+JHT+JP+JKP"),
        ("Penerima Upah", "pu", "JKK+JKM"),
        ("ppu", "pu", "JKK+JKM"),
        ("BPU", "bpu", "JKK+JKM+JHT"),
        ("Bukan  Penerima Upah", "bpu", "JKK+JKM"),
        ("jakon", "jakon", "JKK+JKM"),
        ("Jasa Konstruksi", "jakon", "JKK+JKM"),
    ],
)
def test_segment_words(villages, text, segment, programmes):
    out = check(villages, values(1, segment=text, programmes=programmes))
    assert out.valid.get_column("segment").to_list() == [segment]


def test_unknown_segment(villages):
    out = check(villages, values(1, segment="Mandiri"))
    assert only(out) == ("Segmen", "Segmen “Mandiri” tidak dikenal; isi PU, BPU atau JAKON.", "Mandiri")


# --- programmes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "JKK+JKM+JHT",
        "jkk, jkm, jht",
        "JKK;JKM;JHT",
        "JKK/JKM/JHT",
        "JKK JKM JHT",
        " JKK + JKM +JHT ",
        "JKK dan JKM dan JHT",
    ],
)
def test_programme_separators(villages, text):
    out = check(villages, values(1, programmes=text))
    assert out.valid.select("jkk", "jkm", "jht", "jp", "jkp").rows() == [(True, True, True, False, False)]


@pytest.mark.parametrize(
    ("segment", "programmes", "reason"),
    [
        ("PU", "JKK", "JKK dan JKM wajib diikuti sejak pendaftaran pertama."),
        ("PU", "JHT+JP", "JKK dan JKM wajib diikuti sejak pendaftaran pertama."),
        ("BPU", "JKK+JKM+JP", "JP hanya untuk peserta penerima upah (PU); segmen BPU tidak dapat memilih JP."),
        ("BPU", "JKK+JKM+JHT+JKP", "JKP hanya untuk peserta penerima upah (PU) (PP 37/2021)."),
        ("JAKON", "JKK+JKM+JHT", "Segmen jasa konstruksi hanya JKK dan JKM."),
        ("PU", "JKK+JKM+JKP", "JKP mensyaratkan kepesertaan JKK, JKM dan JHT (PP 37/2021 pasal 4)."),
        ("PU", "JKK+JKM+BPJS", "Program tidak dikenal: BPJS."),
    ],
)
def test_programme_rules(villages, segment, programmes, reason):
    column, got, value = only(check(villages, values(1, segment=segment, programmes=programmes)))
    assert (column, got, value) == ("Program", reason, programmes)


def test_jakon_with_jkp_reports_both_rules(villages):
    out = check(villages, values(1, segment="JAKON", programmes="JKK+JKM+JKP+JP"))
    assert [r for _c, r in reasons(out)] == [
        "JKP hanya untuk peserta penerima upah (PU) (PP 37/2021).",
        "Segmen jasa konstruksi hanya JKK dan JKM.",
    ]
    assert out.rejected_rows == 1


# --- wage ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wage"),
    [
        ("Rp 3.500.000", 3_500_000),
        ("Rp3.500.000", 3_500_000),
        ("Rp. 3.500.000,00", 3_500_000),
        ("3.500.000,-", 3_500_000),
        ("3500000", 3_500_000),
        ("3,500,000", 3_500_000),
        ("3,500,000.00", 3_500_000),
        ("IDR 2,750,000", 2_750_000),
        ("3500000.0", 3_500_000),  # an Excel number read as text
        ("3 500 000", 3_500_000),
        ("3\u00a0500\u00a0000", 3_500_000),
        ("750.000", 750_000),
        ("1.500", 1_500),  # one group of thousands is thousands, not cents
        ("1,500", 1_500),
        ("1000000000", 1_000_000_000),
    ],
)
def test_wage_formats(villages, text, wage):
    out = check(villages, values(1, wage=text))
    assert out.valid.get_column("wage").to_list() == [wage]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3500000.50", "Rupiah tidak memakai sen; isi bilangan bulat."),
        ("3500000,5", "Rupiah tidak memakai sen; isi bilangan bulat."),
        ("3.500.000,75", "Rupiah tidak memakai sen; isi bilangan bulat."),
        ("3,500,000.25", "Rupiah tidak memakai sen; isi bilangan bulat."),
        ("0", "Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar."),
        ("Rp 0", "Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar."),
        ("-3500000", "Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar."),
        ("-3.500.000", "Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar."),
        ("1000000001", "Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar."),
        ("100000000000000000000", "Upah/penghasilan harus lebih dari Rp0 dan paling banyak Rp1 miliar."),
        ("tiga juta", "Upah “tiga juta” bukan jumlah Rupiah yang dikenali, mis. 3.500.000."),
        ("3,5 juta", "Upah “3,5 juta” bukan jumlah Rupiah yang dikenali, mis. 3.500.000."),
        ("3.5E+06", "Upah “3.5E+06” bukan jumlah Rupiah yang dikenali, mis. 3.500.000."),
        ("3.50.000", "Upah “3.50.000” bukan jumlah Rupiah yang dikenali, mis. 3.500.000."),
    ],
)
def test_wage_rejections(villages, text, reason):
    assert only(check(villages, values(1, wage=text))) == ("Upah/Penghasilan", reason, text)


# --- dates --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "01/01/2026",
        "1/1/2026",
        "01-01-2026",
        "01.01.2026",
        "2026-01-01",
        "2026/01/01",
        "2026-01-01 00:00:00",
        "2026-01-01 08:30:00",
        "01/01/2026 08:30",
        "46023",
        "46023.0",
    ],
)
def test_start_date_formats(villages, text):
    out = check(villages, values(1, start_date=text))
    assert out.valid.get_column("start_date").to_list() == [dt.date(2026, 1, 1)]


@pytest.mark.parametrize(
    "text",
    ["04/12/1995", "4/12/1995", "04-12-1995", "1995-12-04", "1995-12-04 00:00:00", "1995-12-04T00:00:00", "35037"],
)
def test_birth_date_formats(villages, text):
    out = check(villages, values(1, birth_date=text))
    assert out.valid.get_column("birth_date").to_list() == [dt.date(1995, 12, 4)]


@pytest.mark.parametrize(
    ("key", "text", "reason"),
    [
        ("start_date", "31/02/2026", "Tanggal mulai tidak dikenali; gunakan format dd/mm/yyyy."),
        ("start_date", "01/01/26", "Tanggal mulai tidak dikenali; gunakan format dd/mm/yyyy."),
        ("start_date", "besok", "Tanggal mulai tidak dikenali; gunakan format dd/mm/yyyy."),
        ("start_date", "13/13/2026", "Tanggal mulai tidak dikenali; gunakan format dd/mm/yyyy."),
        ("start_date", "17/01/2027", "Tanggal mulai lebih dari setahun ke depan."),
        ("start_date", "01/01/1990", "Tanggal mulai sebelum tanggal lahir."),
        ("birth_date", "04/12/95", "Tanggal lahir tidak dikenali; gunakan format dd/mm/yyyy."),
        ("birth_date", "kemarin", "Tanggal lahir tidak dikenali; gunakan format dd/mm/yyyy."),
    ],
)
def test_date_rejections(villages, key, text, reason):
    assert only(check(villages, values(1, **{key: text}))) == (HEADER_OF[key], reason, text)


def test_start_date_up_to_a_year_ahead_is_fine(villages):
    ahead = (TODAY + dt.timedelta(days=366)).strftime("%d/%m/%Y")
    assert check(villages, values(1, start_date=ahead)).valid.height == 1


# --- free text: length, phone, control characters (F20, F25, F2) --------------------------------------------------


def test_f20_long_occupation_is_rejected_not_truncated(villages):
    occupation = "Pengelola " * 18 + "arsip"  # 185 characters
    out = check(villages, values(1, occupation=occupation), values(2, occupation="P" * 100))
    assert only(out) == (
        "Pekerjaan",
        "Pekerjaan lebih dari 100 karakter (yang diisi 185 karakter); singkat isinya.",
        occupation,
    )
    assert out.valid.get_column("occupation").to_list() == ["P" * 100]  # 100 fits, whole


def test_long_name_is_rejected_not_truncated(villages):
    out = check(villages, values(1, full_name="Siti " + "A" * 146), values(2, full_name="Siti " + "A" * 145))
    assert only(out)[:2] == ("Nama Lengkap", "Nama lebih dari 150 karakter.")
    assert out.valid.get_column("full_name").to_list() == ["Siti " + "A" * 145]


def test_f20_phone_with_an_extension_is_rejected_not_mangled(villages):
    phone = "+62 812-3456-7890 ext 12345678901234"
    column, reason, value = only(check(villages, values(1, phone=phone)))
    assert (column, value) == ("No HP", phone)
    assert reason.startswith("Nomor HP hanya boleh berisi angka") and "'e'" in reason


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("081234567890", "081234567890"),
        ("0812-3456-7890", "081234567890"),
        ("+62 812 3456 7890", "081234567890"),
        ("6281234567890", "081234567890"),
        ("(0812) 3456.7890", "081234567890"),
        ("-", ""),
        (None, ""),
    ],
)
def test_f25_phone_is_stored_in_one_canonical_form(villages, phone, stored):
    out = check(villages, values(1, phone=phone))
    assert out.valid.get_column("phone").to_list() == [stored]


@pytest.mark.parametrize(
    ("phone", "fragment"),
    [
        ("=1+1", "'='"),
        ("+62=1+1", "'='"),
        ("<b>1</b>", "'<'"),
        ("@1", "'@'"),
        ("0812", "yang diisi 3 digit"),
        ("81234567890", "diawali 0, 62 atau +62"),
        ("021-5551234", "seluler"),
    ],
)
def test_f25_phone_rule_rejects_the_row_with_a_reason(villages, phone, fragment):
    out = check(villages, values(1, phone=phone), values(2))
    column, reason, value = only(out)
    assert (column, value) == ("No HP", phone)
    assert fragment in reason
    assert out.valid.get_column(ROW).to_list() == [3]


@pytest.mark.parametrize("key", [k for k in KEYS if k != "nik"])
def test_f2_nul_in_any_text_cell_rejects_only_that_row(villages, key):
    """PostgreSQL's COPY refuses NUL: the row is rejected with a reason naming the column; the others go on."""
    bad = {key: f"{values(1)[key]}\x00x"}
    out = check(villages, values(1, **bad), values(2))
    column, reason, value = only(out)
    assert (column, value) == (HEADER_OF[key], bad[key])
    assert reason == (
        f"{HEADER_OF[key]} berisi karakter kontrol yang tidak sah (U+0000); hapus karakter itu atau ketik ulang isinya."
    )
    assert out.valid.get_column(ROW).to_list() == [3]


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x0e", "\x1a", "\x1b", "\x1f", "\x7f"])
def test_f2_other_control_characters_are_rejected(villages, char):
    out = check(villages, values(1, full_name=f"Siti{char}Aminah", occupation=f"Petani{char}"))
    assert [c for c, _r in reasons(out)] == ["Nama Lengkap", "Pekerjaan"]
    assert all(f"(U+{ord(char):04X})" in r for _c, r in reasons(out))


def test_tabs_and_line_breaks_are_not_control_garbage(villages):
    out = check(villages, values(1, full_name="Siti\tAminah\nPutri", occupation="Guru\r\nhonorer"))
    assert out.rejections.height == 0
    assert out.valid.select("full_name", "occupation").row(0) == ("Siti Aminah Putri", "Guru\r\nhonorer")


def test_nul_in_the_nik_is_rejected_by_the_nik_engine(villages):
    out = check(villages, values(1, nik=NIK[:8] + "\x00" + NIK[9:]), values(2))
    column, reason, _value = only(out)
    assert column == "NIK" and "hanya boleh berisi angka" in reason
    assert out.valid.get_column(ROW).to_list() == [3]


def test_f2_nul_written_by_excel_as_x0000_end_to_end(villages, tmp_path):
    """xlsxwriter (like Excel) stores NUL as `_x0000_`; calamine turns it back into NUL."""
    rows = [HEADERS, line(1, full_name="Nul\x00Byte Siti"), line(2)]
    path = files.write_xlsx(tmp_path / "nul.xlsx", rows)
    t = read_table(path)
    out = validate(t.frame, villages=villages, today=TODAY)
    assert_consistent(out, t.frame)
    column, reason, value = only(out)
    assert (column, value) == ("Nama Lengkap", "Nul\x00Byte Siti")
    assert "karakter kontrol yang tidak sah (U+0000)" in reason
    assert out.valid.get_column(ROW).to_list() == [3]
    assert not out.valid.select(pl.any_horizontal(pl.col(pl.String).str.contains("\x00"))).to_series().any()


# --- several problems, row numbers ----------------------------------------------------------------------------------


def test_one_row_many_problems_counts_once(villages):
    out = check(
        villages,
        values(1),
        values(2, full_name=None, domicile="1", category="?", segment="?", wage="x", start_date="x"),
        first_row=10,
    )
    assert out.valid.get_column(ROW).to_list() == [10]
    assert [c for c, _r in reasons(out, 11)] == [
        "Nama Lengkap",
        "Kode Desa Domisili",
        "Kategori",
        "Segmen",
        "Upah/Penghasilan",
        "Tanggal Mulai",
    ]
    assert out.rejected_rows == 1


# --- from the file to the verdict -----------------------------------------------------------------------------------


def test_xlsx_with_excel_habits_end_to_end(villages, tmp_path):
    nik10 = values(10)["nik"]
    nik20 = values(20)["nik"]
    rows = [
        ["Daftar peserta — Kota Balikpapan"],
        HEADERS,
        line(1, nik=int(values(1)["nik"])),  # row 3: number, 16 digits intact → valid
        line(10, nik=int(nik10)),  # row 4: number ending in 0 → rejected
        line(20, nik=nik20),  # row 5: text ending in 0 → valid
        line(2, nik=9171054412950002, birth_date=None),  # row 6: number above 2**53 → rejected
        line(3, nik=f"'{values(3)['nik']}", wage="Rp\u00a03.500.000"),  # row 7: apostrophe, NBSP → valid
        line(4, birth_date=files.BIRTH + dt.timedelta(days=3), start_date=46023, wage=3500000),  # row 8 → valid
        line(5, wage=3500000.5),  # row 9: cents → rejected
        [],  # row 10
        line(6, birth_date=dt.datetime(2001, 1, 1), wage=Formula("=3000000+500000", 3500000)),  # row 11 → rejected
    ]
    t = read_table(files.write_xlsx(tmp_path / "peserta.xlsx", rows))
    assert t.blank_rows == 1
    out = validate(t.frame, villages=villages, today=TODAY)
    assert_consistent(out, t.frame)
    assert out.valid.get_column(ROW).to_list() == [3, 5, 7, 8]
    assert out.valid.filter(pl.col(ROW) == 8).select("birth_date", "start_date", "wage").row(0) == (
        dt.date(1995, 12, 7),
        dt.date(2026, 1, 1),
        3_500_000,
    )
    assert "digit terakhirnya bisa hilang" in only(out, 4)[1] and only(out, 4)[2] == nik10
    assert "digit terakhirnya bisa hilang" in only(out, 6)[1]
    assert only(out, 9) == ("Upah/Penghasilan", "Rupiah tidak memakai sen; isi bilangan bulat.", "3500000.5")
    assert only(out, 11)[:2] == ("Tanggal Lahir", "Tanggal lahir tidak sama dengan tanggal lahir di NIK (09/12/1995).")
    assert any("rumus" in n for n in t.notes)


def test_csv_with_scientific_nik_end_to_end(villages, tmp_path):
    rows = [["Rekap"], [], HEADERS, line(1), line(2, nik="6.47105E+15"), line(3, wage="Rp 3.500.000")]
    t = read_table(files.write_csv(tmp_path / "p.csv", rows, sep=";", encoding="cp1252"))
    out = validate(t.frame, villages=villages, today=TODAY)
    assert_consistent(out, t.frame)
    assert out.valid.get_column(ROW).to_list() == [4, 6]
    column, reason, value = only(out, 5)
    assert (column, value) == ("NIK", "6.47105E+15") and "notasi ilmiah" in reason


@pytest.mark.slow
def test_a_million_identical_rows(villages, tmp_path):
    n = 1_000_000
    path = files.write_identical_rows(tmp_path / "sejuta.csv", n)
    started = time.perf_counter()
    t = read_table(path)
    read_seconds = time.perf_counter() - started
    out = validate(t.frame, villages=villages, today=TODAY)
    total = time.perf_counter() - started
    print(f"\n1M identical rows: read {read_seconds:.2f} s, read + validate {total:.2f} s")
    assert out.read == n
    assert out.valid.height == 1 and out.valid.get_column(ROW).to_list() == [2]
    assert out.rejected_rows == n - 1 == out.rejections.height
    assert out.rejections.get_column("reason").unique().to_list() == [
        "NIK sama dengan baris 2; hanya baris pertama yang diproses."
    ]
    assert out.rejections.get_column(ROW).max() == n + 1


# --- the invariant over random messy frames ------------------------------------------------------------------------

_MESSY: dict[str, list[str | None]] = {
    "nik": [
        NIK,
        values(2)["nik"],
        f"'{NIK}",
        f" {NIK}\u00a0",
        "6.47105E+15",
        "6471 0544 1295 0001",
        "123",
        "",
        "6471057212950001",
        "9971054412950001",
        "ABCDEFGHIJKLMNOP",
        "6471054412950010",
    ],
    "full_name": ["Siti", " Budi  Santoso ", "123", "", "O'Neil", "Désirée", "A" * 200],
    "birth_date": ["04/12/1995", "1995-12-04", "35037", "31/02/1995", "04/12/95", "x", "", "1995-12-04 00:00:00"],
    "gender": ["L", "P", "p", "Laki-laki", "X", "", "perempuan"],
    "domicile": [VILLAGE, "6471051002", "64.71.05", "99.99.99.9999", "", "x"],
    "phone": ["081234567890", "+62 812-1", "", "abc"],  # "0812" was accepted before the phone rule (F25)
    "category": ["Pegawai non-ASN", "honorer", "pekerja rentan", "x", "", "RT"],
    "occupation": ["Petani", "", None],
    "segment": ["PU", "bpu", "JAKON", "x", ""],
    "programmes": ["JKK+JKM", "JKK+JKM+JHT+JP+JKP", "JKK", "jkk/jkm/jkp", "JKK+JKM+X", "", "+++", "JKK dan JKM"],
    "wage": [
        "3500000",
        "Rp 3.500.000",
        "3,500,000",
        "3500000.5",
        "0",
        "-1",
        "9" * 25,
        "tiga juta",
        "",
        "1.500",
        "3.500.000,-",
    ],
    "start_date": ["01/01/2026", "46023", "2026-01-01", "01/01/2030", "01/01/1900", "", "x", "01/01/26"],
}


def _cell(key: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(_MESSY[key]), st.text(max_size=12))


def test_nik_messages_match_the_scalar_engine(villages):
    """The import renders NIK messages column-wise; they must read exactly as `parse_nik` words them."""
    niks = [
        "",
        "123",
        "6471 0544 1295 0001",
        "64710544129500A1",
        "6471054412950'01",
        "647105441295\\001",
        "6471054412950\x0101",
        "647105441295000é",
        "6.47105E+15",
        "9971054412950001",
        "6400054412950001",
        "6471004412950001",
        "6471057212950001",
        "6471053102950001",
        "6471054412950000",
        "64710544129500011",
    ]
    out = check(villages, *[values(i, nik=n, birth_date=None, gender=None) for i, n in enumerate(niks, start=1)])
    got = dict(out.rejections.filter(pl.col("key") == "nik").select(ROW, "reason").iter_rows())
    expected = {row: parse_nik(n, today=TODAY).errors[0].message for row, n in enumerate(niks, start=2)}
    assert got == expected


def test_parsing_distinct_values_gives_the_same_result(villages, monkeypatch):
    """Large files parse each distinct value once and join back; the result must not depend on that."""
    rows = [
        {k: _MESSY[k][(i * (j + 1)) % len(_MESSY[k])] for j, k in enumerate(KEYS)} | {"nik": NIK if i % 7 else None}
        for i in range(60)
    ]
    f = frame(*rows, numeric=[i % 5 == 0 for i in range(60)])
    direct = validate(f, villages=villages, today=TODAY)
    monkeypatch.setattr(validate_module, "PARSE_DISTINCT_FROM", 0)
    distinct = validate(f, villages=villages, today=TODAY)
    assert_consistent(distinct, f)
    assert direct.rejections.height > 60 and direct.valid.height >= 1
    assert direct.rejections.equals(distinct.rejections)
    assert direct.valid.equals(distinct.valid)


@st.composite
def messy_frames(draw) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    n = draw(st.integers(1, 12))
    rows = [{k: draw(_cell(k)) for k in KEYS} for _ in range(n)]
    f = frame(*rows, numeric=draw(st.lists(st.booleans(), min_size=n, max_size=n)), first_row=draw(st.integers(1, 30)))
    existing = None
    if draw(st.booleans()):
        niks = draw(st.lists(st.sampled_from([NIK, values(2)["nik"], "6471054412950010"]), max_size=4))
        visible = draw(st.lists(st.booleans(), min_size=len(niks), max_size=len(niks)))
        existing = pl.DataFrame({"nik": niks, "visible": visible}, schema={"nik": pl.String, "visible": pl.Boolean})
    return f, existing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=messy_frames())
def test_every_row_is_either_valid_or_rejected_with_reasons(villages, case):
    f, existing = case
    out = validate(f, villages=villages, today=TODAY, existing=existing)
    assert_consistent(out, f)
    assert out.valid.select(pl.exclude(ROW, "phone", "occupation").null_count()).sum_horizontal().item() == 0
