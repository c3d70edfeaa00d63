"""`sijaga check_nik`: one JSON object per NIK, from arguments or stdin; no database needed."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from sijaga.registry.nik import parse_nik

TODAY = "2026-11-25"


def run(*args: str, stdin: str | None = None) -> list[dict]:
    out = io.StringIO()
    kwargs = {"stdout": out}
    if stdin is not None:
        kwargs["stdin"] = io.StringIO(stdin)
    call_command("check_nik", *args, "--today", TODAY, **kwargs)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_arguments():
    rows = run("6471055412950001", "6471 0514 1295 0001")
    assert [r["valid"] for r in rows] == [True, False]
    assert rows[0]["birth_date"] == "1995-12-14" and rows[0]["gender"] == "P"
    assert rows[0]["district_code"] == "64.71.05"
    assert rows[1]["errors"][0]["code"] == "inner_space"


def test_output_is_utf8_json_not_escaped():
    out = io.StringIO()
    call_command("check_nik", "6471-0514", stdout=out)
    assert "0–9" in out.getvalue()  # en dash kept as is (ensure_ascii=False)


def test_stdin_matches_scalar_and_skips_blank_lines():
    niks = ["6471055412950001", "", "   ", "6.47105E+15", "\u00a06471071412950001\u00a0", "9900000000000000"]
    rows = run("-", stdin="\n".join(niks) + "\r\n")
    expected = [parse_nik(n, today=dt.date(2026, 11, 25)).as_dict() for n in niks if n.strip()]
    assert rows == expected
    assert rows[2]["warnings"][0]["code"] == "district_unknown" and rows[2]["valid"] is True


def test_stdin_in_small_chunks_keeps_order():
    niks = [f"647105{d:02d}1295{i:04d}" for i, d in enumerate(range(1, 80))]
    out = io.StringIO()
    call_command(
        "check_nik",
        "-",
        "--today",
        TODAY,
        "--chunk-size",
        "7",
        stdin=io.StringIO("\n".join(niks)),
        stdout=out,
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["nik"] for r in rows] == niks
    assert sum(r["valid"] for r in rows) == 31 + 31 - 1  # days 1–31 and 41–71 (serial 0000 for i = 0)


def test_arguments_and_stdin_mixed_in_order():
    rows = run("6471055412950001", "-", "x", stdin="6471051412950001\n")
    assert [r["nik"] for r in rows] == ["6471055412950001", "6471051412950001", "x"]


def test_empty_stdin_prints_nothing():
    assert run("-", stdin="") == []


def test_bad_today():
    with pytest.raises(CommandError):
        call_command("check_nik", "6471055412950001", "--today", "25-11-2026", stdout=io.StringIO())
