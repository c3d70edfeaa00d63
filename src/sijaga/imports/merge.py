"""Set-based merge of validated rows into workers and memberships, in one transaction.

Rows go into a temporary staging table (PostgreSQL: COPY of Polars-written CSV; SQLite: batched inserts), then a
fixed sequence of INSERT … SELECT and UPDATE … FROM statements merges them. The SQL is the same on both databases
except for the few spellings in `_Dialect`. Because everything happens in one transaction and every statement
compares before it writes, a killed import leaves nothing behind and a re-run of the same file changes nothing.
"""

from __future__ import annotations

import base64
import io
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from sijaga.enrollment.rules import OPEN_STATUSES, PROGRAMMES

STAGE = "sijaga_import_stage"
STAGE_COLUMNS = (
    "row_no", "nik", "full_name", "birth_date", "gender", "domicile_id", "phone", "occupation", "category",
    "segment", "jkk", "jkm", "jht", "jp", "jkp", "wage", "start_date", "verify_token",
)  # fmt: skip
WORKER_DATA = ("full_name", "domicile_id", "phone", "occupation", "category")
MEMBERSHIP_DATA = ("segment", *PROGRAMMES, "wage")
COPY_CHUNK = 100_000


@dataclass(frozen=True)
class MergeCounts:
    created: int
    updated: int
    unchanged: int


class _Dialect:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def distinct(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.pg else f"{a} IS NOT {b}"

    def number(self, id_col: str) -> str:
        """Membership number: two-digit start year + the id padded to nine digits (same as the enrol service)."""
        if self.pg:
            return f"to_char(start_date, 'YY') || lpad({id_col}::text, 9, '0')"
        return f"substr(strftime('%Y', start_date), 3, 2) || substr('000000000' || {id_col}, -9, 9)"

    def next_ids(self, table: str, target: str, where: str) -> str:
        """Give the staged rows that will be inserted their ids up front, so one INSERT writes each row once
        (number included) and no UPDATE or join by token has to find them again."""
        if self.pg:
            return f"UPDATE {STAGE} SET {target} = nextval(pg_get_serial_sequence('{table}', 'id')) WHERE {where}"
        return f"UPDATE {STAGE} SET {target} = (SELECT COALESCE(MAX(id), 0) FROM {table}) + row_no WHERE {where}"

    def stage_ddl(self) -> str:
        b, d, t, i = ("boolean", "date", "text", "bigint") if self.pg else ("bool", "date", "text", "integer")
        cols = [f"row_no {i}", f"nik {t}", f"full_name {t}", f"birth_date {d}", f"gender {t}", f"domicile_id {t}",
                f"phone {t}", f"occupation {t}", f"category {t}", f"segment {t}", *[f"{p} {b}" for p in PROGRAMMES],
                f"wage {i}", f"start_date {d}", f"verify_token {t}", f"worker_id {i}", f"worker_state {t}",
                f"membership_id {i}", f"membership_changed {b}", f"new_membership_id {i}",
                f"new_worker_id {i}" + (" DEFAULT nextval(pg_get_serial_sequence('registry_worker', 'id'))"
                                        if self.pg else "")]  # fmt: skip
        on_commit = " ON COMMIT DROP" if self.pg else ""
        return f"CREATE TEMP TABLE {STAGE} ({', '.join(cols)}){on_commit}"


def new_tokens(n: int) -> pl.Series:
    """n unguessable URL-safe tokens of 24 characters (144 random bits each), generated without a Python loop."""
    if n == 0:
        return pl.Series("verify_token", [], dtype=pl.String)
    encoded = base64.urlsafe_b64encode(os.urandom(18 * n)).decode("ascii")
    return pl.Series("verify_token", [encoded]).str.extract_all(".{24}").explode().rename("verify_token")


def _fault(point: str) -> None:
    """Crash injection for the kill-and-rerun tests (SIJAGA_IMPORT_FAULT, see docs/settings.md)."""
    from sijaga.config import env

    if env("SIJAGA_IMPORT_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def merge(
    valid: pl.DataFrame,
    *,
    payer_id: int,
    user_id: int | None,
    reason: str,
    progress: Callable[[int, int], None] | None = None,
) -> MergeCounts:
    """Merge `valid` (output of `validate`) for one payer. Must be called inside `transaction.atomic()`."""
    assert transaction.get_connection().in_atomic_block, "merge() must run inside a transaction"
    dialect = _Dialect(connection.vendor)
    frame = valid.with_columns(new_tokens(valid.height)).select(
        pl.col("__row").alias("row_no"), *[c for c in STAGE_COLUMNS if c != "row_no"]
    )
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cur.execute(dialect.stage_ddl())
        _fill_stage(cur, frame, dialect, progress)
        if dialect.pg:
            cur.execute(f"ANALYZE {STAGE}")  # a temp table has no statistics: without them the joins go nested-loop
        _fault("after_stage")
        _merge_workers(cur, dialect, now, user_id)
        _fault("after_workers")
        _merge_memberships(cur, dialect, now, user_id, payer_id, reason)
        _fault("after_memberships")
        cur.execute(
            f"SELECT "
            f"COALESCE(SUM(CASE WHEN membership_id IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN membership_id IS NOT NULL AND (worker_state = 'changed' "
            f"OR membership_changed) THEN 1 ELSE 0 END), 0), COUNT(*) FROM {STAGE}"
        )
        created, updated, total = cur.fetchone()
        if not dialect.pg:
            cur.execute(f"DROP TABLE {STAGE}")
    return MergeCounts(created=int(created), updated=int(updated), unchanged=int(total - created - updated))


def _fill_stage(cur, frame: pl.DataFrame, dialect: _Dialect, progress) -> None:
    cols = ", ".join(STAGE_COLUMNS)
    total = frame.height
    done = 0
    if dialect.pg:
        with cur.cursor.copy(f"COPY {STAGE} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            for chunk in frame.iter_slices(COPY_CHUNK):
                buf = io.BytesIO()
                chunk.write_csv(buf, include_header=False, date_format="%Y-%m-%d")
                copy.write(buf.getvalue())
                done += chunk.height
                if progress:
                    progress(done, total)
        return
    sql = f"INSERT INTO {STAGE} ({cols}) VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})"
    text_dates = frame.with_columns(pl.col("birth_date", "start_date").dt.strftime("%Y-%m-%d"))
    for chunk in text_dates.iter_slices(20_000):
        cur.executemany(sql, chunk.rows())
        done += chunk.height
        if progress:
            progress(done, total)


def _merge_workers(cur, d: _Dialect, now, user_id) -> None:
    changed = " OR ".join(d.distinct(f"w.{c}", f"s.{c}") for c in WORKER_DATA)
    cur.execute(
        f"UPDATE {STAGE} AS s SET worker_id = w.id, "
        f"worker_state = CASE WHEN {changed} THEN 'changed' ELSE 'same' END "
        f"FROM registry_worker AS w WHERE w.nik = s.nik"
    )
    if not d.pg:  # PostgreSQL drew new_worker_id from the sequence while the rows were copied in
        cur.execute(d.next_ids("registry_worker", "new_worker_id", "worker_id IS NULL"))
    cur.execute(
        "INSERT INTO registry_worker (id, nik, full_name, birth_date, gender, domicile_id, phone, occupation, "
        "category, created_at, updated_at, created_by_id) "
        "SELECT new_worker_id, nik, full_name, birth_date, gender, domicile_id, COALESCE(phone, ''), "
        f"COALESCE(occupation, ''), category, %s, %s, %s FROM {STAGE} WHERE worker_id IS NULL",
        [now, now, user_id],
    )
    sets = ", ".join(
        f"{c} = COALESCE(s.{c}, '')" if c in ("phone", "occupation") else f"{c} = s.{c}" for c in WORKER_DATA
    )
    cur.execute(
        f"UPDATE registry_worker SET {sets}, updated_at = %s FROM {STAGE} AS s "
        f"WHERE registry_worker.id = s.worker_id AND s.worker_state = 'changed'",
        [now],
    )


def _merge_memberships(cur, d: _Dialect, now, user_id, payer_id, reason) -> None:
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    changed = " OR ".join(d.distinct(f"m.{c}", f"s.{c}") for c in MEMBERSHIP_DATA)
    cur.execute(
        f"UPDATE {STAGE} AS s SET membership_id = m.id, membership_changed = ({changed}) "
        f"FROM enrollment_membership AS m WHERE m.worker_id = s.worker_id AND m.payer_id = %s "
        f"AND m.status IN ({open_list})",
        [payer_id],
    )
    sets = ", ".join(f"{c} = s.{c}" for c in MEMBERSHIP_DATA)
    cur.execute(
        f"UPDATE enrollment_membership SET {sets} FROM {STAGE} AS s "
        f"WHERE enrollment_membership.id = s.membership_id AND s.membership_changed"
    )
    programmes = ", ".join(PROGRAMMES)
    if d.pg:
        # One statement: ids drawn from the sequence inside the SELECT, the number computed from them, and the
        # creation events written from RETURNING, so no staged row is rewritten.
        cur.execute(
            "WITH new AS (INSERT INTO enrollment_membership (id, number, worker_id, payer_id, segment, "
            f"{programmes}, wage, start_date, status, end_reason, status_changed_at, verify_token, created_at, "
            f"created_by_id) SELECT x.id, {d.number('x.id')}, COALESCE(worker_id, new_worker_id), %s, segment, "
            f"{programmes}, wage, "
            "start_date, 'registered', '', %s, verify_token, %s, %s FROM (SELECT nextval(pg_get_serial_sequence("
            f"'enrollment_membership', 'id')) AS id, s.* FROM {STAGE} AS s WHERE s.membership_id IS NULL) AS x "
            "RETURNING id) "
            "INSERT INTO enrollment_membershipevent (membership_id, at, by_id, from_status, to_status, reason, "
            "end_reason, kind) SELECT id, %s, %s, '', 'registered', %s, '', 'created' FROM new",
            [payer_id, now, now, user_id, now, user_id, reason[:300]],
        )
        return
    cur.execute(d.next_ids("enrollment_membership", "new_membership_id", "membership_id IS NULL"))
    cur.execute(
        f"INSERT INTO enrollment_membership (id, number, worker_id, payer_id, segment, {programmes}, wage, "
        "start_date, status, end_reason, status_changed_at, verify_token, created_at, created_by_id) "
        f"SELECT new_membership_id, {d.number('new_membership_id')}, COALESCE(worker_id, new_worker_id), %s, "
        f"segment, {programmes}, wage, "
        "start_date, 'registered', '', %s, verify_token, %s, %s "
        f"FROM {STAGE} WHERE membership_id IS NULL",
        [payer_id, now, now, user_id],
    )
    cur.execute(
        "INSERT INTO enrollment_membershipevent (membership_id, at, by_id, from_status, to_status, reason, end_reason, "
        f"kind) SELECT new_membership_id, %s, %s, '', 'registered', %s, '', 'created' FROM {STAGE} "
        "WHERE membership_id IS NULL",
        [now, user_id, reason[:300]],
    )
