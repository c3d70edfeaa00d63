from pathlib import Path

from django.core.management.base import BaseCommand

from sijaga.imports.template import template_csv, template_xlsx


class Command(BaseCommand):
    help = "Tulis templat unggah massal (XLSX atau CSV). Write the bulk enrolment template."

    def add_arguments(self, parser):
        parser.add_argument("path", help="target file: .xlsx or .csv")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        target.write_bytes(template_csv() if target.suffix.lower() == ".csv" else template_xlsx())
        self.stdout.write(f"Templat ditulis ke {target}")
