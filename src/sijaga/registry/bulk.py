"""Set-based writes of workers for bulk imports: the registry owns the SQL that touches `registry_worker`.

A bulk loader (the enrolment import kind) stages its rows in a temporary table that has at least the columns of
`stage_columns()` (`search_key` is `registry.names.name_key_column(full_name)`, computed by the loader); the
functions below match the staged rows to stored workers, refuse rows whose worker the actor may not see, insert
the new workers, update the changed ones and write one `WorkerChange` row (before/after values, the same shape as
`registry.events.worker_changed`) per changed worker. Every statement compares before it writes,
so a re-run of the same rows changes nothing.
"""

from __future__ import annotations

import polars as pl
from django.db.models.expressions import RawSQL

from sijaga.core.bulk import Dialect
from sijaga.registry import vocabulary
from sijaga.registry.events import WORKER_CHANGED_INSERT
from sijaga.registry.models import Worker

#: the worker columns an import may change (the NIK, birth date and gender are the identity: never updated)
WORKER_DATA = ("full_name", "domicile_id", "phone", "occupation", "category")
LOOKUP_CHUNK = 20_000
#: `rejected` code of a row whose NIK belongs to a worker outside the actor's scope
NIK_ELSEWHERE = "nik_elsewhere"


def stage_columns(d: Dialect) -> list[str]:
    """The staging-table columns the functions below read and write."""
    return [
        "nik text", "full_name text", "search_key text", "birth_date date", "gender text", "domicile_id text",
        "phone text", "occupation text", "category text", f"worker_id {d.type('int')}", "worker_state text",
        f"worker_changes {'jsonb' if d.pg else 'text'}", "rejected text",
        f"new_worker_id {d.type('int')}"
        + (f" DEFAULT {d.nextval('registry_worker')}" if d.pg else ""),
    ]  # fmt: skip


def existing_niks(niks: pl.Series, actor) -> pl.DataFrame:
    """NIKs of a file already registered, and whether the actor may see (and so update) each worker.

    PostgreSQL gets the whole column as one array parameter; SQLite gets chunks. Visibility is then asked only
    for the NIKs that exist (usually a few), not for the whole file.
    """
    from django.db import connection, transaction

    values = niks.drop_nulls().unique().to_list()
    found: list[str] = []
    if connection.vendor == "postgresql":
        # COPY into a temporary table and join: 4–5× faster than `nik = ANY(1M-element array)` on an empty
        # registry, about 2× when every NIK exists, and no 1M-element array to build (performance review §4.3).
        import io

        buf = io.BytesIO()
        pl.DataFrame({"nik": values}, schema={"nik": pl.String}).write_csv(buf, include_header=False)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE sijaga_nik_lookup (nik text) ON COMMIT DROP")
            with cur.cursor.copy("COPY sijaga_nik_lookup (nik) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
            cur.execute("ANALYZE sijaga_nik_lookup")
            cur.execute("SELECT w.nik FROM registry_worker AS w JOIN sijaga_nik_lookup AS l ON l.nik = w.nik")
            found = [row[0] for row in cur.fetchall()]
            cur.execute("DROP TABLE sijaga_nik_lookup")
    else:
        for i in range(0, len(values), LOOKUP_CHUNK):
            found += list(Worker.objects.filter(nik__in=values[i : i + LOOKUP_CHUNK]).values_list("nik", flat=True))
    if actor.scope.national:
        visible = set(found)
    else:
        visible = set()
        for i in range(0, len(found), LOOKUP_CHUNK):
            chunk = found[i : i + LOOKUP_CHUNK]
            visible |= set(Worker.objects.visible_to(actor).filter(nik__in=chunk).values_list("nik", flat=True))
    frame = pl.DataFrame({"nik": found}, schema={"nik": pl.String})
    return frame.with_columns(pl.col("nik").is_in(pl.Series(list(visible), dtype=pl.String).implode()).alias("visible"))


def workers_born_on(dates: pl.Series, actor) -> pl.DataFrame:
    """Registered workers the actor may see born on any of these dates (nik, full_name, birth_date, search_key):
    the candidates for the import's likely-duplicate warning. Chunked: a file has at most a few thousand dates."""
    values = dates.drop_nulls().unique().to_list()
    rows: list[tuple] = []
    for i in range(0, len(values), DATE_CHUNK):
        rows += list(
            Worker.objects.visible_to(actor)
            .filter(birth_date__in=values[i : i + DATE_CHUNK])
            .values_list("nik", "full_name", "birth_date", "search_key")
        )
    schema = {"nik": pl.String, "full_name": pl.String, "birth_date": pl.Date, "search_key": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


DATE_CHUNK = 500


def _after(column: str) -> str:
    return f"COALESCE(s.{column}, '')" if column in ("phone", "occupation") else f"s.{column}"


def match_workers(cur, d: Dialect, stage: str, actor) -> None:
    """Find each staged NIK's worker, note whether (and how) its data would change, and refuse the rows whose
    worker the actor may not see — checked here, inside the merge transaction, because a worker may have been
    registered by another region since the file was validated (security review F3)."""
    changed = " OR ".join(d.distinct(f"w.{c}", _after(c)) for c in WORKER_DATA)
    changes = d.json_changes([(c, f"w.{c}", _after(c)) for c in WORKER_DATA])
    cur.execute(
        f"UPDATE {stage} AS s SET worker_id = w.id, "
        f"worker_state = CASE WHEN {changed} THEN 'changed' ELSE 'same' END, "
        f"worker_changes = CASE WHEN {changed} THEN {changes} END "
        f"FROM registry_worker AS w WHERE w.nik = s.nik"
    )
    if actor.scope.national:
        return
    # the actor's visible workers, as the ORM scopes them, correlated with the staged row
    visible, params = (
        Worker.objects.visible_to(actor).filter(pk=RawSQL(f"{stage}.worker_id", [])).values("pk").query  # noqa: S611
    ).sql_with_params()
    cur.execute(
        f"UPDATE {stage} SET rejected = %s WHERE worker_id IS NOT NULL AND rejected IS NULL AND NOT EXISTS ({visible})",
        [NIK_ELSEWHERE, *params],
    )


def write_workers(cur, d: Dialect, stage: str, *, actor, now) -> None:
    """Insert the new workers and update the changed ones (rows refused earlier are left alone)."""
    if not d.pg:  # PostgreSQL drew new_worker_id from the sequence while the rows were copied in
        cur.execute(d.next_ids(stage, "registry_worker", "new_worker_id", "worker_id IS NULL"))
    cur.execute(
        "INSERT INTO registry_worker (id, nik, full_name, search_key, birth_date, gender, domicile_id, phone, "
        "occupation, category, created_at, updated_at, created_by_id) "
        "SELECT new_worker_id, nik, full_name, COALESCE(search_key, ''), birth_date, gender, domicile_id, "
        f"COALESCE(phone, ''), COALESCE(occupation, ''), category, %s, %s, %s FROM {stage} "
        "WHERE worker_id IS NULL AND rejected IS NULL",
        [now, now, actor.user_id],
    )
    sets = ", ".join(f"{c} = {_after(c)}" for c in WORKER_DATA)
    cur.execute(
        f"UPDATE registry_worker SET {sets}, search_key = COALESCE(s.search_key, ''), updated_at = %s "
        f"FROM {stage} AS s "
        "WHERE registry_worker.id = s.worker_id AND s.worker_state = 'changed' AND s.rejected IS NULL",
        [now],
    )
    vocabulary.add_from(
        cur, d, f"SELECT search_key FROM {stage} WHERE rejected IS NULL AND search_key IS NOT NULL "
        "AND (worker_id IS NULL OR worker_state = 'changed')",
    )  # fmt: skip


def write_worker_history(cur, d: Dialect, stage: str, *, actor, now, reason: str) -> None:
    """One `WorkerChange` per changed worker, with the before/after values computed by `match_workers`."""
    cur.execute(
        WORKER_CHANGED_INSERT.format(
            changes_expr="worker_changes", stage=stage, where="worker_state = 'changed' AND rejected IS NULL"
        ),
        [now, actor.user_id, actor.channel, reason[:300]],
    )
