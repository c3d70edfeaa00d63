"""`sijaga access_log_partitions`: `sijaga partitions --table accounts_accesslog`, kept for existing cron jobs."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from sijaga.accounts.partitions import TABLE


class Command(BaseCommand):
    help = (
        "Buat partisi bulanan log akses dan hapus bulan yang melewati masa simpan (sama dengan `partitions --table "
        "accounts_accesslog`). The access log's part of `sijaga partitions` (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3, help="partitions to create beyond this month")
        parser.add_argument("--retention-months", type=int, default=None,
                            help="default: SIJAGA_ACCESS_LOG_RETENTION_MONTHS; 0 keeps everything")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="only list what would be created and dropped")

    def handle(self, *args, months_ahead: int, retention_months: int | None, dry_run: bool, **options):
        extra = {} if retention_months is None else {"retention_months": retention_months}
        call_command("partitions", table=[TABLE], months_ahead=months_ahead, dry_run=dry_run, stdout=self.stdout,
                     stderr=self.stderr, **extra)  # fmt: skip
