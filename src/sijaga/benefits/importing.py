"""The BPJS benefit file import kind (`manfaat`): cases of one payer as BPJS reports them (KPJ or NIK, event type,
event date, cause, claim number, and the payment when made). Validated column-wise with Polars; the merge records
each case through `services.record_case` (the same checks, judgement, membership end and history as the page) and
its payment through `services.record_claim_payment`. Cases are rare (thousands a year nationally, not millions), so
the merge goes row by row through the services rather than in bulk SQL; a case already recorded is reported as
unchanged, not recorded twice."""

from __future__ import annotations

import csv
import io

import polars as pl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.enrollment.importing import PayerTargets
from sijaga.imports.columns import Column, ColumnSet
from sijaga.imports.kinds import ROW, Context, MergeResult, Validated, apply_rules
from sijaga.imports.parsers import parse_dates, parse_rupiah, trimmed

COLUMNS = ColumnSet(
    (
        Column("kpj", "Nomor KPJ", False, ("kpj", "no kpj", "nomor peserta"), "nomor peserta BPJS"),
        Column("nik", "NIK", False, ("nik", "no ktp"), "diisi bila KPJ belum ada"),
        Column("event_type", "Jenis", True, ("jenis", "program", "jenis klaim"), "JKM, JKK atau PAK"),
        Column("event_date", "Tanggal Kejadian", True, ("tanggal kejadian", "tgl kejadian"), "dd/mm/yyyy"),
        Column("cause", "Penyebab", True, ("penyebab", "sebab"), "teks"),
        Column("claim_number", "Nomor Klaim", False, ("nomor klaim", "no klaim"), "nomor klaim BPJS"),
        Column("paid_on", "Tanggal Bayar", False, ("tanggal bayar", "tgl bayar"), "dd/mm/yyyy"),
        Column("amount", "Jumlah Dibayar", False, ("jumlah dibayar", "jumlah", "nominal"), "Rupiah"),
    )
)
TYPES = {"JKM": ("death", "death"), "JKK": ("work_accident", "death"), "PAK": ("occupational_disease", "death")}


def _text(frame: pl.DataFrame, key: str) -> pl.Expr:
    return trimmed(key) if key in frame.columns else pl.lit(None, dtype=pl.String)


def validate(frame: pl.DataFrame, *, today) -> Validated:
    f = frame.select(pl.col(ROW).cast(pl.Int64), *[_text(frame, c.key).alias(f"v_{c.key}") for c in COLUMNS])
    f = f.with_columns(
        kpj=pl.col("v_kpj").str.replace_all(r"\D", ""),
        nik=pl.col("v_nik").str.replace_all(r"\D", ""),
        event_type=pl.col("v_event_type").str.to_uppercase(),
        event_date=parse_dates(pl.col("v_event_date")),
        cause=pl.col("v_cause"),
        claim_number=pl.col("v_claim_number"),
        paid_on=parse_dates(pl.col("v_paid_on")),
        amount=parse_rupiah(pl.col("v_amount"))[0],
    )
    rules = [
        ("kpj", pl.col("kpj").is_null() & pl.col("nik").is_null(), _("Isi Nomor KPJ atau NIK.")),
        ("nik", pl.col("nik").is_not_null() & (pl.col("nik").str.len_chars() != 16), _("NIK harus 16 digit.")),
        ("event_type", ~pl.col("event_type").is_in(list(TYPES)).fill_null(False), _("Jenis: JKM, JKK atau PAK.")),
        ("event_date", pl.col("event_date").is_null(), _("Tanggal kejadian tidak terbaca.")),
        ("event_date", pl.col("event_date") > pl.lit(today), _("Tanggal kejadian tidak boleh di masa depan.")),
        ("cause", pl.col("cause").is_null(), _("Penyebab wajib diisi.")),
        (
            "amount",
            pl.col("paid_on").is_not_null() & ~pl.col("amount").is_between(1, 10**11).fill_null(False),
            _("Tanggal bayar diisi: jumlah dibayar harus lebih dari Rp0."),
        ),
    ]
    return apply_rules(
        f,
        rules,
        COLUMNS,
        ["kpj", "nik", "event_type", "event_date", "cause", "claim_number", "paid_on", "amount"],
        read=frame.height,
    )


class BenefitCaseKind(PayerTargets):
    """Benefit cases of one payer's workers from a BPJS file."""

    slug = "manfaat"
    label = gettext_lazy("Kasus manfaat (berkas BPJS)")
    columns = COLUMNS
    options: dict = {}

    def blank_workbook(self, fmt: str) -> bytes:
        from sijaga.core.xlsx import write_table

        headers = [c.header for c in COLUMNS]
        example = ["", "3201011501900001", "JKM", "01/06/2026", "Sakit", "KLM-0001", "20/06/2026", "42000000"]
        if fmt == "csv":
            out = io.StringIO()
            csv.writer(out, delimiter=";").writerows([headers, example])
            return ("\ufeff" + out.getvalue()).encode()
        book, _n = write_table(headers, [18] * len(headers), ["text"] * len(headers), [example], sheet="Manfaat")
        return book.read()

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        return validate(frame, today=ctx.today)

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        from sijaga.benefits import services
        from sijaga.enrollment.models import Membership

        created = unchanged = 0
        rejected: list[dict] = []
        payer_id = ctx.target.payer_id
        for row in valid.iter_rows(named=True):
            members = Membership.objects.filter(payer_id=payer_id)
            member = (members.filter(kpj=row["kpj"]) if row["kpj"] else members.filter(worker__nik=row["nik"])).first()
            if member is None:
                reason = _("Tidak ada kepesertaan dengan KPJ/NIK ini pada pembayar ini.")
                value = row["kpj"] or row["nik"]
                rejected.append({ROW: row[ROW], "key": "kpj", "column": "Nomor KPJ", "value": value, "reason": reason})
                continue
            event_type, outcome = TYPES[row["event_type"]]
            try:
                case = services.record_case(
                    ctx.actor,
                    worker_id=member.worker_id,
                    payer_id=payer_id,
                    event_type=event_type,
                    outcome=outcome,
                    event_date=row["event_date"],
                    cause=row["cause"],
                    claim_number=row["claim_number"] or "",
                    today=ctx.today,
                )
                if row["paid_on"] is not None:
                    services.record_claim_payment(
                        ctx.actor,
                        case.pk,
                        paid_on=row["paid_on"],
                        amount=row["amount"],
                        paid_to=_("Ahli waris (berkas BPJS)"),
                    )
                created += 1
            except services.DuplicateCase:
                unchanged += 1
            except ValidationError as exc:
                rejected.append(
                    {
                        ROW: row[ROW],
                        "key": "event_date",
                        "column": "Tanggal Kejadian",
                        "value": str(row["event_date"]),
                        "reason": " ".join(exc.messages)[:300],
                    }
                )
        from sijaga.imports.kinds import empty_rejections

        rejections = pl.DataFrame(rejected, schema=empty_rejections().schema) if rejected else empty_rejections()
        return MergeResult(created=created, updated=0, unchanged=unchanged, rejections=rejections)

    def mask_preview(self, actor, rows: list[dict]) -> list[dict]:
        from sijaga.registry.presenters import WORKER_POLICY

        return [
            {**r, "value": WORKER_POLICY.present(actor, "nik", r["value"])}
            if r.get("key") == "nik" and r.get("value")
            else r
            for r in rows
        ]
