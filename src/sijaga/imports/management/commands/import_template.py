from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijaga.imports import kinds


class Command(BaseCommand):
    help = "Tulis templat unggah massal (XLSX atau CSV). Write the blank workbook of an import kind."

    def add_arguments(self, parser):
        parser.add_argument("path", help="target file: .xlsx or .csv")
        parser.add_argument("--kind", default=kinds.DEFAULT_KIND, help="import kind (default: kepesertaan)")

    def handle(self, *args, path: str, kind: str, **options):
        try:
            import_kind = kinds.get(kind)
        except kinds.UnknownKind as exc:
            known = ", ".join(k.slug for k in kinds.all_kinds())
            raise CommandError(f"Jenis impor tidak dikenal: {kind} (ada: {known})") from exc
        target = Path(path)
        target.write_bytes(import_kind.blank_workbook("csv" if target.suffix.lower() == ".csv" else "xlsx"))
        self.stdout.write(f"Templat ditulis ke {target}")
