"""`sijaga partitions`: the monthly upkeep of every table partitioned by month (`core.partitions.registered`)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from sijaga.core.partitions import MonthlyTable, registered


class Command(BaseCommand):
    help = (
        "Buat partisi bulanan yang akan datang untuk setiap tabel berpartisi dan hapus bulan yang melewati masa "
        "simpannya. Create the coming monthly partitions of every partitioned table and drop the months past each "
        "table's retention (PostgreSQL; SQLite deletes the old rows)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3, help="partitions to create beyond this month")
        parser.add_argument("--table", action="append", default=[], help="only this table (repeatable)")
        parser.add_argument("--retention-months", type=int, default=None,
                            help="with one --table: instead of its setting; 0 keeps everything")  # fmt: skip
        parser.add_argument("--lock-timeout", type=float, default=10.0,
                            help="seconds to wait for a table's locks before leaving it for the next run")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="only list what would be created and dropped")

    def handle(self, *args, months_ahead: int, table: list[str], retention_months: int | None, lock_timeout: float,
               dry_run: bool, **options):  # fmt: skip
        tables = registered()
        if table:
            unknown = sorted(set(table) - {t.table for t in tables})
            if unknown:
                raise CommandError(f"not a partitioned table: {', '.join(unknown)}")
            tables = [t for t in tables if t.table in table]
        if retention_months is not None and len(tables) != 1:
            raise CommandError("--retention-months needs exactly one --table")
        failed = []
        for t in tables:
            keep = t.retention_months() if retention_months is None else retention_months
            if keep and not t.retention_setting:
                raise CommandError(f"{t.table} is kept for ever (no retention setting)")
            try:
                self._rotate(t, keep=keep, months_ahead=months_ahead, lock_timeout=lock_timeout, dry_run=dry_run)
            except OperationalError as exc:  # lock_timeout: nothing changed for this table; the others go on
                failed.append(t.table)
                self.stderr.write(f"{t.table}: {exc}".strip())
        if failed:
            raise CommandError(f"not done (locks not granted in time; run again): {', '.join(failed)}")

    def _rotate(self, t: MonthlyTable, *, keep: int, months_ahead: int, lock_timeout: float, dry_run: bool) -> None:
        """One table in one short transaction: ATTACH holds locks on the tables it references until commit."""
        today = timezone.localdate()
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor != "postgresql" or not t.is_partitioned(cur):
                done = t.rotate_plain(cur, today=today, retention_months=keep, dry_run=dry_run)
                self.stdout.write(
                    f"{t.table}: tabel tanpa partisi: {done.deleted} baris lebih lama dari {keep} bulan dihapus."
                    if keep
                    else f"{t.table}: tabel tanpa partisi, disimpan tanpa batas."
                )
                return
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(lock_timeout * 1000)}ms"])
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [t.table])  # as the writers' ensure
            done = t.rotate(cur, today=today, months_ahead=months_ahead, retention_months=keep, dry_run=dry_run)
        verb = "akan" if dry_run else "sudah"
        kept = f"disimpan {keep} bulan" if keep else "disimpan tanpa batas"
        self.stdout.write(
            f"{t.table} ({kept}): partisi {verb} dibuat: {', '.join(done.created) or '-'}; {verb} dihapus: "
            f"{', '.join(done.dropped) or '-'}; {done.moved} baris dipindah dari partisi default, {done.deleted} "
            "baris lama dihapus dari sana."
        )
