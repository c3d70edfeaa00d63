"""``sijaga check_derived [--fix]``: the data the registry's lists derive from others, checked against its source.

Two things are kept on every write path and can only drift through hand-written SQL or a restore of part of the
database: `Membership.lives_elsewhere` (`enrollment.elsewhere`; a wrong flag can hide a worker from the region that
funds them) and the vocabulary of name words (`registry.vocabulary`; a missing word slows a search, never changes it).
Prints what disagrees; exits 1 when something does and `--fix` was not given (for monitoring), else repairs it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from sijaga.core.bulk import Dialect
from sijaga.enrollment import elsewhere
from sijaga.registry import vocabulary


class Command(BaseCommand):
    help = "Check (and with --fix repair) lives_elsewhere flags and the name-word vocabulary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="repair what disagrees")

    def handle(self, *args, fix: bool = False, **options) -> None:
        drift, missing = elsewhere.drift(), vocabulary.missing()
        self.stdout.write(f"lives_elsewhere: {drift} memberships disagree; name words missing: {missing}")
        if not (drift or missing):
            return
        if not fix:
            raise CommandError("derived data disagrees with its source: run with --fix")
        with transaction.atomic(), connection.cursor() as cur:
            changed = elsewhere.refresh()
            vocabulary.add_from(cur, Dialect(connection.vendor), "SELECT search_key FROM registry_worker")
        self.stdout.write(f"repaired: {changed} flags; name words missing now: {vocabulary.missing()}")
