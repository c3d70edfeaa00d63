import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from sijaga.accounts.models import User
from sijaga.imports import services
from sijaga.imports.reader import FileRefused


class Command(BaseCommand):
    help = (
        "Impor kepesertaan massal dari XLSX/CSV untuk satu pembayar iuran. "
        "Bulk-enrol workers from an XLSX/CSV file for one payer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--payer", required=True, help="payer code, e.g. pemkab-64-71")
        parser.add_argument("--user", help="act as this user (scope and attribution); default: national, as 'cli'")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--all-or-nothing", action="store_true", help="import nothing if any row is rejected")
        parser.add_argument(
            "--confirm-double-funding",
            action="store_true",
            help="also import rows whose worker already has an open membership with another government payer",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON summary object")
        parser.add_argument("--kind", default=None, help="import kind (default: kepesertaan; e.g. pembayaran)")

    def handle(
        self,
        *args,
        file: str,
        payer: str,
        user: str | None,
        dry_run: bool,
        all_or_nothing: bool,
        json: bool,
        confirm_double_funding: bool = False,
        kind: str | None = None,
        **options,
    ):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"Pengguna {user} tidak ditemukan.")
        bar = _Bar(enabled=not json and sys.stderr.isatty())
        try:
            batch = services.import_file(
                file,
                payer_code=payer,
                user=actor,
                dry_run=dry_run,
                all_or_nothing=all_or_nothing,
                options={"confirm_double_funding": confirm_double_funding},
                progress=bar.update,
                **({"kind": kind} if kind else {}),
            )
        except (FileRefused, PermissionDenied, FileNotFoundError) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc)) from exc
        bar.close()
        result = services.result_dict(batch)
        if json:
            self.stdout.write(
                _json_dumps(
                    {k: result[k] for k in ("read", "created", "updated", "unchanged", "rejected", "report")}
                    | {"status": batch.status, "error": batch.error or None}
                )
            )
            return
        if batch.error:
            raise CommandError(batch.error)
        self.stdout.write(
            f"{batch.file_name}: dibaca {batch.read}, baru {batch.created}, diperbarui {batch.updated}, "
            f"tetap {batch.unchanged}, ditolak {batch.rejected} ({batch.seconds:.1f} s)"
            + (" — UJI COBA, tidak ada yang disimpan" if batch.dry_run else "")
        )
        for note in batch.notes:
            self.stdout.write(f"  catatan: {note}")
        if batch.report_path:
            self.stdout.write(f"  laporan: {batch.report_path}")


def _json_dumps(obj) -> str:
    import json as _json

    return _json.dumps(obj, ensure_ascii=False)


class _Bar:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def update(self, phase: str, percent: int) -> None:
        if self.enabled:
            filled = percent * 30 // 100
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% {phase:<40}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
