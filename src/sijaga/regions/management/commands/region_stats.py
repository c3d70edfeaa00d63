import json

from django.core.management.base import BaseCommand

from sijaga.regions import services


class Command(BaseCommand):
    help = "Cetak jumlah wilayah per tingkat sebagai JSON. Print region counts per level as JSON."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(services.region_stats()))
