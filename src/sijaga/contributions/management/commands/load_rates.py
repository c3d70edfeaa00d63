import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijaga.contributions import services
from sijaga.contributions.rates import DATA_DIR, RateDataError


class Command(BaseCommand):
    help = (
        "Muat/perbarui tarif iuran dari berkas data (idempoten; berkas yang berubah menjadi versi baru). "
        "Load the contribution rates from the versioned data files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DATA_DIR, help=f"folder of *.toml files (default {DATA_DIR})")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **options):
        try:
            result = services.load_rates(directory=options["data"])
        except RateDataError as exc:
            raise CommandError("Data tarif tidak dapat dimuat:\n" + "\n".join(exc.problems)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({**result.__dict__, "superseded_corrections": list(result.superseded_corrections)})
            )
            return
        self.stdout.write(
            f"Tarif: {result.created} baru, {result.updated} diperbarui, {result.unchanged} tetap, "
            f"{result.retired} tidak berlaku lagi — {result.rows} baris berlaku ({result.seconds:.2f} s)"
        )
        for version in result.superseded_corrections:
            self.stdout.write(f"Peringatan: koreksi {version} digantikan oleh berkas data yang berubah.")
