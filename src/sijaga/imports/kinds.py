"""Import kinds: what the engine needs to know about one sort of file, supplied by the app that owns its tables.

The engine (`imports`: store → read → validate → merge → result workbook, with batches, events, tasks, pages and API)
knows nothing about workers, payers or budgets. Each app that takes files registers an `ImportKind` from its
`AppConfig.ready()`:

    from sijaga.imports.kinds import register
    register(EnrolmentKind())

A kind brings its columns, its blank workbook, its vectorised `validate(frame, ctx)`, its set-based
`merge(valid, ctx)` (SQL written by the app that owns the tables) and `authorise(actor, ctx)`. The engine never
imports the owning app, so the layering stays core → accounts → regions → imports → registry → enrollment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from sijaga.core.exceptions import NotFound

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from sijaga.accounts.actor import Actor
    from sijaga.imports.columns import ColumnSet

ROW = "__row"  # the reader's row number column (1-based, as Excel shows it); the same name as reader.ROW
REJECTION_COLUMNS = (ROW, "key", "column", "value", "reason")  # one line per problem


@dataclass(frozen=True)
class Target:
    """What a batch is for: a payer (enrolment), a region (budget lines) … `region_code` scopes the batch."""

    pk: int | None
    code: str
    label: str
    region_code: str
    payer_id: int | None = None


@dataclass
class Context:
    """Everything a kind may need while validating and merging one batch."""

    actor: Actor
    target: Target
    today: dt.date
    batch_id: str | None = None
    file_name: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    #: report progress: (phase label, percent); also the batch's heartbeat
    step: Callable[[str, int], None] = lambda phase, percent: None

    def option(self, name: str) -> bool:
        return bool(self.options.get(name))


@dataclass
class Validated:
    valid: pl.DataFrame
    rejections: pl.DataFrame  # ROW, key, column, value, reason
    read: int
    #: warnings that reject nothing (e.g. a likely duplicate person), shown on the batch page and in the report
    notes: tuple[str, ...] = ()

    @property
    def rejected_rows(self) -> int:
        return self.rejections.get_column(ROW).n_unique() if self.rejections.height else 0


def apply_rules(
    f: pl.DataFrame,
    rules: list[tuple[str, pl.Expr, Any]],
    columns: Any,
    keep: list[str],
    *,
    read: int,
    null_rejects: frozenset[str] = frozenset(),
) -> Validated:
    """A kind's column rules, applied set-based: each `(key, condition, reason)` rejects the rows where the condition
    holds, naming the column's header and the value as typed (`v_<key>` in `f`); the other rows are kept with the
    `keep` columns. A condition that is null rejects nothing, unless its key is in `null_rejects`."""
    rejections = pl.concat(
        [
            f.filter(cond.fill_null(key in null_rejects)).select(
                pl.col(ROW),
                pl.lit(key).alias("key"),
                pl.lit(columns.by_key[key].header).alias("column"),
                pl.col(f"v_{key}").alias("value"),
                pl.lit(str(reason)).alias("reason"),
            )
            for key, cond, reason in rules
        ]
    ).sort(ROW)
    valid = f.filter(~pl.col(ROW).is_in(rejections.get_column(ROW).implode())).select(ROW, *keep)
    return Validated(valid=valid, rejections=rejections, read=read)


@dataclass(frozen=True)
class MergeResult:
    created: int
    updated: int
    unchanged: int
    #: rows refused inside the merge transaction (e.g. a NIK registered meanwhile in another region), same shape
    #: as `Validated.rejections`
    rejections: pl.DataFrame = field(default_factory=lambda: empty_rejections())
    notes: tuple[str, ...] = ()


def empty_rejections() -> pl.DataFrame:
    return pl.DataFrame(
        schema={ROW: pl.Int64, "key": pl.String, "column": pl.String, "value": pl.String, "reason": pl.String}
    )


class ImportKind(Protocol):
    slug: str  # stored on the batch; "kepesertaan"
    label: Promise | str  # Indonesian, translatable: "Kepesertaan"
    target_label: Promise | str  # what the uploader picks: "Pembayar iuran"
    columns: ColumnSet
    #: kind-specific checkboxes on upload and confirm: option name → label
    options: dict[str, Promise | str]

    def targets(self, actor: Actor, query: str = "", limit: int = 20) -> tuple[list[Target], str]:
        """(targets, hint): at most `limit` of what this actor may upload for whose name, code or region matches
        the words typed (the upload form's picker); the hint says when the words match nothing or too much."""

    def target(self, actor: Actor, *, pk: int | None = None, code: str | None = None) -> Target | None:
        """One target by primary key (web form) or code (API, CLI), or None when not usable by the actor."""

    def authorise(self, actor: Actor, ctx: Context) -> None:
        """Raise PermissionDenied unless the actor may import this batch (checked on upload, confirm and run)."""

    def blank_workbook(self, fmt: str) -> bytes:
        """The empty template: fmt 'xlsx' or 'csv'."""

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        """Column-wise checks of the reader's all-text frame."""

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        """Set-based, idempotent write of the valid rows; runs inside the engine's transaction."""

    # Optional: `before_merge(ctx)`, called before the engine's transaction of a batch that writes (not on a dry
    # run), for work that must not run inside it: creating this month's partitions of the tables `merge` writes.

    def mask_preview(self, actor: Actor, rows: list[dict]) -> list[dict]:
        """The stored rejection preview as this actor may see it (masked identifiers for masked roles)."""


_KINDS: dict[str, ImportKind] = {}
DEFAULT_KIND = "kepesertaan"


class UnknownKind(NotFound, LookupError):
    """An import kind nobody registered: answered 404 on every channel (a typo in a URL, not a server error)."""


def register(kind: ImportKind) -> None:
    """Called from the owning app's `AppConfig.ready()`; registering the same slug again replaces it."""
    _KINDS[kind.slug] = kind


def get(slug: str | None = None) -> ImportKind:
    try:
        return _KINDS[slug or DEFAULT_KIND]
    except KeyError as exc:
        raise UnknownKind(slug) from exc


def all_kinds() -> list[ImportKind]:
    return list(_KINDS.values())


def fault(point: str) -> None:
    """Crash injection for the kill-and-rerun tests (SIJAGA_IMPORT_FAULT, see docs/settings.md): a kind's merge
    calls it between its statements, and the process kills itself there when asked to."""
    import os
    import signal

    from sijaga.config import env

    if env("SIJAGA_IMPORT_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
