from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijaga.regions import services


class Command(BaseCommand):
    help = (
        "Muat batas wilayah (GeoJSON, id fitur = kode Kemendagri) dari berkas atau folder. "
        "Load region boundaries from a GeoJSON file or every *.geojson in a folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .geojson file or a folder of them")
        parser.add_argument("--source", help="source note stored with each boundary (default: the file name)")

    def handle(self, *args, path: str, source: str | None = None, **options):
        target = Path(path)
        files = sorted(target.glob("*.geojson")) if target.is_dir() else [target]
        if not files or not all(f.is_file() for f in files):
            raise CommandError(f"Tidak ada berkas GeoJSON di {target}")
        if not services.regions_loaded():
            raise CommandError("Wilayah belum dimuat: jalankan 'sijaga load_regions' dulu.")
        for f in files:
            counts = services.load_boundaries(f, source=source)
            self.stdout.write(f"{f.name}: {counts['loaded']} batas dimuat, {counts['unknown']} kode tidak dikenal")
