import json

from django.conf import settings
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
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            help="run although DEBUG is off (a staging copy); never on a production database",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["i_know_this_is_not_production"]:
            raise CommandError(
                "Data demo hanya untuk pengembangan: SIJAGA_DEBUG tidak aktif, jadi ini mungkin basis data produksi. "
                "Demo data is for development only: DEBUG is off, so this may be a production database. "
                "Set SIJAGA_DEBUG=1, or pass --i-know-this-is-not-production on a disposable copy."
            )
        n = options["workers_per_regency"]
        if not 1 <= n <= demo.MAX_WORKERS_PER_REGENCY:
            raise CommandError(f"--workers-per-regency harus antara 1 dan {demo.MAX_WORKERS_PER_REGENCY} (diisi {n}).")
        new_passwords: dict[str, str] = {}
        try:
            counts = demo.generate(
                workers_per_regency=n, stdout=None if options["json"] else self.stdout, new_passwords=new_passwords
            )
        except demo.RegionsNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        # A superuser gets its own random password, shown this once (on stderr beside the JSON).
        shown = [f"Kata sandi acak {u} (hanya ditampilkan sekali): {pw}" for u, pw in new_passwords.items()]
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            for line in shown:
                self.stderr.write(line)
            return
        self.stdout.write(demo.login_table())
        for line in shown:
            self.stdout.write(line)
