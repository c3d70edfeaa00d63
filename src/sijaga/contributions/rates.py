"""Contribution rates as versioned data: the rows of `data/rates/*.toml`, checked, and looked up by month.

Pure: no database. The same :class:`RateRow` values come from the data files (:func:`read_files`, for tests and
benchmarks) or from the database (`selectors.current_table`, with the database ids bills will point to), and a
:class:`RateTable` answers "which rows are in force in this month" for the calculator (`calculate.py`).

Units (never floats): a rate is an integer number of **basis points** (1 bp = 0.01 %, so 0.24 % = 24 bp and 1.74 %
= 174 bp); the data files write the percentage as the regulation does (``"0.24%"``) and the reader refuses any
figure that is not a whole number of basis points. Money is integer Rupiah. A period is a range of months, both
ends included (``valid_to`` empty: still in force).

Row kinds:

* ``rate`` — ``bp`` of the wage or declared income, paid by ``party`` (``capped``: of the wage up to the ``cap``);
* ``flat`` — a fixed ``amount`` a month (BPU JKM);
* ``tier`` — ``bp`` of the slice of the construction contract value between ``lower`` and ``upper`` (marginal);
* ``cap`` — the highest wage a ``capped`` rate applies to (JP, JKP, the top BPU income bracket);
* ``floor`` — the lowest income accepted (the lowest BPU bracket): below it the calculator refuses;
* ``relief`` — ``bp`` of the party's amount that is waived (99 % = 9900 bp), optionally only under a ``condition``.

Parties: ``employer`` (pemberi kerja), ``worker`` (the participant's own share; a BPU participant pays everything
as ``worker``, whoever funds it), ``government`` (the central government: JKP) and ``recomposed`` (the part of JKP
funded out of another programme's contribution, ``from_programme``: informational, never billed twice).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from sijaga.core.periods import Month

DATA_DIR = Path(__file__).resolve().parent / "data" / "rates"

KINDS = ("rate", "flat", "tier", "cap", "floor", "relief")
SEGMENTS = ("pu", "bpu", "jakon")
PROGRAMMES = ("jkk", "jkm", "jht", "jp", "jkp")
PARTIES = ("employer", "worker", "government", "recomposed")
CONDITIONS = ("", "labour_intensive")
RISK_CLASSES = (1, 2, 3, 4, 5)
BP = 10_000  # basis points in 100 %
MAX_AMOUNT = 10**15  # Rupiah: a cap, floor, flat amount or tier bound above this is a typing error

_PERCENT = re.compile(r"(\d{1,3})(?:\.(\d+))?%")


class RateDataError(ValueError):
    """The rate data is wrong: every problem found, one a line."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def percent_to_bp(text: str) -> int:
    """``"0.24%"`` → 24. Refuses anything that is not a whole number of basis points (``"0.054%"``)."""
    m = _PERCENT.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"{text!r} is not a percentage like 0.24%")
    whole, frac = m[1], (m[2] or "")
    if len(frac.rstrip("0")) > 2:
        raise ValueError(f"{text} is not a whole number of basis points (0.01 %)")
    return int(whole) * 100 + int((frac + "00")[:2])


def bp_to_percent(bp: int) -> str:
    """24 → ``"0.24%"``; 9900 → ``"99%"``; 370 → ``"3.7%"``."""
    whole, frac = divmod(bp, 100)
    return f"{whole}.{frac:02d}".rstrip("0").rstrip(".") + "%"


@dataclass(frozen=True)
class RateRow:
    """One figure of a regulation, for one segment and programme, in force for a range of months."""

    schedule: str  # the data file (or schedule) it belongs to, e.g. "pp-44-2015"
    key: str  # unique within the schedule, e.g. "pu.jkk.1"
    kind: str
    segment: str
    programme: str
    valid_from: Month
    valid_to: Month | None
    regulation: str
    article: str = ""
    source: str = ""
    verified: bool = True
    party: str = ""
    risk_class: int | None = None
    bp: int | None = None
    amount: int | None = None
    lower: int | None = None
    upper: int | None = None
    capped: bool = False
    condition: str = ""
    from_programme: str = ""
    id: int = field(default=0, compare=False)  # database id; a sequence number when read from files

    @property
    def basis(self) -> str:
        """What the row prices: a ``contract`` value (tiers) or a ``wage``/declared income (everything else)."""
        return "contract" if self.kind == "tier" else "wage"

    def in_force(self, month: Month) -> bool:
        return self.valid_from <= month and (self.valid_to is None or month <= self.valid_to)

    @property
    def figure(self) -> str:
        """The figure as people write it: ``0.24%``, ``Rp6.800``, ``0.21% of Rp0–100.000.000``."""
        if self.kind in ("rate", "relief"):
            return bp_to_percent(self.bp or 0)
        if self.kind == "tier":
            upper = rupiah(self.upper) if self.upper is not None else "…"
            return f"{bp_to_percent(self.bp or 0)} × ({rupiah(self.lower or 0)}–{upper}]"
        return rupiah(self.amount or 0)

    def content(self) -> dict:
        """The row's content without its identity in the database: what a digest and a comparison look at."""
        data = asdict(self)
        data.pop("id")
        data["valid_from"] = str(self.valid_from)
        data["valid_to"] = str(self.valid_to) if self.valid_to else None
        return data


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def row_errors(row: RateRow) -> list[str]:
    """Why a row cannot be used (empty when it can). Shared by the file reader and `Rate.clean()`."""
    errors: list[str] = []
    need = {
        "rate": {"party", "bp"},
        "flat": {"party", "amount"},
        "tier": {"party", "bp", "lower"},
        "cap": {"amount"},
        "floor": {"amount"},
        "relief": {"party", "bp"},
    }.get(row.kind)
    if need is None:
        return [f"kind {row.kind!r} is not one of {', '.join(KINDS)}"]
    if row.segment not in SEGMENTS:
        errors.append(f"segment {row.segment!r} is not one of {', '.join(SEGMENTS)}")
    if row.programme not in PROGRAMMES:
        errors.append(f"programme {row.programme!r} is not one of {', '.join(PROGRAMMES)}")
    for name in sorted(need):
        if getattr(row, name) in (None, ""):
            errors.append(f"a {row.kind} row needs {name}")
    optional = {"rate": {"risk_class", "capped", "from_programme"}, "tier": {"upper"}, "relief": {"condition"}}
    allowed = need | optional.get(row.kind, set())
    for name in ("party", "risk_class", "bp", "amount", "lower", "upper", "capped", "condition", "from_programme"):
        if name not in allowed and getattr(row, name) not in (None, "", False):
            errors.append(f"a {row.kind} row has no {name}")
    if row.party and row.party not in PARTIES:
        errors.append(f"party {row.party!r} is not one of {', '.join(PARTIES)}")
    if row.risk_class is not None and row.risk_class not in RISK_CLASSES:
        errors.append(f"risk class {row.risk_class} is not 1–5")
    if row.bp is not None and not (0 < row.bp <= BP):
        errors.append(f"{row.bp} bp is not more than 0 and at most 100 %")
    for name in ("amount", "upper"):
        value = getattr(row, name)
        if value is not None and not (0 < value <= MAX_AMOUNT):
            errors.append(f"{name} Rp{value} is not more than 0 and at most Rp{MAX_AMOUNT:,}")
    if row.lower is not None and not (0 <= row.lower <= MAX_AMOUNT):
        errors.append(f"lower Rp{row.lower} is negative or absurd")
    if row.lower is not None and row.upper is not None and row.upper <= row.lower:
        errors.append(f"tier upper Rp{row.upper} is not above lower Rp{row.lower}")
    if row.condition not in CONDITIONS:
        errors.append(f"condition {row.condition!r} is not one of {CONDITIONS}")
    if (row.party == "recomposed") != bool(row.from_programme):
        errors.append("a recomposed share names the programme it comes from (from_programme), and only it does")
    if row.from_programme and row.from_programme not in PROGRAMMES:
        errors.append(f"from_programme {row.from_programme!r} is not a programme")
    if row.valid_to is not None and row.valid_to < row.valid_from:
        errors.append(f"valid_to {row.valid_to} is before valid_from {row.valid_from}")
    if not row.regulation.strip():
        errors.append("every row cites its regulation")
    if not row.key or not re.fullmatch(r"[a-z0-9_.\-]+", row.key):
        errors.append(f"key {row.key!r} must be lower-case letters, digits, '.', '-' or '_'")
    return errors


# --- reading the data files ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleData:
    """One data file: a regulation's rows for the periods it covers."""

    code: str
    regulation: str
    title: str
    source: str
    rows: tuple[RateRow, ...]

    def digest(self) -> str:
        """SHA-256 of the content (not of the file's bytes: comments and layout do not make a new version)."""
        payload = {
            "code": self.code,
            "regulation": self.regulation,
            "title": self.title,
            "source": self.source,
            "rows": sorted((r.content() for r in self.rows), key=lambda c: c["key"]),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_ROW_FIELDS = {
    "key", "segment", "programme", "party", "risk_class", "rate", "amount", "lower", "upper", "capped", "condition",
    "from_programme", "valid_from", "valid_to", "regulation", "article", "source", "verified",
}  # fmt: skip


def parse_schedule(code: str, data: dict) -> ScheduleData:
    """A parsed TOML document → :class:`ScheduleData`; raises :class:`RateDataError` naming every problem."""
    problems: list[str] = []
    if data.get("schema") != 1:
        problems.append(f"{code}: schema = 1 is required")
    regulation = str(data.get("regulation", "")).strip()
    if not regulation:
        problems.append(f"{code}: the file names its regulation")
    rows: list[RateRow] = []
    for kind in KINDS:
        for n, raw in enumerate(data.get(kind, []), start=1):
            where = f"{code}: [[{kind}]] #{n} {raw.get('key', '')!r}"
            unknown = set(raw) - _ROW_FIELDS
            if unknown:
                problems.append(f"{where}: unknown fields {sorted(unknown)}")
                continue
            try:
                row = RateRow(
                    schedule=code,
                    key=str(raw.get("key", "")),
                    kind=kind,
                    segment=str(raw.get("segment", "")),
                    programme=str(raw.get("programme", "")),
                    valid_from=Month.parse(str(raw["valid_from"])),
                    valid_to=Month.parse(str(raw["valid_to"])) if raw.get("valid_to") else None,
                    regulation=str(raw.get("regulation", regulation)),
                    article=str(raw.get("article", "")),
                    source=str(raw.get("source", "")),
                    verified=_bool(raw.get("verified", True)),
                    party=str(raw.get("party", "")),
                    risk_class=_int_or_none(raw.get("risk_class")),
                    bp=percent_to_bp(raw["rate"]) if "rate" in raw else None,
                    amount=_int_or_none(raw.get("amount")),
                    lower=_int_or_none(raw.get("lower")),
                    upper=_int_or_none(raw.get("upper")),
                    capped=_bool(raw.get("capped", False)),
                    condition=str(raw.get("condition", "")),
                    from_programme=str(raw.get("from_programme", "")),
                )
            except KeyError as exc:
                problems.append(f"{where}: {exc.args[0]} is required")
                continue
            except (ValueError, TypeError) as exc:
                problems.append(f"{where}: {exc}")
                continue
            problems += [f"{where}: {e}" for e in row_errors(row)]
            rows.append(row)
    keys = [r.key for r in rows]
    problems += [f"{code}: key {k!r} is used twice" for k in sorted({k for k in keys if keys.count(k) > 1})]
    if problems:
        raise RateDataError(problems)
    return ScheduleData(code, regulation, str(data.get("title", "")), str(data.get("source", "")), tuple(rows))


def _int_or_none(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} must be a whole number (Rupiah or a class), not {type(value).__name__}")
    return value


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{value!r} must be true or false")
    return value


def read_schedule(path: Path) -> ScheduleData:
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise RateDataError([f"{path.name}: {exc}"]) from None
    return parse_schedule(path.stem, data)


def read_files(directory: Path = DATA_DIR) -> list[ScheduleData]:
    """Every ``*.toml`` of the folder, in name order; all problems of all files reported at once."""
    schedules, problems = [], []
    for path in sorted(directory.glob("*.toml")):
        try:
            schedules.append(read_schedule(path))
        except RateDataError as exc:
            problems += exc.problems
    if problems:
        raise RateDataError(problems)
    return schedules


def table_from_files(directory: Path = DATA_DIR) -> RateTable:
    """The table the data files describe (rows numbered 1… in file order, standing in for database ids)."""
    rows = [row for schedule in read_files(directory) for row in schedule.rows]
    return RateTable(tuple(replace(r, id=i) for i, r in enumerate(rows, start=1)))


# --- the table, by month ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pricing:
    """What one programme of one segment costs in one month, for one basis (wage/income, or contract value)."""

    segment: str
    programme: str
    basis: str
    components: tuple[RateRow, ...]  # rate, flat and tier rows
    cap: RateRow | None
    floor: RateRow | None
    reliefs: tuple[RateRow, ...]

    @property
    def capped(self) -> bool:
        return any(c.capped for c in self.components)

    def for_class(self, risk_class: int) -> tuple[RateRow, ...]:
        """The components a term of this JKK risk class pays (rows without a class apply to every class)."""
        return tuple(c for c in self.components if c.risk_class in (None, risk_class))

    def relief_for(self, party: str, *, labour_intensive: bool) -> RateRow | None:
        for r in self.reliefs:
            if r.party == party and (r.condition == "" or (r.condition == "labour_intensive" and labour_intensive)):
                return r
        return None


@dataclass(frozen=True)
class MonthRates:
    month: Month
    rows: tuple[RateRow, ...]
    pricings: dict[tuple[str, str, str], Pricing]

    def pricing(self, segment: str, programme: str, basis: str) -> Pricing | None:
        return self.pricings.get((segment, programme, basis))


def _slot(row: RateRow) -> tuple:
    """Rows in the same slot may not be in force in the same month."""
    if row.kind in ("cap", "floor"):
        return (row.kind, row.segment, row.programme)
    if row.kind == "relief":  # one relief per party and month, whatever its condition: never stacked
        return (row.kind, row.segment, row.programme, row.party)
    return (row.kind, row.segment, row.programme, row.party, row.risk_class, row.from_programme, row.lower)


class RateTable:
    """The rows in force, by month. Built from files or the database; checked on construction."""

    def __init__(self, rows: Iterable[RateRow], *, check: bool = True):
        self.rows: tuple[RateRow, ...] = tuple(rows)
        self._months: dict[Month, MonthRates] = {}
        if check:
            problems = self.problems()
            if problems:
                raise RateDataError(problems)

    def __iter__(self) -> Iterator[RateRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def by_id(self) -> dict[int, RateRow]:
        return {r.id: r for r in self.rows}

    def boundaries(self) -> list[Month]:
        """Every month in which something starts or stops: the table is constant between two boundaries."""
        months = {r.valid_from for r in self.rows} | {r.valid_to.next() for r in self.rows if r.valid_to}
        return sorted(months)

    def at(self, month: Month) -> MonthRates:
        found = self._months.get(month)
        if found is None:
            found = self._months[month] = self._resolve(month)
        return found

    def _resolve(self, month: Month) -> MonthRates:
        rows = tuple(r for r in self.rows if r.in_force(month))
        groups: dict[tuple[str, str, str], list[RateRow]] = defaultdict(list)
        caps: dict[tuple[str, str], RateRow] = {}
        floors: dict[tuple[str, str], RateRow] = {}
        reliefs: dict[tuple[str, str], list[RateRow]] = defaultdict(list)
        for r in rows:
            if r.kind == "cap":
                caps[(r.segment, r.programme)] = r
            elif r.kind == "floor":
                floors[(r.segment, r.programme)] = r
            elif r.kind == "relief":
                reliefs[(r.segment, r.programme)].append(r)
            else:
                groups[(r.segment, r.programme, r.basis)].append(r)
        pricings = {
            (segment, programme, basis): Pricing(
                segment, programme, basis, tuple(sorted(components, key=_order)),
                caps.get((segment, programme)) if basis == "wage" else None,
                floors.get((segment, programme)) if basis == "wage" else None,
                tuple(sorted(reliefs.get((segment, programme), ()), key=_order)),
            )
            for (segment, programme, basis), components in groups.items()
        }  # fmt: skip
        return MonthRates(month, rows, pricings)

    def problems(self) -> list[str]:
        """Everything that would make a month ambiguous: overlapping rows of one slot, mixed capped and uncapped
        components, a row without a class beside rows with one, duplicate keys. Empty when the table is usable."""
        problems: list[str] = []
        seen: dict[tuple[str, str], int] = {}
        for r in self.rows:
            seen[(r.schedule, r.key)] = seen.get((r.schedule, r.key), 0) + 1
            problems += [f"{r.schedule}:{r.key}: {e}" for e in row_errors(r)]
        problems += [f"{s}:{k}: the key is used twice" for (s, k), n in seen.items() if n > 1]
        slots: dict[tuple, list[RateRow]] = defaultdict(list)
        for r in self.rows:
            slots[_slot(r)].append(r)
        for members in slots.values():
            members.sort(key=lambda r: r.valid_from)
            for a, b in itertools.pairwise(members):
                if a.valid_to is None or b.valid_from <= a.valid_to:
                    problems.append(
                        f"{a.schedule}:{a.key} ({_period(a)}) and {b.schedule}:{b.key} ({_period(b)}) are both in "
                        f"force in {b.valid_from}: give the older one a valid_to"
                    )
        if problems:
            return problems
        for month in self.boundaries():
            for p in self.at(month).pricings.values():
                where = f"{month} {p.segment} {p.programme}"
                if len({c.capped for c in p.components}) > 1:
                    problems.append(f"{where}: capped and uncapped rates mixed in one programme")
                if p.capped and p.cap is None:
                    continue  # a gap the calculator reports as `no_cap` for that month; not a data error
                for party in PARTIES:
                    mine = [c for c in p.components if c.party == party]
                    classes = {c.risk_class for c in mine}
                    if None in classes and len(classes) > 1:
                        problems.append(f"{where} {party}: rows with and without a risk class are both in force")
        self._months.clear()
        return problems


def _order(row: RateRow) -> tuple:
    return (PARTIES.index(row.party) if row.party in PARTIES else -1, row.risk_class or 0, row.lower or 0, row.key)


def _period(row: RateRow) -> str:
    return f"{row.valid_from}–{row.valid_to or '…'}"
