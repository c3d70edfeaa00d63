import json

from django.core.management.base import BaseCommand

from sijaga.regions import services


class Command(BaseCommand):
    help = "Muat/perbarui hierarki wilayah resmi Kemendagri (idempoten). Load the official region hierarchy."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **options):
        result = services.load_regions()
        stats = services.region_stats()
        if options["json"]:
            self.stdout.write(json.dumps({**result.__dict__, "stats": stats}))
            return
        self.stdout.write(
            f"Wilayah ({services.OFFICIAL_SOURCE}): {result.created} baru, {result.updated} diperbarui, "
            f"{result.unchanged} tetap, {result.retired} tidak berlaku lagi — {result.seconds:.2f} s"
        )
        self.stdout.write(
            f"provinsi {stats['province']} · kabupaten/kota {stats['regency']} · "
            f"kecamatan {stats['district']} · desa/kelurahan {stats['village']}"
        )
