from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijaga.regions import services

PACKAGED = Path(services.__file__).resolve().parent / "data" / "geo"


class Command(BaseCommand):
    help = (
        "Muat batas wilayah (GeoJSON, id fitur = kode Kemendagri) dari berkas atau folder. "
        "Load region boundaries from a GeoJSON file or every *.geojson in a folder."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=None,
            help="a .geojson file or a folder of them (default: the boundaries packaged with SiJaga)",
        )
        parser.add_argument("--source", help="source note stored with each boundary (default: the file name)")

    def handle(self, *args, path: str | None = None, source: str | None = None, **options):
        target = Path(path) if path else PACKAGED
        if path is None and source is None:
            source = "cahyadsn/wilayah_boundaries (MIT), dikemas bersama SiJaga"
        files = sorted(target.glob("*.geojson")) if target.is_dir() else [target]
        if not files or not all(f.is_file() for f in files):
            raise CommandError(f"Tidak ada berkas GeoJSON di {target}")
        if not services.regions_loaded():
            raise CommandError("Wilayah belum dimuat: jalankan 'sijaga load_regions' dulu.")
        for f in files:
            counts = services.load_boundaries(f, source=source)
            self.stdout.write(f"{f.name}: {counts['loaded']} batas dimuat, {counts['unknown']} kode tidak dikenal")
