"""`sijaga coverage_snapshot`: freeze last month's coverage figures if they are not frozen yet (for cron, shortly
after midnight on the 1st; the first refresh of a month does the same, so running both is harmless)."""

import json

from django.core.management.base import BaseCommand

from sijaga.accounts.actor import Actor
from sijaga.coverage import services


class Command(BaseCommand):
    help = (
        "Bekukan potret cakupan bulan lalu bila belum ada (idempoten). "
        "Freeze last month's coverage snapshot if it is missing (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace",
            action="store_true",
            help="ambil ulang walau sudah ada / retake even if it exists (freezes the figures as they are now)",
        )

    def handle(self, *args, **options):
        month, taken = services.ensure_snapshot(Actor.system("cli"), replace=options["replace"])
        self.stdout.write(json.dumps({"month": str(month), "taken": taken}))
