"""The payment file import kind (`pembayaran`): the shape of a BPJS reconciliation or bank file, for one payer.

Columns: KPJ or NIK (who the payment is for: a membership with this payer, open or ended — arrears of an ended
membership are still paid), period (the month paid for), amount, paid date and the payment's reference. Validated
column-wise with Polars; the merge matches the members and inserts the payments set-based (a reference already
recorded for the payer is unchanged — the same file twice counts nothing twice), then allocates the payer's money
oldest bill first and refreshes the statuses (`payments`), all inside the engine's transaction: a killed import leaves
nothing half-applied.
"""

from __future__ import annotations

import csv
import io

import polars as pl
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.core.bulk import Dialect, fill_stage
from sijaga.enrollment.importing import PayerTargets
from sijaga.imports.columns import Column, ColumnSet
from sijaga.imports.kinds import ROW, Context, MergeResult, Validated, apply_rules, empty_rejections, fault
from sijaga.imports.parsers import parse_dates, parse_rupiah, trimmed

COLUMNS = ColumnSet(
    (
        Column("kpj", "Nomor KPJ", False, ("kpj", "no kpj", "nomor peserta", "no peserta"), "nomor peserta BPJS"),
        Column("nik", "NIK", False, ("nik", "no ktp", "nomor ktp"), "diisi bila KPJ belum ada"),
        Column("period", "Periode", True, ("periode", "bulan", "masa iuran", "period"), "bulan iuran, 2026-03"),
        Column("amount", "Jumlah", True, ("jumlah", "nominal", "jumlah bayar", "amount"), "Rupiah"),
        Column("paid_on", "Tanggal Bayar", True, ("tanggal bayar", "tgl bayar", "tanggal"), "dd/mm/yyyy"),
        Column(
            "reference", "Referensi", True, ("referensi", "no referensi", "reference", "ref"), "unik per pembayaran"
        ),
    )
)
STAGE = "sijaga_payment_stage"
MAX_AMOUNT = 10**12


def _text(frame: pl.DataFrame, key: str) -> pl.Expr:
    return trimmed(key) if key in frame.columns else pl.lit(None, dtype=pl.String)


def validate(frame: pl.DataFrame, *, today) -> Validated:
    f = frame.select(
        pl.col(ROW).cast(pl.Int64), *[_text(frame, c.key).alias(f"v_{c.key}") for c in COLUMNS]
    ).with_columns(
        kpj=pl.col("v_kpj").str.replace_all(r"\D", ""),
        nik=pl.col("v_nik").str.replace_all(r"\D", ""),
        period=pl.coalesce(
            (pl.col("v_period") + "-01").str.to_date("%Y-%m-%d", strict=False),
            ("01/" + pl.col("v_period")).str.to_date("%d/%m/%Y", strict=False),
        ),
        paid_on=parse_dates(pl.col("v_paid_on")),
        amount=parse_rupiah(pl.col("v_amount"))[0],
        cents=parse_rupiah(pl.col("v_amount"))[1],
        reference=pl.col("v_reference"),
    )
    f = f.with_columns(dup=pl.col("reference").is_duplicated() & pl.col("reference").is_not_null())
    rules = [
        ("kpj", pl.col("kpj").is_null() & pl.col("nik").is_null(), _("Isi Nomor KPJ atau NIK.")),
        ("nik", pl.col("nik").is_not_null() & (pl.col("nik").str.len_chars() != 16), _("NIK harus 16 digit.")),
        ("period", pl.col("period").is_null(), _("Periode tidak sah; tulis 2026-03 atau 03/2026.")),
        ("amount", pl.col("amount").is_null() | pl.col("cents"), _("Jumlah tidak terbaca (Rupiah tanpa sen).")),
        ("amount", ~pl.col("amount").is_between(1, MAX_AMOUNT), _("Jumlah harus lebih dari Rp0.")),
        ("paid_on", pl.col("paid_on").is_null(), _("Tanggal bayar tidak terbaca.")),
        ("paid_on", pl.col("paid_on") > pl.lit(today), _("Tanggal bayar tidak boleh di masa depan.")),
        ("reference", pl.col("reference").is_null() | (pl.col("reference").str.len_chars() > 80),
         _("Referensi wajib diisi (paling banyak 80 karakter).")),
        ("reference", pl.col("dup"), _("Referensi yang sama muncul lebih dari sekali di berkas.")),
    ]  # fmt: skip
    return apply_rules(f, rules, COLUMNS, ["kpj", "nik", "period", "amount", "paid_on", "reference"], read=frame.height)


def same_file_imported(ctx: Context) -> dict | None:
    """The earlier imported (not dry-run) payment batch of this payer with the same file content (SHA-256), if any:
    a re-sent file is detected by its hash before any line is looked at, and said so on the batch; its lines are
    then still matched by reference, so nothing is counted twice and lines that failed before (an unknown KPJ since
    enrolled) are recorded now."""
    from sijaga.imports.models import BatchStatus, ImportBatch

    if not ctx.batch_id:
        return None
    this = ImportBatch.objects.filter(pk=ctx.batch_id).values("file_sha256").first()
    if this is None:
        return None
    return (
        ImportBatch.objects.filter(
            kind="pembayaran", payer_id=ctx.target.payer_id, file_sha256=this["file_sha256"],
            status=BatchStatus.IMPORTED, dry_run=False,
        )
        .exclude(pk=ctx.batch_id)
        .order_by("uploaded_at")
        .values("id", "uploaded_at", "finished_at", "file_sha256")
        .first()
    )  # fmt: skip


class PaymentKind(PayerTargets):
    """Payments of one payer from a BPJS reconciliation or bank file."""

    slug = "pembayaran"
    label = gettext_lazy("Pembayaran iuran")
    columns = COLUMNS
    options: dict = {}

    def blank_workbook(self, fmt: str) -> bytes:
        from sijaga.core.xlsx import write_table

        headers = [c.header for c in COLUMNS]
        example = ["", "3201011501900001", "2026-03", "249600", "05/04/2026", "TRF-2026-0001"]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, delimiter=";")
            writer.writerows([headers, example])
            return ("\ufeff" + out.getvalue()).encode()
        book, _n = write_table(headers, [18] * len(headers), ["text"] * len(headers), [example], sheet="Pembayaran")
        return book.read()

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        checked = validate(frame, today=ctx.today)
        same = same_file_imported(ctx)
        if same is not None:
            note = _(
                "Berkas yang sama persis (SHA-256 %(sha)s…) sudah diimpor untuk pembayar ini pada %(at)s (unggahan "
                "%(batch)s). Referensi yang sudah tercatat tidak dihitung lagi; hanya baris dengan referensi baru "
                "yang dicatat."
            ) % {
                "sha": same["file_sha256"][:12],
                "at": timezone.localtime(same["finished_at"] or same["uploaded_at"]).strftime("%d/%m/%Y %H.%M"),
                "batch": str(same["id"])[:8],
            }
            checked = Validated(checked.valid, checked.rejections, checked.read, (*checked.notes, note))
        return checked

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        from sijaga.contributions.payments import allocate, refresh_statuses

        d = Dialect(connection.vendor)
        payer_id = ctx.target.payer_id
        now = timezone.now()
        i = d.type("int")
        columns = ("row_no", "kpj", "nik", "period", "amount", "paid_on", "reference")
        frame = valid.select(pl.col(ROW).alias("row_no"), *columns[1:])
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cur.execute(d.temp_table(STAGE, [f"row_no {i}", "kpj text", "nik text", "period date", f"amount {i}",
                                             "paid_on date", "reference text", f"membership_id {i}",
                                             f"known {d.type('bool')}"]))  # fmt: skip
            fill_stage(cur, d, STAGE, frame, columns)
            # Any membership of the payer, open ones first: arrears are still paid for a membership that has ended
            # since (a worker who died, a contract that ran out). By KPJ when the row has one, else by NIK: two
            # look-ups by unique key per row (one OR of both compared every row with every membership of the payer:
            # hours for a 100,000-row file).
            open_first = "CASE WHEN m.status IN ('registered', 'active', 'inactive') THEN 0 ELSE 1 END"
            cur.execute(
                f"UPDATE {STAGE} SET membership_id = (SELECT m.id FROM enrollment_membership m WHERE m.kpj = "
                f"{STAGE}.kpj AND m.payer_id = %s ORDER BY {open_first}, m.id LIMIT 1) WHERE kpj IS NOT NULL",
                [payer_id],
            )
            cur.execute(
                f"UPDATE {STAGE} SET membership_id = (SELECT m.id FROM registry_worker w JOIN enrollment_membership m "
                f"ON m.worker_id = w.id WHERE w.nik = {STAGE}.nik AND m.payer_id = %s ORDER BY {open_first}, m.id "
                "LIMIT 1) WHERE kpj IS NULL",
                [payer_id],
            )
            cur.execute(
                f"UPDATE {STAGE} SET known = EXISTS (SELECT 1 FROM contributions_payment p WHERE p.payer_id = %s "
                f"AND p.reference = {STAGE}.reference)",
                [payer_id],
            )
            cur.execute(
                "INSERT INTO contributions_payment (payer_id, amount, paid_on, reference, source, unallocated, "
                "created_at, created_by_id) SELECT %s, amount, paid_on, reference, 'file', amount, %s, %s "
                f"FROM {STAGE} WHERE membership_id IS NOT NULL AND NOT known ORDER BY row_no",
                [payer_id, now, ctx.actor.user_id],
            )
            created = cur.rowcount
            fault("after_payments")
            cur.execute(f"SELECT COUNT(*) FROM {STAGE} WHERE membership_id IS NOT NULL AND known")
            unchanged = int(cur.fetchone()[0])
            cur.execute(f"SELECT row_no, kpj, nik FROM {STAGE} WHERE membership_id IS NULL ORDER BY row_no")
            unknown = cur.fetchall()
            cur.execute(f"DROP TABLE {STAGE}")
        allocate(payer_id)
        fault("after_allocation")
        refresh_statuses(payer_id)
        fault("after_statuses")
        rejections = empty_rejections()
        if unknown:
            rejections = pl.DataFrame(
                {
                    ROW: [r[0] for r in unknown],
                    "key": ["kpj" if r[1] else "nik" for r in unknown],
                    "column": ["Nomor KPJ" if r[1] else "NIK" for r in unknown],
                    "value": [r[1] or r[2] for r in unknown],
                    "reason": [_("Tidak ada kepesertaan terbuka dengan KPJ/NIK ini pada pembayar ini.")] * len(unknown),
                },
                schema=rejections.schema,
            )
        return MergeResult(created=created, updated=0, unchanged=unchanged, rejections=rejections)

    def mask_preview(self, actor, rows: list[dict]) -> list[dict]:
        from sijaga.registry.presenters import WORKER_POLICY

        return [
            {**row, "value": WORKER_POLICY.present(actor, "nik", row["value"])}
            if row.get("key") == "nik" and row.get("value")
            else row
            for row in rows
        ]
