"""Columns of an import file: canonical keys, the template's Indonesian headers and the header variants accepted.

Each import kind declares its own `ColumnSet` (enrolment: `sijaga.enrollment.importing.COLUMNS`). The engine reads a
file with the columns of the batch's kind: `with reading(kind.columns): read_table(...)`.

The reader (`reader.py`) still imports `BY_KEY`, `REQUIRED` and `match_headers` from here; those names now follow
the column set being read (the default kind's outside `reading`), so the reader is kind-aware without knowing the
kinds. When the reader takes `columns=` itself they can go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Indonesian header
    required: bool
    aliases: tuple[str, ...]
    help: str


_NOISE = re.compile(r"[^a-z0-9/]+")
_REMARK = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def normalise_header(text: object) -> str:
    """Case, spacing, punctuation, non-breaking spaces, a trailing `*` and remarks in brackets do not matter:
    `  Tgl. Lahir (dd/mm/yyyy) *` == `tgl lahir`."""
    s = str(text or "").replace("\u00a0", " ").strip().lower()
    plain = " ".join(_NOISE.sub(" ", _REMARK.sub(" ", s)).split())
    return plain or " ".join(_NOISE.sub(" ", s).split())


@dataclass(frozen=True)
class ColumnSet(Sequence):
    """The columns of one import kind, in template order, with header matching."""

    columns: tuple[Column, ...]
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)
    required: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _aliases: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        aliases: dict[str, str] = {}
        for c in self.columns:
            for a in (*c.aliases, c.header, c.key):
                aliases[normalise_header(a)] = c.key
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})
        object.__setattr__(self, "required", tuple(c.key for c in self.columns if c.required))
        object.__setattr__(self, "_aliases", aliases)

    def __getitem__(self, index):
        return self.columns[index]

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def header_key(self, text: object) -> str | None:
        """The column key a header names, or None."""
        return self._aliases.get(normalise_header(text))

    def match_headers(self, headers: list[object]) -> tuple[dict[str, int], list[str], list[str]]:
        """(key → column index, unrecognised headers, duplicated keys). The first match of a key wins."""
        found: dict[str, int] = {}
        extra: list[str] = []
        duplicated: list[str] = []
        for i, h in enumerate(headers):
            key = self.header_key(h)
            if key is None:
                if str(h or "").strip() and not str(h).startswith("__UNNAMED__"):
                    extra.append(str(h).strip())
            elif key in found:
                duplicated.append(str(h).strip())
            else:
                found[key] = i
        return found, extra, duplicated


# --- the column set being read (for reader.py) ---------------------------------------------------------------------

_ACTIVE: ContextVar[ColumnSet | None] = ContextVar("sijaga_import_columns", default=None)


@contextmanager
def reading(columns: ColumnSet) -> Iterator[ColumnSet]:
    """Read files with these columns for the duration of the block (thread- and task-safe)."""
    token = _ACTIVE.set(columns)
    try:
        yield columns
    finally:
        _ACTIVE.reset(token)


def active() -> ColumnSet:
    """The column set being read: the one set by `reading`, else the default kind's (enrolment)."""
    current = _ACTIVE.get()
    if current is not None:
        return current
    from sijaga.imports.kinds import get

    return get().columns


class _ActiveColumns(Sequence):
    def __getitem__(self, index):
        return active()[index]

    def __len__(self) -> int:
        return len(active())


class _ActiveByKey(Mapping):
    def __getitem__(self, key: str) -> Column:
        return active().by_key[key]

    def __iter__(self):
        return iter(active().by_key)

    def __len__(self) -> int:
        return len(active().by_key)


class _ActiveRequired(Sequence):
    def __getitem__(self, index):
        return active().required[index]

    def __len__(self) -> int:
        return len(active().required)


COLUMNS: Sequence[Column] = _ActiveColumns()
BY_KEY: Mapping[str, Column] = _ActiveByKey()
REQUIRED: Sequence[str] = _ActiveRequired()


def header_key(text: object) -> str | None:
    return active().header_key(text)


def match_headers(headers: list[object]) -> tuple[dict[str, int], list[str], list[str]]:
    return active().match_headers(headers)
