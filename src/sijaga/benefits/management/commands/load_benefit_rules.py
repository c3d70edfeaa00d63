import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijaga.benefits import services
from sijaga.benefits.rules import DATA_DIR, DataError


class Command(BaseCommand):
    help = (
        "Muat/perbarui besaran manfaat dan aturan tanggung jawab dari berkas data (idempoten). "
        "Load the benefit figures and liability rules from the versioned data files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DATA_DIR, help=f"folder of *.toml files (default {DATA_DIR})")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **options):
        try:
            result = services.load_benefit_rules(directory=options["data"])
        except DataError as exc:
            raise CommandError(f"Data manfaat tidak dapat dimuat: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(result.__dict__))
            return
        self.stdout.write(
            f"Manfaat: {result.created} baru, {result.updated} diperbarui, {result.unchanged} tetap — "
            f"{result.figures} besaran, {result.rules} aturan berlaku"
        )
