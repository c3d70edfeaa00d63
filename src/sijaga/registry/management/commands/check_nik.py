"""``sijaga check_nik NIK [NIK ...]`` or ``sijaga check_nik -`` (one NIK per line on stdin).

Prints one JSON object per NIK and exits 0 even for invalid NIKs: the output is the verdict. Stdin can hold
millions of lines, so it goes through the vectorised engine in chunks; its output equals the scalar one.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TextIO

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijaga.registry.nik import NikResult, parse_nik, parse_nik_column, results_from_frame


def _stdin_lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        if line.strip():
            yield line.rstrip("\r\n")


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(lines)
    while chunk := list(islice(it, size)):
        yield chunk


class Command(BaseCommand):
    help = (
        "Periksa struktur NIK; cetak satu objek JSON per NIK. '-' membaca satu NIK per baris dari stdin. "
        "Check NIK structure; print one JSON object per NIK."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("niks", nargs="+", metavar="NIK", help="NIK(s), or '-' to read one per line from stdin")
        parser.add_argument("--today", help="reference date YYYY-MM-DD for the birth-year century (default: today)")
        parser.add_argument("--chunk-size", type=int, default=100_000, help="stdin rows per vectorised batch")

    def handle(self, *args: str, **options: object) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(str(options["today"]))
            except ValueError as exc:
                raise CommandError(f"--today: {exc}") from exc
        chunk_size = int(options["chunk_size"])  # type: ignore[call-overload]
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        stdin: TextIO = options.get("stdin") or sys.stdin  # type: ignore[assignment]

        for nik in options["niks"]:  # type: ignore[attr-defined]
            if nik == "-":
                for chunk in _chunks(_stdin_lines(stdin), chunk_size):
                    frame = parse_nik_column(pl.Series("nik", chunk, dtype=pl.Utf8), today=today)
                    self._emit(results_from_frame(frame))
            else:
                self._emit([parse_nik(nik, today=today)])

    def _emit(self, results: Iterable[NikResult]) -> None:
        """One write per batch: per-line writes through Django's OutputWrapper cost more than the parsing."""
        lines = [json.dumps(result.as_dict(), ensure_ascii=False) for result in results]
        if lines:
            self.stdout.write("\n".join(lines))
