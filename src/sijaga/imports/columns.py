"""The columns of an enrolment file: canonical names, Indonesian headers and the header variants we accept."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Indonesian header
    required: bool
    aliases: tuple[str, ...]
    help: str


COLUMNS: tuple[Column, ...] = (
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
        "category", "Kategori", True, ("kategori", "kategori sasaran", "kelompok", "category"), "lihat daftar pilihan"
    ),
    Column(
        "occupation",
        "Pekerjaan",
        False,
        ("pekerjaan", "jenis pekerjaan", "profesi", "occupation"),
        "wajib untuk pekerja rentan",
    ),
    Column(
        "segment", "Segmen", True, ("segmen", "segmen kepesertaan", "jenis kepesertaan", "segment"), "PU, BPU, JAKON"
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
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)

_NOISE = re.compile(r"[^a-z0-9/]+")
_REMARK = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def normalise_header(text: object) -> str:
    """Case, spacing, punctuation, non-breaking spaces, a trailing `*` and remarks in brackets do not matter:
    `  Tgl. Lahir (dd/mm/yyyy) *` == `tgl lahir`."""
    s = str(text or "").replace("\u00a0", " ").strip().lower()
    plain = " ".join(_NOISE.sub(" ", _REMARK.sub(" ", s)).split())
    return plain or " ".join(_NOISE.sub(" ", s).split())


_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _a in (*_c.aliases, _c.header, _c.key):
        _ALIASES[normalise_header(_a)] = _c.key


def header_key(text: object) -> str | None:
    """The column key a header names, or None."""
    return _ALIASES.get(normalise_header(text))


def match_headers(headers: list[object]) -> tuple[dict[str, int], list[str], list[str]]:
    """(key → column index, unrecognised headers, duplicated keys). The first match of a key wins."""
    found: dict[str, int] = {}
    extra: list[str] = []
    duplicated: list[str] = []
    for i, h in enumerate(headers):
        key = header_key(h)
        if key is None:
            if str(h or "").strip() and not str(h).startswith("__UNNAMED__"):
                extra.append(str(h).strip())
        elif key in found:
            duplicated.append(str(h).strip())
        else:
            found[key] = i
    return found, extra, duplicated
