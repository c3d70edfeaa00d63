"""Benchmark the bulk enrolment import end to end: raw COPY, SiJaga's pipeline and django-import-export.

    python bench/import.py [--rows 1000000] [--sample 20000] [--xlsx-rows 40000] [--database-url URL]
    python bench/import.py --quick          # 100,000 rows, 5,000 sample, 10,000 XLSX rows

Needs PostgreSQL (default ``postgresql://postgres@127.0.0.1:5432/sijaga_bench``, created when missing). The
script migrates that database, loads the regions once, creates a pemkab payer and then, in one run:

1. generates N valid, plausible rows with ``bench/generate.py`` (real district and village codes of one regency,
   NIKs whose DDMMYY and gender match the birth-date and gender columns, unique serials), written as `;` CSV;
2. (a) COPYs that CSV into an unindexed all-text table: the limit of this machine;
3. (b) runs ``sijaga.imports.services.import_file`` on it (empty tables) in a child process, which reports its
   peak RSS and the seconds spent in each phase; (b') runs it again (re-upload: every row unchanged);
   (l) COPYs the final rows (b) wrote (dumped with ``COPY … TO``) back into the four real tables as migrated,
   empty, with every index, CHECK and deferred foreign key, in one transaction: the limit of *this schema*, which
   (b) is measured against (issue 18);
4. (c) imports the first ``--sample`` rows with a django-import-export ``ModelResource`` doing the same work
   (worker upsert by NIK, model validation, membership with number and history event);
5. imports an XLSX (NIK as text) of the first ``--xlsx-rows`` rows with ``import_file``.

Speeds are compared as rows/s. Every table written is emptied with TRUNCATE first: use a database of its own.
Uploaded copies and reports go to ``--workdir``/var (``SIJAGA_DATA_DIR``), removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import polars as pl

from generate import ROOT, ensure_database, generate, regency_places  # bench/generate.py: also puts src/ on sys.path

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sijaga_bench"
REGENCY = "64.02"  # Kutai Kartanegara: 20 districts, 237 villages
PAYER_CODE = "bench-pemkab-64-02"
WORK_TABLES = (
    "registry_worker",
    "enrollment_membership",
    "enrollment_membershipevent",
    "enrollment_membershipterms",
    "imports_importevent",
    "imports_importbatch",
)
COPY_TABLE = "bench_raw_copy"
BLOCK = 1024 * 1024
GOAL_SECONDS_PER_MILLION = 35  # issue 18, this machine, default PostgreSQL settings
GOAL_VS_LIMIT = 1.3  # issue 18: (b) at least 1.3x as fast as (l), the COPY of its rows measured in the same run
GOAL_REUPLOAD_SECONDS_PER_MILLION = 20
GOAL_VS_IMPORT_EXPORT = 50
GOAL_RSS_MB = 1536
GOAL_XLSX_SECONDS = 5
EVENT_REASON = "Impor massal (django-import-export)"


# --- files ------------------------------------------------------------------------------------------------


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """The template's layout: NIK as text, dates as Excel dates, wage as a number (what a Pemda file holds)."""
    import xlsxwriter

    from sijaga.enrollment.importing import COLUMNS

    keys = [c.key for c in COLUMNS]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet = book.add_worksheet("Data Peserta")
    sheet.write_row(0, 0, [c.header for c in COLUMNS])
    typed = frame.with_columns(
        pl.col("Tanggal Lahir", "Tanggal Mulai").str.to_date("%d/%m/%Y"),
        pl.col("Upah/Penghasilan").cast(pl.Int64),
    )
    for r, row in enumerate(typed.iter_rows(), start=1):
        for col, (key, value) in enumerate(zip(keys, row, strict=True)):
            if value is None:
                continue
            if key in ("birth_date", "start_date"):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date)
            elif key == "wage":
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, value, text)
    book.close()


# --- database -------------------------------------------------------------------------------------------------


def setup_django(url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["SIJAGA_DATA_DIR"] = str(workdir / "var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")
    import django

    django.setup()


def prepare() -> str:
    """Migrate, load the regions if missing, create the payer if missing; returns the payer code."""
    from django.core.management import call_command

    from sijaga.enrollment.models import Payer
    from sijaga.regions.models import Region
    from sijaga.regions.services import load_regions

    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.filter(level=4).exists():
        t0 = time.perf_counter()
        result = load_regions()
        print(f"loaded regions: {result.created:,} created in {time.perf_counter() - t0:.1f} s")
    if not Payer.objects.filter(code=PAYER_CODE).exists():
        regency = Region.objects.get(code=REGENCY)
        payer = Payer(code=PAYER_CODE, name=f"Pemerintah {regency.name} (benchmark)", kind="pemkab",
                      region=regency, funding_source="apbd")  # fmt: skip
        payer.full_clean()
        payer.save()
    return PAYER_CODE


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(WORK_TABLES)} RESTART IDENTITY CASCADE")


def counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in ("registry_worker", "enrollment_membership", "enrollment_membershipevent"):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM enrollment_membership WHERE number IS NULL")
        out["membership_without_number"] = cur.fetchone()[0]
    return out


#: the engine and the enrolment kind's validation and merge SQL
PIPELINE_SOURCES = (
    "imports/reader.py", "imports/parsers.py", "imports/services.py", "enrollment/importing.py",
    "enrollment/bulk.py", "registry/bulk.py", "core/bulk.py",
)  # fmt: skip


def pipeline_digest() -> str:
    """Which version of the import code was measured (the files change under active development)."""
    import hashlib

    digest = hashlib.sha256()
    for name in PIPELINE_SOURCES:
        digest.update((ROOT / "src" / "sijaga" / name).read_bytes())
    return digest.hexdigest()[:12]


def clear_uploads(workdir: Path) -> None:
    shutil.rmtree(workdir / "var" / "imports", ignore_errors=True)


# --- (a) raw COPY ---------------------------------------------------------------------------------------------


def raw_copy(url: str, csv: Path, n_columns: int) -> tuple[float, int]:
    import psycopg

    columns = ", ".join(f"c{i} text" for i in range(n_columns))
    with psycopg.connect(url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        conn.execute(f"CREATE TABLE {COPY_TABLE} ({columns})")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur, csv.open("rb") as fh:
            with cur.copy(f"COPY {COPY_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')") as copy:
                while block := fh.read(BLOCK):
                    copy.write(block)
            conn.commit()
        seconds = time.perf_counter() - t0
        rows = conn.execute(f"SELECT count(*) FROM {COPY_TABLE}").fetchone()[0]
        conn.execute(f"DROP TABLE {COPY_TABLE}")
        conn.commit()
    return seconds, rows


#: what (b) writes per row: the worker, the membership, its creation event and its first terms (coverage cells,
#: a few hundred rows refreshed after the commit, are left out)
FINAL_TABLES = ("registry_worker", "enrollment_membership", "enrollment_membershipevent", "enrollment_membershipterms")


def dump_final(url: str, workdir: Path) -> dict[str, Path]:
    """The rows (b) wrote, every column, as PostgreSQL text-format files: what the limit (l) COPYs back. A query, not
    the table: the history tables are partitioned, and `COPY <partitioned table> TO` is refused."""
    import psycopg

    out = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table in FINAL_TABLES:
            path = workdir / f"final-{table}.copy"
            with path.open("wb") as fh, cur.copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as copy:
                for block in copy:
                    fh.write(block)
            out[table] = path
    return out


def copy_final(url: str, dumps: dict[str, Path]) -> tuple[float, dict[str, float], int]:
    """(l) the real-table limit: COPY the final rows of (b) into the four tables as migrated (every index,
    CHECK and deferred foreign key), in one transaction, on empty tables; (seconds, per step, WAL bytes)."""
    import psycopg

    steps = {}
    with psycopg.connect(url) as conn:
        conn.execute(f"TRUNCATE {', '.join(WORK_TABLES)} RESTART IDENTITY CASCADE")
        conn.commit()
        conn.execute("CHECKPOINT")
        conn.commit()
        wal0 = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for table in FINAL_TABLES:
                t = time.perf_counter()
                with dumps[table].open("rb") as fh, cur.copy(f"COPY {table} FROM STDIN") as copy:
                    while block := fh.read(BLOCK):
                        copy.write(block)
                steps[f"COPY {table}"] = time.perf_counter() - t
        t = time.perf_counter()
        conn.commit()
        steps["COMMIT (deferred FK checks)"] = time.perf_counter() - t
        seconds = time.perf_counter() - t0
        wal = conn.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", [wal0]).fetchone()[0]
        conn.commit()
    return seconds, steps, int(wal)


# --- (b) SiJaga's import, with phase timings ------------------------------------------------------------------


def peak_rss_kb() -> int:
    """This process's peak RSS: VmHWM of its own address space.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss`` in a child: Linux keeps maxrss across execve, so a child started
    by a parent that held 500 MB reports at least 500 MB.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Probe:
    """Seconds per pipeline phase (wrapped functions) and per SQL statement (Django's execute_wrapper).

    Also the process's peak RSS when each phase ends, to see which phase sets the peak.
    """

    def __init__(self) -> None:
        self.phases: dict[str, float] = defaultdict(float)
        self.rss_kb: dict[str, int] = {}
        self.sql: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])

    def wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.phases[label] += time.perf_counter() - t0
                self.rss_kb[label] = peak_rss_kb()

        setattr(module, name, timed)

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.sql[" ".join(sql.split())[:110]]
            entry[0] += time.perf_counter() - t0
            entry[1] += 1


PHASES = (  # (label, indent)
    ("store upload + SHA-256 (create_batch)", 0),
    ("read_table", 0),
    ("village list (villages, cached)", 0),
    ("existing NIK lookup (registry.bulk.existing_niks)", 0),
    ("validate", 0),
    ("parse_nik_column", 1),
    ("name search keys (name_key_column)", 0),
    ("registered people born on the file's dates (registry.bulk.workers_born_on)", 0),
    ("likely duplicates (likely_duplicates)", 0),
    ("merge (EnrolmentKind.merge)", 0),
    ("new_tokens", 1),
    ("COPY into stage (fill_stage)", 1),
    ("match workers, scope re-check (registry.bulk.match_workers)", 1),
    ("match memberships (enrollment.bulk.match_memberships)", 1),
    ("double funding (enrollment.bulk.check_double_funding)", 1),
    ("workers (registry.bulk.write_workers)", 1),
    ("memberships (enrollment.bulk.write_memberships)", 1),
    ("worker history (registry.bulk.write_worker_history)", 1),
    ("terms history (enrollment.bulk.write_membership_history)", 1),
    ("terms through time (enrollment.terms.sync_payer)", 1),
    ("write report (_write_report)", 0),
    ("COMMIT of the merge (deferred FK checks)", 0),
    ("coverage refresh on commit (coverage.refresh.refresh)", 0),
    ("keys touched (coverage.refresh._keys)", 2),
    ("recount of the keys' cells (coverage.refresh._refresh_keys)", 2),
    ("payers recounted whole (coverage.refresh._refresh_payers)", 2),
    ("rollups moved (coverage.refresh._finish)", 2),
)


class Explainer:
    """--explain: runs the merge's INSERT/UPDATE/WITH statements as EXPLAIN (ANALYZE, BUFFERS, WAL), keeps the plans.

    EXPLAIN ANALYZE executes the statement, so the import does the same work (a little slower, with timing).
    """

    def __init__(self) -> None:
        self.plans: list[tuple[float, str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        if "sijaga_import_stage" not in sql or not sql.lstrip().startswith(("INSERT", "UPDATE", "WITH")):
            return execute(sql, params, many, context)
        t0 = time.perf_counter()
        result = execute("EXPLAIN (ANALYZE, BUFFERS, WAL) " + sql, params, many, context)
        plan = "\n".join(line for (line,) in context["cursor"].fetchall())
        self.plans.append((time.perf_counter() - t0, " ".join(sql.split())[:110], plan))
        return result


def child_import(csv: Path, payer: str, out: Path, *, explain: bool = False) -> None:
    """Run in a fresh process: one timed import_file, results and phase timings as JSON in `out`."""
    from django.db import connection

    from sijaga.coverage import refresh
    from sijaga.enrollment import bulk, importing, terms
    from sijaga.imports import services
    from sijaga.registry import bulk as registry_bulk

    probe = Probe()
    probe.wrap(services, "create_batch", "store upload + SHA-256 (create_batch)")
    probe.wrap(services, "read_table", "read_table")
    probe.wrap(importing, "villages", "village list (villages, cached)")
    probe.wrap(registry_bulk, "existing_niks", "existing NIK lookup (registry.bulk.existing_niks)")
    probe.wrap(importing, "validate", "validate")
    probe.wrap(importing, "parse_nik_column", "parse_nik_column")
    probe.wrap(importing, "name_key_column", "name search keys (name_key_column)")
    probe.wrap(registry_bulk, "workers_born_on",
               "registered people born on the file's dates (registry.bulk.workers_born_on)")  # fmt: skip
    probe.wrap(importing, "likely_duplicates", "likely duplicates (likely_duplicates)")
    probe.wrap(terms, "sync_payer", "terms through time (enrollment.terms.sync_payer)")
    probe.wrap(refresh, "refresh", "coverage refresh on commit (coverage.refresh.refresh)")
    for name, label in (("_keys", "keys touched (coverage.refresh._keys)"),
                        ("_refresh_keys", "recount of the keys' cells (coverage.refresh._refresh_keys)"),
                        ("_refresh_payers", "payers recounted whole (coverage.refresh._refresh_payers)"),
                        ("_finish", "rollups moved (coverage.refresh._finish)")):  # fmt: skip
        if hasattr(refresh, name):
            probe.wrap(refresh, name, label)
    probe.wrap(services, "_write_report", "write report (_write_report)")
    probe.wrap(importing.EnrolmentKind, "merge", "merge (EnrolmentKind.merge)")
    probe.wrap(bulk, "new_tokens", "new_tokens")
    probe.wrap(importing, "fill_stage", "COPY into stage (fill_stage)")
    probe.wrap(registry_bulk, "match_workers", "match workers, scope re-check (registry.bulk.match_workers)")
    probe.wrap(bulk, "match_memberships", "match memberships (enrollment.bulk.match_memberships)")
    probe.wrap(bulk, "check_double_funding", "double funding (enrollment.bulk.check_double_funding)")
    probe.wrap(registry_bulk, "write_workers", "workers (registry.bulk.write_workers)")
    probe.wrap(bulk, "write_memberships", "memberships (enrollment.bulk.write_memberships)")
    probe.wrap(registry_bulk, "write_worker_history", "worker history (registry.bulk.write_worker_history)")
    probe.wrap(bulk, "write_membership_history", "terms history (enrollment.bulk.write_membership_history)")
    probe.wrap(connection, "commit", "COMMIT of the merge (deferred FK checks)")
    wrapper = Explainer() if explain else probe
    t0 = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        batch = services.import_file(csv, payer_code=payer)
    seconds = time.perf_counter() - t0
    result = {
        "seconds": seconds,
        "status": batch.status,
        "error": batch.error,
        "read": batch.read,
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "batch_seconds": batch.seconds,
        "phases": dict(probe.phases),
        "rss_kb": probe.rss_kb,
        "report": batch.report_path,
        "sql": sorted(([k, v[0], v[1]] for k, v in probe.sql.items()), key=lambda e: -e[1]),
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "peak_rss_kb": peak_rss_kb(),
        "plans": wrapper.plans if explain else [],
    }
    out.write_text(json.dumps(result))


def run_child(args: argparse.Namespace, csv: Path, payer: str, name: str, *, explain: bool = False) -> dict:
    out = args.workdir / f"{name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--database-url", args.database_url,
               "--workdir", str(args.workdir), "--child-import", str(csv), "--child-payer", payer,
               "--child-out", str(out)] + (["--explain"] if explain else [])  # fmt: skip
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


# --- (c) django-import-export ---------------------------------------------------------------------------------


def import_export_resource(payer_id: int):
    """A ModelResource for Worker plus the membership of each row, as a Django developer would write it.

    Documented fast path: use_bulk (bulk_create per 1,000 rows), skip_diff, CachedInstanceLoader (one query for
    the existing NIKs instead of one per row). clean_model_instances runs the models' full_clean (NIK vs birth
    date and gender, domicile is a village, occupation for vulnerable workers) the way SiJaga's own
    create_worker/enrol services call it: without validate_unique and validate_constraints (Django 6.1 would
    otherwise run one query per unique field and per CheckConstraint per row, and the database enforces both
    anyway). Each membership gets the enrol service's full_clean, a number and a history event.
    """
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from import_export import fields, instance_loaders, resources, widgets

    from sijaga.enrollment.models import Membership, MembershipEvent, MembershipStatus
    from sijaga.enrollment.rules import PROGRAMMES
    from sijaga.enrollment.services import new_token
    from sijaga.regions.models import Region
    from sijaga.registry.models import TargetCategory, Worker

    category_by_label = {str(label).lower(): value for value, label in TargetCategory.choices}
    category_by_label.update({v: v for v in TargetCategory.values})
    day_first = widgets.DateWidget(format="%d/%m/%Y")

    class CategoryWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return category_by_label.get(str(value or "").strip().lower(), value)

    class WorkerResource(resources.ModelResource):
        nik = fields.Field(attribute="nik", column_name="NIK")
        full_name = fields.Field(attribute="full_name", column_name="Nama Lengkap")
        birth_date = fields.Field(attribute="birth_date", column_name="Tanggal Lahir", widget=day_first)
        gender = fields.Field(attribute="gender", column_name="Jenis Kelamin")
        domicile = fields.Field(
            attribute="domicile", column_name="Kode Desa Domisili", widget=widgets.ForeignKeyWidget(Region, "code")
        )
        phone = fields.Field(attribute="phone", column_name="No HP")
        occupation = fields.Field(attribute="occupation", column_name="Pekerjaan")
        category = fields.Field(attribute="category", column_name="Kategori", widget=CategoryWidget())

        class Meta:
            model = Worker
            fields = ("nik", "full_name", "birth_date", "gender", "domicile", "phone", "occupation", "category")
            import_id_fields = ("nik",)
            use_bulk = True
            batch_size = 1_000
            skip_diff = True
            clean_model_instances = True
            instance_loader_class = instance_loaders.CachedInstanceLoader

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.pending: list[Membership] = []

        def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
            errors = dict(import_validation_errors or {})
            try:
                instance.full_clean(exclude=errors.keys(), validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)

        def before_save_instance(self, instance, row, **kwargs):
            instance.phone = instance.phone or ""
            instance.occupation = instance.occupation or ""

        def after_save_instance(self, instance, row, **kwargs):
            """Build (and check) the row's membership; it is written with the batch of workers."""
            chosen = {p.strip().lower() for p in str(row["Program"]).split("+")}
            membership = Membership(
                worker=instance,
                payer_id=payer_id,
                segment=str(row["Segmen"]).strip().lower(),
                wage=int(row["Upah/Penghasilan"]),
                start_date=day_first.clean(row["Tanggal Mulai"]),
                status=MembershipStatus.REGISTERED,
                status_changed_at=timezone.now(),
                verify_token=new_token(),
                **{p: p in chosen for p in PROGRAMMES},
            )
            membership.full_clean(
                exclude=["worker", "payer", "verify_token"], validate_unique=False, validate_constraints=False
            )
            self.pending.append(membership)

        def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
            """Workers first (PostgreSQL returns their ids), then their memberships, numbers and events."""
            super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
            if not self.pending or dry_run:
                self.pending.clear()
                return
            created = Membership.objects.bulk_create(self.pending, batch_size=batch_size)
            for m in created:
                m.number = f"{m.start_date:%y}{m.pk:09d}"
            Membership.objects.bulk_update(created, ["number"], batch_size=batch_size)
            now = timezone.now()
            MembershipEvent.objects.bulk_create(
                [
                    MembershipEvent(membership=m, at=now, from_status="", to_status="registered", reason=EVENT_REASON)
                    for m in created
                ],
                batch_size=batch_size,
            )
            self.pending.clear()

    return WorkerResource()


def run_import_export(csv_sample: Path, payer_id: int) -> tuple[float, float, dict]:
    import tablib

    t0 = time.perf_counter()
    dataset = tablib.Dataset().load(csv_sample.read_text(encoding="utf-8"), format="csv", delimiter=";")
    loaded = time.perf_counter() - t0
    resource_ = import_export_resource(payer_id)
    result = resource_.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    seconds = time.perf_counter() - t0
    if result.has_errors() or result.has_validation_errors():
        first = (result.invalid_rows[:1] or result.row_errors()[:1])[0]
        raise SystemExit(f"(c) django-import-export reported errors, e.g. {first}")
    return seconds, loaded, dict(result.totals)


# --- report ---------------------------------------------------------------------------------------------------


def _row(name: str, rows: int, seconds: float, ratio: str) -> str:
    return f"| {name} | {rows:,} | {seconds:.2f} | {rows / seconds:,.0f} | {ratio} |"


def print_phases(title: str, child: dict, top: int = 12) -> None:
    total = child["seconds"]
    phases = child["phases"]
    merge_parts = sum(phases.get(label, 0.0) for label, indent in PHASES if indent == 1 and label != "parse_nik_column")
    rss = child["rss_kb"]
    rows: list[tuple[str, float, str]] = []
    for label, indent in PHASES:
        peak = f"{rss[label] / 1024:,.0f}" if label in rss else ""
        rows.append(("&nbsp;&nbsp;" * indent + ("↳ " if indent else "") + label, phases.get(label, 0.0), peak))
        if label == "terms through time (enrollment.terms.sync_payer)":
            rest = phases.get("merge (EnrolmentKind.merge)", 0.0) - merge_parts
            rows.append(("&nbsp;&nbsp;↳ stage DDL, ANALYZE, counts, refused rows", rest, ""))
    top_level = sum(phases.get(label, 0.0) for label, indent in PHASES if indent == 0)
    rows.append(("batch bookkeeping (status updates, events)", total - top_level, ""))
    print(f"\n{title}: {total:.2f} s, peak RSS {child['peak_rss_kb'] / 1024:,.0f} MB")
    print("| phase | seconds | share | peak RSS so far (MB) |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds, peak in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} | {peak} |")
    print(f"\nslowest SQL statements of {title} (Django cursor; the COPY is fill_stage above):")
    print("| statement | calls | seconds |")
    print("| --- | ---: | ---: |")
    for sql, seconds, calls in child["sql"][:top]:
        print(f"| `{sql.replace('|', chr(92) + '|')}` | {calls} | {seconds:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows of the CSV (default 1,000,000)")
    parser.add_argument("--sample", type=int, default=None, help="rows for django-import-export (default 20,000)")
    parser.add_argument("--xlsx-rows", type=int, default=None, help="rows of the XLSX run (default 40,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 5,000 sample, 10,000 XLSX rows")
    parser.add_argument("--database-url", default=os.environ.get("SIJAGA_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sijaga-bench-import")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and uploads in --workdir")
    parser.add_argument(
        "--explain", action="store_true", help="then import once more with EXPLAIN ANALYZE of the merge statements"
    )
    parser.add_argument(
        "--force", action="store_true", help="run on a database whose name does not contain 'bench' (it truncates!)"
    )
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-payer", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    quick = args.quick
    args.rows = args.rows or (100_000 if quick else 1_000_000)
    args.sample = min(args.sample or (5_000 if quick else 20_000), args.rows)
    args.xlsx_rows = min(args.xlsx_rows or (10_000 if quick else 40_000), args.rows)

    if args.child_import:
        setup_django(args.database_url, args.workdir)
        child_import(args.child_import, args.child_payer, args.child_out, explain=args.explain)
        return

    from psycopg import conninfo

    name = conninfo.conninfo_to_dict(args.database_url).get("dbname", "")
    if "bench" not in name and not args.force:
        raise SystemExit(f"refusing to TRUNCATE the tables of database {name!r}: use a *bench* database or --force")
    ensure_database(args.database_url)
    args.workdir.mkdir(parents=True, exist_ok=True)
    setup_django(args.database_url, args.workdir)
    from django.db import connection

    from sijaga.enrollment.importing import COLUMNS
    from sijaga.enrollment.models import Payer

    payer_code = prepare()
    payer_id = Payer.objects.get(code=payer_code).pk
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]

    districts, villages = regency_places(REGENCY)
    t0 = time.perf_counter()
    frame = generate(args.rows, districts, villages)
    generated = time.perf_counter() - t0
    if frame.get_column("NIK").n_unique() != args.rows:
        raise SystemExit("generated NIKs are not unique")
    csv = args.workdir / f"peserta-{args.rows}.csv"
    t0 = time.perf_counter()
    frame.write_csv(csv, separator=";")
    written = time.perf_counter() - t0
    sample_csv = args.workdir / f"peserta-sample-{args.sample}.csv"
    frame.head(args.sample).write_csv(sample_csv, separator=";")
    xlsx = args.workdir / f"peserta-{args.xlsx_rows}.xlsx"
    t0 = time.perf_counter()
    write_xlsx(frame.head(args.xlsx_rows), xlsx)
    xlsx_written = time.perf_counter() - t0
    size_mb = csv.stat().st_size / 2**20
    print(f"PostgreSQL {pg_version}; {os.cpu_count()} CPUs; Polars {pl.__version__} ({pl.thread_pool_size()} threads); "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"pipeline sources (engine, enrolment kind, bulk SQL) sha256 {pipeline_digest()}")
    print(f"payer {payer_code} ({REGENCY}): {len(districts)} districts, {sum(map(len, villages.values()))} villages")
    print(f"generated {args.rows:,} rows in {generated:.2f} s, CSV written in {written:.2f} s ({size_mb:.0f} MB); "
          f"XLSX of {args.xlsx_rows:,} rows written in {xlsx_written:.1f} s")  # fmt: skip
    del frame

    # (a) the limit: COPY of the same file into an unindexed all-text table
    copy_seconds, copied = raw_copy(args.database_url, csv, len(COLUMNS))
    assert copied == args.rows, copied
    print(f"(a) raw COPY: {copy_seconds:.2f} s")

    # (b) SiJaga end to end, in a child process (peak RSS), on empty tables; (b') the same file again
    truncate()
    clear_uploads(args.workdir)
    parent_peak_kb = peak_rss_kb()
    first = run_child(args, csv, payer_code, "b")
    children_maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"(b) SiJaga import: {first['seconds']:.2f} s, {first['status']}, created {first['created']:,}, "
          f"rejected {first['rejected']:,}")  # fmt: skip
    stored = counts()
    if first["created"] != args.rows or first["rejected"] != 0 or stored["enrollment_membership"] != args.rows:
        raise SystemExit(f"(b) unexpected result: {first | {'phases': None, 'sql': None}} {stored}")
    dumps = dump_final(args.database_url, args.workdir)
    clear_uploads(args.workdir)
    again = run_child(args, csv, payer_code, "b-again")
    print(f"(b') re-upload: {again['seconds']:.2f} s, unchanged {again['unchanged']:,}, created {again['created']:,}")
    if again["unchanged"] != args.rows or again["created"] or again["updated"]:
        raise SystemExit(f"(b') unexpected result: {again | {'phases': None, 'sql': None}}")
    clear_uploads(args.workdir)

    # (l) the real-table limit: the same final rows COPYed into the tables as migrated
    limit_seconds, limit_steps, limit_wal = copy_final(args.database_url, dumps)
    if counts()["enrollment_membership"] != args.rows:
        raise SystemExit("(l) did not write the rows of (b)")
    for path in dumps.values():
        path.unlink()
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in limit_steps.items())
    print(f"(l) COPY of the final rows into the real tables: {limit_seconds:.2f} s ({steps}; "
          f"WAL {limit_wal / 2**20:,.0f} MB)")  # fmt: skip

    # (c) django-import-export on a sample
    truncate()
    ie_seconds, ie_load, totals = run_import_export(sample_csv, payer_id)
    stored_c = counts()
    print(f"(c) django-import-export: {ie_seconds:.2f} s (tablib load {ie_load:.2f} s), totals {totals}, {stored_c}")
    expected = {"registry_worker": args.sample, "enrollment_membership": args.sample,
                "enrollment_membershipevent": args.sample, "membership_without_number": 0}  # fmt: skip
    if stored_c != expected:
        raise SystemExit(f"(c) wrote {stored_c}, expected {expected}")

    # XLSX end to end (in a child too, for its phases)
    truncate()
    xl = run_child(args, xlsx, payer_code, "xlsx")
    xlsx_seconds = xl["seconds"]
    if xl["status"] != "imported" or xl["created"] + xl["rejected"] != args.xlsx_rows:
        raise SystemExit(f"XLSX: {xl | {'phases': None, 'sql': None}}")
    xlsx_note = ""
    if xl["rejected"]:
        xlsx_note = f" ({xl['rejected']:,} of {args.xlsx_rows:,} rows rejected, see above)"
        print(f"WARNING: the XLSX import rejected {xl['rejected']:,} valid rows; reasons from {xl['report']}:")
        reasons = pl.read_excel(xl["report"], sheet_name="Rincian").group_by("Kolom", "Alasan").len()
        for column, reason, n in reasons.sort("len", descending=True).head(5).iter_rows():
            print(f"  {n:,} × {column}: {reason}")
    print(f"XLSX: {xlsx_seconds:.2f} s, created {xl['created']:,}, rejected {xl['rejected']:,}")
    clear_uploads(args.workdir)
    truncate()

    rate = {
        "l": args.rows / limit_seconds,
        "a": args.rows / copy_seconds,
        "b": args.rows / first["seconds"],
        "b2": args.rows / again["seconds"],
        "c": args.sample / ie_seconds,
    }
    rss_mb = first["peak_rss_kb"] / 1024
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (other processes on the machine skew the timings)")
    print("| measurement | rows | seconds | rows/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(_row("(a) raw COPY into unindexed table", args.rows, copy_seconds, "1.00 (limit)"))
    print(_row("(l) COPY of (b)'s final rows into the real tables as migrated", args.rows, limit_seconds,
               f"{rate['l'] / rate['a']:.3f} of (a); the schema's limit"))  # fmt: skip
    print(_row("(b) SiJaga import (parse+validate+merge)", args.rows, first["seconds"],
               f"{rate['b'] / rate['l']:.2f}× (l), {rate['b'] / rate['a']:.3f} of (a)"))  # fmt: skip
    print(_row("(b') re-upload of the same file (all unchanged)", args.rows, again["seconds"],
               f"{rate['b2'] / rate['l']:.2f}× (l), {rate['b2'] / rate['a']:.3f} of (a)"))  # fmt: skip
    print(_row("(c) django-import-export (use_bulk, CachedInstanceLoader)", args.sample, ie_seconds,
               f"(b) is {rate['b'] / rate['c']:,.0f}x faster"))  # fmt: skip
    print(_row(f"{args.xlsx_rows:,}-row XLSX end to end", args.xlsx_rows, xlsx_seconds,
               f"{args.xlsx_rows / xlsx_seconds / rate['a']:.2f} of (a)"))  # fmt: skip
    print(
        f"peak RSS of (b): {rss_mb:,.0f} MB (VmHWM of the child; (b'): {again['peak_rss_kb'] / 1024:,.0f} MB, "
        f"XLSX: {xl['peak_rss_kb'] / 1024:,.0f} MB). getrusage(RUSAGE_CHILDREN).ru_maxrss after (b): "
        f"{children_maxrss_kb / 1024:,.0f} MB, an upper bound: Linux carries maxrss across execve, and this "
        f"parent had peaked at {parent_peak_kb / 1024:,.0f} MB when it started the child"
    )

    def yes(ok: bool) -> str:
        return "yes" if ok else "no"

    print(
        f"goals: (b) <= {GOAL_SECONDS_PER_MILLION} s per 1M rows: "
        f"{yes(first['seconds'] * 1_000_000 / args.rows <= GOAL_SECONDS_PER_MILLION)}; "
        f"(b) >= {GOAL_VS_LIMIT}x (l): {yes(rate['b'] >= GOAL_VS_LIMIT * rate['l'])}; "
        f"(b') <= {GOAL_REUPLOAD_SECONDS_PER_MILLION} s per 1M rows: "
        f"{yes(again['seconds'] * 1_000_000 / args.rows <= GOAL_REUPLOAD_SECONDS_PER_MILLION)}; "
        f"(b) >= {GOAL_VS_IMPORT_EXPORT}x (c): {yes(rate['b'] >= GOAL_VS_IMPORT_EXPORT * rate['c'])}; "
        f"RSS < {GOAL_RSS_MB / 1024:.1f} GB: {yes(rss_mb < GOAL_RSS_MB)}; "
        f"XLSX < {GOAL_XLSX_SECONDS} s: {yes(xlsx_seconds < GOAL_XLSX_SECONDS)}{xlsx_note}"
    )
    print_phases("(b) phases", first)
    print_phases("(b') phases", again, top=8)
    print_phases(f"{args.xlsx_rows:,}-row XLSX phases", xl, top=6)
    if args.explain:
        truncate()
        clear_uploads(args.workdir)
        explained = run_child(args, csv, payer_code, "b-explain", explain=True)
        print(
            f"\nEXPLAIN (ANALYZE, BUFFERS, WAL) of the merge statements, empty tables ({explained['seconds']:.1f} s):"
        )
        for seconds, sql, plan in explained["plans"]:
            print(f"\n-- {seconds:.2f} s: {sql}\n{plan}")
        truncate()
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
