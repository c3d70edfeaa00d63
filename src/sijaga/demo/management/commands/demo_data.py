import json

from django.core.management.base import BaseCommand, CommandError

from sijaga.demo import services as demo


class Command(BaseCommand):
    help = (
        "Buat data demo (idempoten): pembayar iuran, tenaga kerja dan kepesertaan di Kalimantan Timur, "
        "Kalimantan Utara dan DI Yogyakarta, serta akun demo untuk setiap peran. Create demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers-per-regency",
            type=int,
            default=25,
            metavar="N",
            help=f"tenaga kerja per kabupaten/kota (1–{demo.MAX_WORKERS_PER_REGENCY}, default 25)",
        )
        parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")

    def handle(self, *args, **options):
        n = options["workers_per_regency"]
        if not 1 <= n <= demo.MAX_WORKERS_PER_REGENCY:
            raise CommandError(f"--workers-per-regency harus antara 1 dan {demo.MAX_WORKERS_PER_REGENCY} (diisi {n}).")
        try:
            counts = demo.generate(workers_per_regency=n, stdout=None if options["json"] else self.stdout)
        except demo.RegionsNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        self.stdout.write(demo.login_table())
