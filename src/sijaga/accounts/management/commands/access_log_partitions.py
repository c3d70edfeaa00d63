from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from sijaga.accounts import partitions


class Command(BaseCommand):
    help = (
        "Buat partisi bulanan log akses dan hapus bulan yang melewati masa simpan. "
        "Create the access log's monthly partitions ahead and drop the months past the retention (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3, help="partitions to create beyond this month")
        parser.add_argument("--retention-months", type=int, default=None,
                            help="default: SIJAGA_ACCESS_LOG_RETENTION_MONTHS; 0 keeps everything")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="only list what would be created and dropped")

    def handle(self, *args, months_ahead: int, retention_months: int | None, dry_run: bool, **options):
        keep = settings.ACCESS_LOG_RETENTION_MONTHS if retention_months is None else retention_months
        today = timezone.localdate()
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor != "postgresql" or not partitions.is_partitioned(cur):
                deleted = 0
                if keep > 0 and not dry_run:
                    from sijaga.accounts.models import AccessLog

                    cutoff = partitions.month_start(today, -keep)
                    deleted, _ = AccessLog.objects.filter(at__date__lt=cutoff).delete()
                self.stdout.write(f"tabel tanpa partisi: {deleted} baris lebih lama dari {keep} bulan dihapus.")
                return
            done = partitions.rotate(cur, today=today, months_ahead=months_ahead, retention_months=keep,
                                     dry_run=dry_run)  # fmt: skip
        verb = "akan" if dry_run else "sudah"
        self.stdout.write(
            f"partisi {verb} dibuat: {', '.join(done.created) or '-'}; {verb} dihapus: {', '.join(done.dropped) or '-'}"
            f"; {done.moved} baris dipindah dari partisi default, {done.deleted} baris lama dihapus dari sana."
        )
