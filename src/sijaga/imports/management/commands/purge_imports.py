from django.conf import settings
from django.core.management.base import BaseCommand

from sijaga.imports import services


class Command(BaseCommand):
    help = (
        "Hapus berkas unggahan dan laporan impor yang sudah selesai dan melewati masa simpan. "
        "Delete the stored files of finished imports older than the retention period (the records stay)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="retention in days (default: "
                            "SIJAGA_IMPORT_RETENTION_DAYS)")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="only list what would be deleted")

    def handle(self, *args, days: int | None, dry_run: bool, **options):
        days = settings.IMPORT_RETENTION_DAYS if days is None else days
        batches = services.purge(days=days, dry_run=dry_run)
        for batch in batches:
            self.stdout.write(f"{batch.pk} {batch.uploaded_at:%Y-%m-%d} {batch.file_name}")
        verb = "akan dihapus" if dry_run else "dihapus"
        self.stdout.write(f"{len(batches)} unggahan lebih dari {days} hari: berkas {verb}.")
