from django.core.management.base import BaseCommand

from sijaga.compliance import services


class Command(BaseCommand):
    help = (
        "Muat penerima dan butir instruksi Inpres 2/2021 serta butir daftar periksa dari berkas data (idempoten); "
        "kepala daerah dibuat dari tabel wilayah. Load the Inpres 2/2021 addressees, instructions and checklist items."
    )

    def handle(self, *args, **options):
        r = services.load_reference()
        self.stdout.write(
            f"Inpres 2/2021: {r.created} baru, {r.updated} diperbarui, {r.unchanged} tetap; "
            f"{r.heads} kepala daerah ditambahkan dari tabel wilayah"
        )
