"""Set-based writes of memberships for bulk imports: enrollment owns the SQL that touches its tables.

Works on a staging table with the columns of `stage_columns()` plus the worker columns of `registry.bulk` (the
staged row's `worker_id` or `new_worker_id`). The membership number is computed by `number_sql`, the SQL twin of
`enrollment.rules.membership_number` (a test holds the two equal); the history rows are the ones
`enrollment.events` writes for a single membership (creation, and terms with before/after values).
"""

from __future__ import annotations

import base64
import os

import polars as pl

from sijaga.core.bulk import Dialect
from sijaga.enrollment.elsewhere import outside
from sijaga.enrollment.events import (
    MEMBERSHIP_CREATED_SELECT,
    MEMBERSHIP_EVENT_COLUMNS,
    TERMS,
    TERMS_CHANGED_INSERT,
)
from sijaga.enrollment.rules import OPEN_STATUSES, PROGRAMMES
from sijaga.enrollment.terms import FIRST_TERMS_COLUMNS, FIRST_TERMS_SELECT

MEMBERSHIP_DATA = ("segment", *PROGRAMMES, "wage")
assert MEMBERSHIP_DATA == TERMS, "the terms a re-upload may change are the terms whose history is kept"
GOVERNMENT = ("pemprov", "pemkab", "pemdes")
#: `rejected` code of a row whose worker is already funded by another government payer (not confirmed)
DOUBLE_FUNDING = "double_funding"


def new_tokens(n: int) -> pl.Series:
    """n unguessable URL-safe verification tokens of 24 characters (144 random bits each), without a Python loop
    (the bulk twin of `enrollment.services.new_token`)."""
    if n == 0:
        return pl.Series("verify_token", [], dtype=pl.String)
    encoded = base64.urlsafe_b64encode(os.urandom(18 * n)).decode("ascii")
    return pl.Series("verify_token", [encoded]).str.extract_all(".{24}").explode().rename("verify_token")


def number_sql(d: Dialect, id_col: str, start_col: str = "start_date") -> str:
    """`enrollment.rules.membership_number` in SQL: two-digit start year + the id padded to nine digits."""
    return f"{d.year2(start_col)} || {d.lpad(id_col, 9)}"


def stage_columns(d: Dialect) -> list[str]:
    b, i = d.type("bool"), d.type("int")
    return [
        "segment text", *[f"{p} {b}" for p in PROGRAMMES], f"wage {i}", "start_date date", "verify_token text",
        f"membership_id {i}", "membership_status text", f"membership_changed {b}",
        f"membership_changes {'jsonb' if d.pg else 'text'}", f"new_membership_id {i}", "funded_by text",
    ]  # fmt: skip


def _open_list() -> str:
    return ", ".join(f"'{s}'" for s in OPEN_STATUSES)


def match_memberships(cur, d: Dialect, stage: str, *, payer_id: int) -> None:
    """Find each staged worker's open membership with this payer and what a re-upload would change in it."""
    changed = " OR ".join(d.distinct(f"m.{c}", f"s.{c}") for c in MEMBERSHIP_DATA)
    changes = d.json_changes(
        [(c, d.json_bool(f"m.{c}"), d.json_bool(f"s.{c}")) if c in PROGRAMMES else (c, f"m.{c}", f"s.{c}")
         for c in MEMBERSHIP_DATA]
    )  # fmt: skip
    cur.execute(
        f"UPDATE {stage} AS s SET membership_id = m.id, membership_status = m.status, "
        f"membership_changed = ({changed}), membership_changes = CASE WHEN {changed} THEN {changes} END "
        f"FROM enrollment_membership AS m WHERE m.worker_id = s.worker_id AND m.payer_id = %s "
        f"AND m.status IN ({_open_list()})",
        [payer_id],
    )


def check_double_funding(cur, d: Dialect, stage: str, *, payer_id: int, payer_kind: str, confirmed: bool) -> int:
    """Rows that would give a worker a second open membership with a government payer: note who funds them now
    and, unless the uploader confirmed double funding, refuse them. Returns how many rows are double-funded."""
    if payer_kind not in GOVERNMENT:
        return 0
    names = "string_agg(p.name, ', ' ORDER BY p.name)" if d.pg else "group_concat(p.name, ', ')"
    government = ", ".join(f"'{k}'" for k in GOVERNMENT)
    cur.execute(
        f"UPDATE {stage} SET funded_by = (SELECT {names} FROM enrollment_membership AS m "
        f"JOIN enrollment_payer AS p ON p.id = m.payer_id WHERE m.worker_id = {stage}.worker_id "
        f"AND m.payer_id <> %s AND m.status IN ({_open_list()}) AND p.kind IN ({government})) "
        "WHERE worker_id IS NOT NULL AND membership_id IS NULL AND rejected IS NULL",
        [payer_id],
    )
    cur.execute(f"SELECT COUNT(*) FROM {stage} WHERE funded_by IS NOT NULL AND rejected IS NULL")
    funded = int(cur.fetchone()[0])
    if funded and not confirmed:
        cur.execute(f"UPDATE {stage} SET rejected = %s WHERE funded_by IS NOT NULL AND rejected IS NULL",
                    [DOUBLE_FUNDING])  # fmt: skip
    return funded


def write_memberships(
    cur, d: Dialect, stage: str, *, payer_id: int, payer_region: str, actor, now, reason: str, first_terms: list
) -> None:
    """Update the changed terms and insert the new memberships, each with its number, its creation event and its
    first terms (`enrollment.terms.FIRST_TERMS_SELECT`; `first_terms` are its params). `lives_elsewhere` comes from
    the staged domicile, which is the worker's after `registry.bulk.write_workers`."""
    sets = ", ".join(f"{c} = s.{c}" for c in MEMBERSHIP_DATA)
    cur.execute(
        f"UPDATE enrollment_membership SET {sets} FROM {stage} AS s "
        f"WHERE enrollment_membership.id = s.membership_id AND s.membership_changed AND s.rejected IS NULL"
    )
    programmes = ", ".join(PROGRAMMES)
    columns = (
        f"id, number, worker_id, payer_id, segment, {programmes}, wage, start_date, status, end_reason, "
        "status_changed_at, verify_token, created_at, created_by_id, lives_elsewhere"
    )
    elsewhere = outside("domicile_id", "%s")  # the payer's region: three parameters
    new = "membership_id IS NULL AND rejected IS NULL"
    if d.pg:
        # One statement: ids drawn from the sequence inside the SELECT, the number computed from them, and the
        # creation events and first terms written from RETURNING, so no staged row is rewritten and no membership
        # is read back (the terms inside the merge's set-based FK window: no RI trigger per row).
        cur.execute(
            f"WITH new AS (INSERT INTO enrollment_membership ({columns}) "
            f"SELECT x.id, {number_sql(d, 'x.id', 'x.start_date')}, COALESCE(worker_id, new_worker_id), %s, "
            f"segment, {programmes}, wage, start_date, 'registered', '', %s, verify_token, %s, %s, {elsewhere} "
            f"FROM (SELECT {d.nextval('enrollment_membership')} AS id, s.* "
            f"FROM {stage} AS s WHERE s.membership_id IS NULL AND s.rejected IS NULL) AS x "
            f"RETURNING id, start_date, {', '.join(TERMS)}), "
            f"events AS (INSERT INTO enrollment_membershipevent ({MEMBERSHIP_EVENT_COLUMNS}) "
            + MEMBERSHIP_CREATED_SELECT.format(id_col="id", source="new")
            + f") INSERT INTO enrollment_membershipterms ({FIRST_TERMS_COLUMNS}) "
            + FIRST_TERMS_SELECT.format(id_col="id", source="new"),
            [payer_id, now, now, actor.user_id, *[payer_region] * 3, now, actor.user_id, reason[:300], *first_terms],
        )
        return
    cur.execute(d.next_ids(stage, "enrollment_membership", "new_membership_id", new))
    cur.execute(
        f"INSERT INTO enrollment_membership ({columns}) "
        f"SELECT new_membership_id, {number_sql(d, 'new_membership_id')}, COALESCE(worker_id, new_worker_id), %s, "
        f"segment, {programmes}, wage, start_date, 'registered', '', %s, verify_token, %s, %s, {elsewhere} "
        f"FROM {stage} WHERE {new}",
        [payer_id, now, now, actor.user_id, payer_region, payer_region, payer_region],
    )
    cur.execute(
        f"INSERT INTO enrollment_membershipevent ({MEMBERSHIP_EVENT_COLUMNS}) "
        + MEMBERSHIP_CREATED_SELECT.format(id_col="new_membership_id", source=f"{stage} WHERE {new}"),
        [now, actor.user_id, reason[:300]],
    )
    cur.execute(
        f"INSERT INTO enrollment_membershipterms ({FIRST_TERMS_COLUMNS}) "
        + FIRST_TERMS_SELECT.format(id_col="new_membership_id", source=f"{stage} WHERE {new}"),
        first_terms,
    )


def write_membership_history(cur, d: Dialect, stage: str, *, actor, now, reason: str) -> None:
    """One `terms` event per membership whose segment, programmes or wage a re-upload changed."""
    cur.execute(
        TERMS_CHANGED_INSERT.format(stage=stage, where="membership_changed AND rejected IS NULL"),
        [now, actor.user_id, reason[:300]],
    )


# --- set-based foreign-key checks (PostgreSQL, `sijaga.core.fkcheck`) ----------------------------------------------

#: the tables the merge writes between `check_references` and `fkcheck.triggers_on`
MERGED_TABLES = (
    "registry_worker", "registry_workerchange", "enrollment_membership", "enrollment_membershipevent",
    "enrollment_membershipterms",
)  # fmt: skip
#: every foreign key of MERGED_TABLES, each checked by `check_references` (a test compares this with pg_constraint;
#: the merge falls back to the RI triggers when they differ)
CHECKED_FKS = {
    ("registry_worker", "domicile_id", "regions_region", "code"),
    ("registry_worker", "created_by_id", "accounts_user", "id"),
    ("registry_workerchange", "worker_id", "registry_worker", "id"),
    ("registry_workerchange", "by_id", "accounts_user", "id"),
    ("enrollment_membership", "worker_id", "registry_worker", "id"),
    ("enrollment_membership", "payer_id", "enrollment_payer", "id"),
    ("enrollment_membership", "created_by_id", "accounts_user", "id"),
    ("enrollment_membershipevent", "membership_id", "enrollment_membership", "id"),
    ("enrollment_membershipevent", "by_id", "accounts_user", "id"),
    # first terms are written only for memberships inserted by the same statement (`write_memberships`)
    ("enrollment_membershipterms", "membership_id", "enrollment_membership", "id"),
    # The bulk merge never writes `project_id` (a Jakon membership is attached to its project on the project page or
    # API, through the services): inserted memberships leave it NULL and updates do not touch it, so it references
    # nothing to check. A merge that starts writing it must add a check below.
    ("enrollment_membership", "project_id", "enrollment_constructionproject", "id"),
}


def _locked(cur, table: str, key: str, ids_sql: str, params: list) -> tuple[int, int]:
    """(distinct keys wanted, referenced rows found and locked FOR KEY SHARE, as an RI trigger locks them)."""
    cur.execute(
        f"WITH wanted AS (SELECT DISTINCT k FROM ({ids_sql}) AS w (k) WHERE k IS NOT NULL), "
        f"found AS (SELECT t.{key} FROM {table} AS t WHERE t.{key} IN (SELECT k FROM wanted) FOR KEY SHARE OF t) "
        "SELECT (SELECT COUNT(*) FROM wanted), (SELECT COUNT(*) FROM found)",
        params,
    )
    wanted, found = cur.fetchone()
    return int(wanted), int(found)


def check_references(cur, stage: str, *, payer_id: int, user_id: int | None) -> None:
    """Before a merge that runs without RI triggers: every row it will reference exists, locked `FOR KEY SHARE`
    until commit (so no other transaction can delete it meanwhile), else `BrokenReference` and nothing is written.

    New workers and memberships are referenced only by rows of this same transaction, which no other transaction
    can see or delete, so they need no check. Stored workers and memberships are locked here when the merge will
    reference them (a new membership of a known worker, the history of a changed worker or membership)."""
    from sijaga.core.fkcheck import BrokenReference

    ok = "rejected IS NULL"
    checks = [
        ("enrollment_payer", "id", "SELECT %s", [payer_id], "enrollment_membership.payer_id"),
        ("regions_region", "code",
         f"SELECT domicile_id FROM {stage} WHERE {ok} AND (worker_id IS NULL OR worker_state = 'changed')", [],
         "registry_worker.domicile_id"),
        ("registry_worker", "id",
         f"SELECT worker_id FROM {stage} WHERE {ok} AND (membership_id IS NULL OR worker_state = 'changed')", [],
         "enrollment_membership.worker_id / registry_workerchange.worker_id"),
        ("enrollment_membership", "id", f"SELECT membership_id FROM {stage} WHERE {ok} AND membership_changed", [],
         "enrollment_membershipevent.membership_id"),
    ]  # fmt: skip
    if user_id is not None:
        checks.append(("accounts_user", "id", "SELECT %s", [user_id], "created_by_id / by_id"))
    for table, key, ids_sql, params, what in checks:
        wanted, found = _locked(cur, table, key, ids_sql, params)
        if found != wanted:
            raise BrokenReference(
                f"bulk merge refused: {wanted - found} of {wanted} {table}.{key} referenced by {what} do not exist "
                "(deleted meanwhile?); nothing was written"
            )


# --- status changes driven by another app, set-based (`contributions.payments.refresh_statuses`) -----------------


def change_statuses(cur, d: Dialect, moves: str, *, actor, now) -> list[int]:
    """Move the memberships listed in the table ``moves`` (membership_id, from_status, to_status, reason) and write
    one `status` event each (`events.STATUS_CHANGED_SELECT`, what `services.change_status` writes one by one). Only
    rows still in their ``from_status`` move (a change made meanwhile wins) and only along `rules.TRANSITIONS`
    other than ending (which needs an end reason and date: the form's business). Returns the payers of the moved
    memberships. The caller chose the memberships and holds their payers' locks; ``actor`` must change statuses."""
    from django.core.exceptions import PermissionDenied

    from sijaga.enrollment.events import STATUS_CHANGED_SELECT
    from sijaga.enrollment.rules import TRANSITIONS

    if not actor.can_change_status:
        raise PermissionDenied("this actor may not change membership statuses")
    allowed = " OR ".join(
        f"(s.from_status = '{a}' AND s.to_status = '{b}')"
        for a, targets in sorted(TRANSITIONS.items())
        for b in sorted(targets)
        if b != "ended"
    )
    insert = f"INSERT INTO enrollment_membershipevent ({MEMBERSHIP_EVENT_COLUMNS}) "
    if d.pg:  # one statement: the rows updated, and from them their events
        cur.execute(
            f"WITH moved AS (UPDATE enrollment_membership AS m SET status = s.to_status, status_changed_at = %s "
            f"FROM {moves} AS s WHERE m.id = s.membership_id AND m.status = s.from_status AND ({allowed}) "
            "RETURNING m.id AS membership_id, m.payer_id, s.from_status, s.to_status, s.reason), "
            f"events AS ({insert}{STATUS_CHANGED_SELECT.format(row='', source='moved')}) "
            "SELECT DISTINCT payer_id FROM moved",
            [now, now, actor.user_id],
        )
        return sorted(row[0] for row in cur.fetchall())
    # SQLite (one writer at a time): the events of the rows that will move, then the move
    moving = (
        f"{moves} AS s JOIN enrollment_membership AS m ON m.id = s.membership_id "
        f"WHERE m.status = s.from_status AND ({allowed})"
    )
    cur.execute(f"SELECT DISTINCT m.payer_id FROM {moving}")
    payers = sorted(row[0] for row in cur.fetchall())
    cur.execute(insert + STATUS_CHANGED_SELECT.format(row="s.", source=moving), [now, actor.user_id])
    cur.execute(
        f"UPDATE enrollment_membership SET status = s.to_status, status_changed_at = %s FROM {moves} AS s "
        f"WHERE enrollment_membership.id = s.membership_id AND enrollment_membership.status = s.from_status "
        f"AND ({allowed})",
        [now],
    )
    return payers
