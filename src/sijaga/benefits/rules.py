"""Pure rules of the benefits app (no database): the data-file format, the entitlement calculators and the
liability rule look-up. Every figure comes from a versioned data file (`data/*.toml`) citing regulation and article;
nothing regulatory is a literal here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

MAX_AMOUNT = 100_000_000_000  # Rp100 miliar: above is a typing error
UNITS = ("rupiah", "times", "bp", "months", "years", "count")
SITUATIONS = ("not_registered", "arrears")
EMPLOYERS = ("state", "non_state", "any")
SEGMENTS = ("pu", "bpu", "jakon", "any")
#: employer_pays_benefit: the employer owes the benefit itself; bpjs_pays_arrears_due: BPJS pays the benefit, the
#: employer owes the arrears (and the fine, when fine_bp > 0); no_cover: the benefit is lost, the payer that let the
#: contributions lapse is exposed to it.
OUTCOMES = ("employer_pays_benefit", "bpjs_pays_arrears_due", "no_cover")
DATA_DIR = Path(__file__).resolve().parent / "data"


class DataError(ValueError):
    pass


@dataclass(frozen=True)
class Figure:
    key: str
    unit: str
    value: int
    valid_from: dt.date
    valid_to: dt.date | None
    regulation: str
    article: str = ""
    verified: bool = False
    source: str = ""

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def citation(self) -> str:
        return f"{self.regulation} {self.article}".strip()


@dataclass(frozen=True)
class Rule:
    key: str
    situation: str
    employer: str
    segment: str
    min_months: int
    outcome: str
    fine_bp: int
    valid_from: dt.date
    valid_to: dt.date | None
    regulation: str
    article: str = ""
    note: str = ""
    verified: bool = False

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def citation(self) -> str:
        return f"{self.regulation} {self.article}".strip()


@dataclass
class DataFile:
    code: str
    regulation: str
    title: str
    source: str
    figures: list[Figure] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    employer_types: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        payload = {
            "figures": [asdict(f) for f in self.figures],
            "rules": [asdict(r) for r in self.rules],
            "employer_types": self.employer_types,
            "regulation": self.regulation,
            "title": self.title,
        }
        return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


def _date(value, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DataError(f"{where}: bad date {value!r}") from exc


def parse_file(path: Path) -> DataFile:
    """Read and check one data file; raises DataError naming the entry at fault."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    if raw.get("schema") != 1:
        raise DataError(f"{path.name}: schema must be 1")
    regulation = raw.get("regulation") or ""
    if not regulation:
        raise DataError(f"{path.name}: regulation missing")
    out = DataFile(path.stem, regulation, raw.get("title", ""), raw.get("source", ""))
    seen: set[tuple[str, dt.date]] = set()
    for i, f in enumerate(raw.get("figure", [])):
        where = f"{path.name} figure {i + 1} ({f.get('key')})"
        unit, value = f.get("unit"), f.get("value")
        if unit not in UNITS or not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_AMOUNT:
            raise DataError(f"{where}: unit must be one of {UNITS} and value a whole number")
        fig = Figure(
            f["key"],
            unit,
            value,
            _date(f.get("valid_from"), where),
            _date(f.get("valid_to"), where),
            f.get("regulation", regulation),
            f.get("article", ""),
            bool(f.get("verified", False)),
            f.get("source", ""),
        )
        if fig.valid_from is None or (fig.valid_to and fig.valid_to < fig.valid_from):
            raise DataError(f"{where}: valid_from missing or after valid_to")
        if (fig.key, fig.valid_from) in seen:
            raise DataError(f"{where}: duplicate key")
        seen.add((fig.key, fig.valid_from))
        out.figures.append(fig)
    keys: set[str] = set()
    for i, r in enumerate(raw.get("rule", [])):
        where = f"{path.name} rule {i + 1} ({r.get('key')})"
        rule = Rule(
            r["key"],
            r.get("situation"),
            r.get("employer", "any"),
            r.get("segment", "any"),
            int(r.get("min_months", 0)),
            r.get("outcome"),
            int(r.get("fine_bp", 0)),
            _date(r.get("valid_from"), where),
            _date(r.get("valid_to"), where),
            r.get("regulation", regulation),
            r.get("article", ""),
            r.get("note", ""),
            bool(r.get("verified", False)),
        )
        if rule.situation not in SITUATIONS or rule.employer not in EMPLOYERS or rule.segment not in SEGMENTS:
            raise DataError(f"{where}: situation/employer/segment not recognised")
        if rule.outcome not in OUTCOMES or rule.valid_from is None or rule.key in keys:
            raise DataError(f"{where}: outcome not recognised, valid_from missing or duplicate key")
        keys.add(rule.key)
        out.rules.append(rule)
    for kind, employer in (raw.get("employer_types") or {}).items():
        if employer not in ("state", "non_state"):
            raise DataError(f"{path.name}: employer type of {kind} must be state or non_state")
        out.employer_types[kind] = employer
    return out


def read_data(directory: Path = DATA_DIR) -> list[DataFile]:
    return [parse_file(p) for p in sorted(directory.glob("*.toml"))]


# --- the table the calculators read ----------------------------------------------------------------------------


class MissingFigure(LookupError):
    pass


@dataclass
class Table:
    figures: list[Figure]
    rules: list[Rule]
    employer_types: dict[str, str]

    @classmethod
    def from_files(cls, files: Iterable[DataFile]) -> Table:
        figures, rules_, types = [], [], {}
        for f in files:
            figures += f.figures
            rules_ += f.rules
            types |= f.employer_types
        return cls(figures, rules_, types)

    def figure(self, key: str, day: dt.date) -> Figure:
        found = [f for f in self.figures if f.key == key and f.in_force(day)]
        if not found:
            raise MissingFigure(f"no figure {key} in force on {day.isoformat()}")
        return max(found, key=lambda f: f.valid_from)

    def value(self, key: str, day: dt.date) -> int:
        return self.figure(key, day).value

    def employer_type(self, payer_kind: str) -> str:
        return self.employer_types.get(payer_kind, "non_state")

    def rule(self, situation: str, employer: str, segment: str, months: int, day: dt.date) -> Rule | None:
        """The most specific rule in force (an exact segment, then an exact employer, before "any")."""
        found = [
            r
            for r in self.rules
            if r.situation == situation
            and r.in_force(day)
            and r.employer in (employer, "any")
            and r.segment in (segment, "any")
            and months >= r.min_months
        ]
        if not found:
            return None
        return max(found, key=lambda r: (r.segment != "any", r.employer != "any", r.min_months, r.valid_from))


# --- calculators ------------------------------------------------------------------------------------------------


@dataclass
class Entitlement:
    """Cash the heirs or the worker are owed; ``scholarship_max`` (JKM/JKK death) is paid yearly, apart."""

    total: int = 0
    scholarship_year_one: int = 0
    scholarship_max: int = 0
    parts: dict[str, int] = field(default_factory=dict)
    citations: dict[str, str] = field(default_factory=dict)
    unverified: list[str] = field(default_factory=list)

    def add(self, name: str, amount: int, *figures: Figure) -> None:
        self.parts[name] = self.parts.get(name, 0) + amount
        self.total += amount
        for f in figures:
            self.citations[f.key] = f.citation
            if not f.verified and f.key not in self.unverified:
                self.unverified.append(f.key)

    def as_dict(self) -> dict:
        return asdict(self)


LEVELS = ("tk_sd", "smp", "sma", "pt")


def scholarship(table: Table, day: dt.date, levels: list[str], contribution_months: int, ent: Entitlement) -> None:
    """Up to ``scholarship.children`` children, after ``scholarship.min_years`` of contributions: the year-one amount
    at each child's level, and at most every year from that level to university, capped in total."""
    min_years = table.figure("scholarship.min_years", day)
    children = table.figure("scholarship.children", day)
    cap = table.figure("scholarship.cap", day)
    if contribution_months < min_years.value * 12:
        ent.citations[min_years.key] = min_years.citation
        return
    year_one = most = 0
    used = [lv for lv in levels if lv in LEVELS][: children.value]
    figs = [min_years, children, cap]
    for level in used:
        per_year = table.figure(f"scholarship.{level}.per_year", day)
        figs.append(per_year)
        year_one += per_year.value
        for later in LEVELS[LEVELS.index(level) :]:
            amount = table.figure(f"scholarship.{later}.per_year", day)
            years = table.figure(f"scholarship.{later}.years", day)
            figs += [amount, years]
            most += amount.value * years.value
    ent.scholarship_year_one = min(year_one, cap.value)
    ent.scholarship_max = min(most, cap.value)
    for f in figs:
        ent.citations[f.key] = f.citation
        if not f.verified and f.key not in ent.unverified:
            ent.unverified.append(f.key)


def jkm(table: Table, day: dt.date, *, contribution_months: int, school_levels: list[str]) -> Entitlement:
    ent = Entitlement()
    for key in ("jkm.lump_sum", "jkm.periodic", "jkm.funeral"):
        f = table.figure(key, day)
        ent.add(key.split(".")[1], f.value, f)
    scholarship(table, day, school_levels, contribution_months, ent)
    return ent


def jkk(
    table: Table,
    day: dt.date,
    *,
    outcome: str,
    wage: int,
    disability_percent: int | None = None,
    incapacity_months: int | None = None,
    transport_mode: str = "",
    transport_cost: int = 0,
    home_care_cost: int = 0,
    contribution_months: int = 0,
    school_levels: list[str] | None = None,
) -> Entitlement:
    """JKK cash benefits on the monthly wage in force on the event date (medical care has no cap: not priced)."""
    ent = Entitlement()
    if outcome == "death":
        f = table.figure("jkk.death.times_wage", day)
        ent.add("death", f.value * wage, f)
        scholarship(table, day, school_levels or [], contribution_months, ent)
    elif outcome == "total_disability":
        f = table.figure("jkk.total_disability.times_wage", day)
        ent.add("total_disability", f.value * wage, f)
    elif outcome == "partial_disability":
        f = table.figure("jkk.partial_disability.times_wage", day)
        ent.add("partial_disability", (disability_percent or 0) * f.value * wage // 100, f)
    if incapacity_months:
        full = table.figure("jkk.temporary.full_months", day)
        later = table.figure("jkk.temporary.later_bp", day)
        first = min(incapacity_months, full.value)
        rest = incapacity_months - first
        ent.add("temporary", first * wage + rest * wage * later.value // 10_000, full, later)
    if transport_cost and transport_mode:
        f = table.figure(f"jkk.transport.{transport_mode}.cap", day)
        ent.add("transport", min(transport_cost, f.value), f)
    if home_care_cost:
        f = table.figure("jkk.home_care.cap", day)
        ent.add("home_care", min(home_care_cost, f.value), f)
    return ent


@dataclass(frozen=True)
class Liability:
    liable: str  # "bpjs" | "employer"
    employer_owes: int
    rule: Rule | None

    @property
    def citation(self) -> str:
        return self.rule.citation if self.rule else ""


def liability(
    table: Table,
    *,
    eligibility: str,
    payer_kind: str,
    segment: str,
    day: dt.date,
    entitlement: int,
    arrears_months: int = 0,
    arrears_amount: int = 0,
) -> Liability:
    """Who carries the case: BPJS when covered; otherwise what the rule in force on the event date says."""
    if eligibility == "covered":
        return Liability("bpjs", 0, None)
    situation = "arrears" if eligibility == "arrears" else "not_registered"
    rule = table.rule(situation, table.employer_type(payer_kind), segment or "any", arrears_months, day)
    if rule is None:  # no rule in the data for this situation: the employer is shown as exposed, unverified
        return Liability("employer", entitlement, None)
    if rule.outcome == "bpjs_pays_arrears_due":
        fine = arrears_amount * rule.fine_bp * max(arrears_months, 0) // 10_000
        return Liability("bpjs", arrears_amount + fine, rule)
    return Liability("employer", entitlement, rule)
