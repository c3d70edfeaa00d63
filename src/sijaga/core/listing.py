"""Bounded list windows for the API: every list is cut in SQL (LIMIT/OFFSET), never in Python (security review F5).

The response shape is ninja's limit/offset one (`items`, `count`), so clients see one convention everywhere.

Big lists (the worker registry: millions of rows) also page by key (`keyset_window`): an opaque, signed cursor
names the last (or first) row's ordering key, and the next page is `WHERE (key) > (cursor) ORDER BY key LIMIT n`,
which an index on the ordering key answers in the same time on page 1 and on page 10,000. Their count is exact
up to `COUNT_CAP` rows and an estimate above it (an exact COUNT of 20M rows is seconds of work on every page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated

from django.core import signing
from django.db import connections, transaction
from django.db.models import Q, QuerySet
from ninja import Query, Schema
from pydantic import Field

#: A database id as an API parameter: a 64-bit positive integer (larger values are a 422, never an overflow).
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]

MAX_LIMIT = 500
MAX_OFFSET = 10**9
#: Keyset lists refuse larger offsets (400): past this, page with the cursor (an OFFSET walks every skipped row).
MAX_KEYSET_OFFSET = 10_000
#: Counted exactly up to here; above it the count is the planner's estimate ("more than COUNT_CAP").
COUNT_CAP = 10_000
MAX_CURSOR = 600  # characters: a signed cursor holds one name of ≤ 150 characters and an id


class Window(Schema):
    limit: int = Query(50, ge=1, description=f"at most {MAX_LIMIT}; larger values are capped")
    offset: int = Query(0, ge=0, le=MAX_OFFSET)


class KeysetWindow(Window):
    cursor: str = Query(
        "",
        max_length=MAX_CURSOR,
        description="`next_cursor`/`previous_cursor` of a previous page; when given, `offset` is ignored. "
        f"Offsets above {MAX_KEYSET_OFFSET} are refused: page with the cursor.",
    )


def window(qs: QuerySet, w: Window) -> tuple[list, int]:
    """(the rows of this window, the total count): two bounded queries; `limit` is capped at MAX_LIMIT."""
    limit = min(w.limit, MAX_LIMIT)
    return list(qs[w.offset : w.offset + limit]), qs.count()


class BadWindow(ValueError):
    """A forged, foreign or out-of-range cursor, or an offset past MAX_KEYSET_OFFSET: the caller answers 400."""


@dataclass
class KeysetPage:
    items: list
    count: int
    count_exact: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    offset: int | None = None  # the offset of the first row when it is known (offset paging), else None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Keyset:
    """An ordering key, e.g. ("full_name", "id"): the last field must be unique (the primary key) and integer.

    `salt` separates the cursors of different lists: a cursor of one list is refused by another."""

    fields: tuple[str, ...]
    salt: str
    max_text: int = 150

    def encode(self, row, direction: str) -> str:
        values = [getattr(row, f) for f in self.fields]
        return signing.dumps([direction, *values], salt=self.salt, compress=False)

    def decode(self, cursor: str) -> tuple[str, list]:
        try:
            data = signing.loads(cursor, salt=self.salt)
        except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise BadWindow("Kursor tidak valid atau bukan milik daftar ini.") from exc
        if not (isinstance(data, list) and len(data) == len(self.fields) + 1 and data[0] in ("n", "p")):
            raise BadWindow("Kursor tidak valid.")
        *text, pk = data[1:]
        if not all(isinstance(v, str) and len(v) <= self.max_text for v in text):
            raise BadWindow("Kursor tidak valid.")
        if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
            raise BadWindow("Kursor di luar jangkauan.")
        return data[0], data[1:]

    def after(self, values: list, *, backwards: bool = False) -> Q:
        """Rows strictly after (before) `values` in key order, written so that the leading field is a range
        condition an index on the key can seek to: `a >= x AND (a > x OR (b > y))` for two fields."""
        gt, ge = ("lt", "lte") if backwards else ("gt", "gte")
        head, *rest = self.fields
        q = Q(**{f"{head}__{ge}": values[0]})
        strictly = Q(**{f"{head}__{gt}": values[0]})
        if rest:
            strictly |= Q(**{head: values[0]}) & self._strict(rest, values[1:], gt)
        return q & strictly

    def _strict(self, fields, values, gt) -> Q:
        head, *rest = fields
        q = Q(**{f"{head}__{gt}": values[0]})
        if rest:
            q |= Q(**{head: values[0]}) & self._strict(rest, values[1:], gt)
        return q

    def ordering(self, *, backwards: bool = False) -> list[str]:
        return [f"-{f}" if backwards else f for f in self.fields]


def capped_count(qs: QuerySet, cap: int = COUNT_CAP, *, estimate: QuerySet | None = None) -> tuple[int, bool]:
    """(count, exact): exact up to `cap` (`SELECT count(*) FROM (… LIMIT cap+1)`, which stops early); above it the
    planner's row estimate on PostgreSQL of `estimate` (default `qs`; never below cap + 1), cap + 1 elsewhere.
    `qs` may be a combined (UNION ALL) queryset."""
    n = _serially(qs.db, lambda: qs.order_by()[: cap + 1].count())
    if n <= cap:
        return n, True
    return max(estimated_count(qs if estimate is None else estimate), cap + 1), False


def _serially(using: str, run):
    """`run()` with PostgreSQL's parallel workers off (and the previous setting restored, even inside an outer
    transaction). A capped count stops once it has its rows; a Parallel Append instead runs the second branch of the
    scope's UNION ALL in a worker to its end: a search by NIK prefix counted in 58 ms serially, 208–313 ms in
    parallel at 20M workers (bench/README.md)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return run()
    outer = connection.in_atomic_block  # else the transaction, and the setting with it, ends right after the count
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cur:
        cur.execute(
            "SELECT current_setting('max_parallel_workers_per_gather'), "
            "set_config('max_parallel_workers_per_gather', '0', true)"
        )
        previous = cur.fetchone()[0]
        try:
            return run()
        finally:
            if outer:
                cur.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [previous])


def estimated_count(qs: QuerySet) -> int:
    """The planner's row estimate for the query (EXPLAIN, no execution); 0 when unavailable."""
    if connections[qs.db].vendor != "postgresql":
        return 0
    try:
        plan = json.loads(qs.order_by().values("pk").explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])
    except (ValueError, KeyError, IndexError, TypeError):
        return 0


def keyset_window(
    qs: QuerySet,
    w: KeysetWindow,
    keyset: Keyset,
    *,
    count: bool = True,
    count_qs: QuerySet | None = None,
    rows_qs: QuerySet | None = None,
    count_cap: int = COUNT_CAP,
    count_with_keys: bool = False,
) -> KeysetPage:
    """A page of `qs` by cursor (or by offset up to MAX_KEYSET_OFFSET) with cursors to the pages around it;
    the capped count of `count_qs` (same rows as `qs`, written to be counted cheaply) or of `qs`. The window's
    rows are read by key from `rows_qs` (default `qs`): the same scope and annotations without the search's
    filters, so PostgreSQL reads them by primary key instead of re-running a search it may misjudge.

    `count_with_keys` (a search, whose matches are few or ordered by an index): the first page's keys query reads
    up to `count_cap + 1` keys and counts them, one pass over the matches instead of two.

    Raises BadWindow for a cursor that is forged, foreign, malformed or out of range, and for a deep offset."""
    limit = min(w.limit, MAX_LIMIT)
    counted: tuple[int, bool] | None = None
    if w.cursor:
        direction, values = keyset.decode(w.cursor)
        backwards = direction == "p"
        rows = _keys_first(
            qs.filter(keyset.after(values, backwards=backwards)), rows_qs, keyset.ordering(backwards=backwards),
            0, limit + 1,
        )  # fmt: skip
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
            has_prev, has_next = more, True
        else:
            has_prev, has_next = True, more
        offset = None
    else:
        if w.offset > MAX_KEYSET_OFFSET:
            raise BadWindow(
                f"offset paling besar {MAX_KEYSET_OFFSET}; untuk halaman sesudahnya pakai cursor (next_cursor)."
            )
        if count and count_with_keys and w.offset == 0:
            rows, n = _keys_first(qs, rows_qs, keyset.ordering(), 0, limit + 1, count_to=count_cap + 1)
            count = False  # counted here
            counted = (n, True) if n <= count_cap else (max(estimated_count(qs), count_cap + 1), False)
        else:
            rows = _keys_first(qs, rows_qs, keyset.ordering(), w.offset, w.offset + limit + 1)
        has_next = len(rows) > limit
        rows = rows[:limit]
        has_prev = w.offset > 0
        offset = w.offset
    if count:
        n, exact = capped_count(qs if count_qs is None else count_qs, count_cap, estimate=qs)
    elif counted is not None:
        n, exact = counted
    else:
        n, exact = 0, False
    return KeysetPage(
        items=rows,
        count=n,
        count_exact=exact,
        next_cursor=keyset.encode(rows[-1], "n") if rows and has_next else None,
        previous_cursor=keyset.encode(rows[0], "p") if rows and has_prev else None,
        offset=offset,
    )


def _keys_first(
    qs: QuerySet, rows_qs: QuerySet | None, ordering: list[str], start: int, stop: int, *, count_to: int = 0
):
    """The window's rows in two queries: the keys of the window (the filtered table alone, ordered and cut), then
    those rows with their joins and annotations from `rows_qs` (default `qs`), scope applied again. In one query
    PostgreSQL may join and annotate every match before sorting when it underestimates them: a 6-digit NIK prefix
    matched 37,037 workers at 20M, each joined to four region levels, 410 ms for 51 rows (bench/README.md).

    With `count_to` (from the first row only) it reads up to that many keys and returns (rows, keys read)."""
    pks = list(qs.order_by(*ordering).values_list("pk", flat=True)[start : max(stop, start + count_to)])
    read = len(pks)
    pks = pks[: stop - start]
    rows = list((qs if rows_qs is None else rows_qs).filter(pk__in=pks).order_by(*ordering)) if pks else []
    return (rows, read) if count_to else rows
