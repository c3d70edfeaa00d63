"""The enrolment import kind ("kepesertaan"): its columns, blank workbook, validation and merge.

The engine (`sijaga.imports`) stores, reads, runs and reports any kind of file; this module tells it what an
enrolment file is. Its merge writes workers and memberships through the SQL their own apps own (`registry.bulk`,
`enrollment.bulk`), inside the engine's transaction. Registered in `EnrollmentConfig.ready()`.
"""

from __future__ import annotations

import io
import re
from functools import cache

import polars as pl
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.accounts.masking import SHOW
from sijaga.core.bulk import Dialect, fill_stage
from sijaga.enrollment import bulk
from sijaga.enrollment.rules import PROGRAMME_NAMES, PROGRAMMES
from sijaga.imports.columns import Column, ColumnSet
from sijaga.imports.kinds import ROW, Context, MergeResult, Target, Validated, fault
from sijaga.registry import bulk as registry_bulk
from sijaga.registry.models import TargetCategory

# --- columns -----------------------------------------------------------------------------------------------------


COLUMNS = ColumnSet((
    Column(
        "nik",
        "NIK",
        True,
        ("nik", "no ktp", "nomor ktp", "no nik", "nomor nik", "nomor induk kependudukan", "ktp", "nik ktp"),
        "16 digit, format kolom Teks",
    ),
    Column(
        "full_name",
        "Nama Lengkap",
        True,
        ("nama", "nama lengkap", "nama pekerja", "nama peserta", "nama tenaga kerja", "name", "full name"),
        "sesuai KTP",
    ),
    Column(
        "birth_date",
        "Tanggal Lahir",
        False,
        ("tgl lahir", "tanggal lahir", "tgl. lahir", "tanggal lhr", "birth date", "date of birth"),
        "dd/mm/yyyy; boleh kosong (diambil dari NIK)",
    ),
    Column(
        "gender",
        "Jenis Kelamin",
        False,
        ("jenis kelamin", "jk", "l/p", "kelamin", "gender", "sex"),
        "L atau P; boleh kosong (diambil dari NIK)",
    ),
    Column(
        "domicile",
        "Kode Desa Domisili",
        True,
        (
            "kode desa",
            "kode desa domisili",
            "kode kelurahan",
            "kode desa/kelurahan",
            "kode wilayah",
            "domisili",
            "kode domisili",
        ),
        "kode Kemendagri 10 digit, mis. 64.71.05.1002",
    ),
    Column("phone", "No HP", False, ("no hp", "nomor hp", "hp", "telepon", "no telepon", "no. hp", "phone"), ""),
    Column(
        "category", "Kategori", True, ("kategori", "kategori sasaran", "kelompok", "category"), "lihat daftar pilihan"
    ),
    Column(
        "occupation",
        "Pekerjaan",
        False,
        ("pekerjaan", "jenis pekerjaan", "profesi", "occupation"),
        "wajib untuk pekerja rentan",
    ),
    Column(
        "segment", "Segmen", True, ("segmen", "segmen kepesertaan", "jenis kepesertaan", "segment"), "PU, BPU, JAKON"
    ),
    Column(
        "programmes",
        "Program",
        True,
        ("program", "program bpjs", "program jaminan", "programs", "programmes"),
        "mis. JKK+JKM atau JKK+JKM+JHT",
    ),
    Column(
        "wage",
        "Upah/Penghasilan",
        True,
        ("upah", "gaji", "penghasilan", "upah/penghasilan", "upah per bulan", "wage", "income"),
        "Rupiah per bulan, tanpa sen",
    ),
    Column(
        "start_date",
        "Tanggal Mulai",
        True,
        ("tanggal mulai", "tgl mulai", "mulai", "tmt", "tanggal kepesertaan", "start date"),
        "dd/mm/yyyy",
    ),
))


# --- blank workbook ----------------------------------------------------------------------------------------------

PROGRAMME_CHOICES = ["JKK+JKM", "JKK+JKM+JHT", "JKK+JKM+JHT+JP", "JKK+JKM+JHT+JP+JKP", "JKK+JKM+JHT+JKP"]
SEGMENT_CHOICES = ["PU", "BPU", "JAKON"]
EXAMPLE = {
    "nik": "6471054412950001",
    "full_name": "Siti Aminah",
    "birth_date": "04/12/1995",
    "gender": "P",
    "domicile": "64.71.05.1002",
    "phone": "081234567890",
    "category": str(TargetCategory.NON_ASN.label),
    "occupation": "Staf administrasi",
    "segment": "PU",
    "programmes": "JKK+JKM+JHT",
    "wage": "3500000",
    "start_date": "01/01/2026",
}
DATA_ROWS = 50_000


def template_xlsx() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#0B6E4F", "font_color": "#FFFFFF", "border": 1})
    req = book.add_format({"bold": True, "bg_color": "#0B6E4F", "font_color": "#FFE08A", "border": 1})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    money = book.add_format({"num_format": "#,##0"})

    data = book.add_worksheet("Data Peserta")
    lists = book.add_worksheet("Daftar Pilihan")
    guide = book.add_worksheet("Petunjuk")

    categories = [str(label) for _v, label in TargetCategory.choices]
    for col, values in enumerate([categories, SEGMENT_CHOICES, PROGRAMME_CHOICES, ["L", "P"]]):
        lists.write_column(0, col, values)
    lists.hide()
    ranges = {
        "category": f"='Daftar Pilihan'!$A$1:$A${len(categories)}",
        "segment": f"='Daftar Pilihan'!$B$1:$B${len(SEGMENT_CHOICES)}",
        "programmes": f"='Daftar Pilihan'!$C$1:$C${len(PROGRAMME_CHOICES)}",
        "gender": "='Daftar Pilihan'!$D$1:$D$2",
    }
    for c, column in enumerate(COLUMNS):
        data.write_string(0, c, column.header + (" *" if column.required else ""), req if column.required else head)
        fmt = {"birth_date": date, "start_date": date, "wage": money}.get(column.key, text)
        data.set_column(c, c, 22 if column.key in ("full_name", "category", "programmes") else 16, fmt)
        if column.key in ranges:
            data.data_validation(1, c, DATA_ROWS, c, {
                "validate": "list", "source": ranges[column.key], "error_title": "Pilihan tidak sah",
                "error_message": "Pilih dari daftar.",
            })  # fmt: skip
        if column.key == "nik":
            data.data_validation(1, c, DATA_ROWS, c, {
                "validate": "length", "criteria": "==", "value": 16, "error_title": "NIK",
                "error_message": "NIK harus 16 digit.",
            })  # fmt: skip
        data.write_comment(0, c, column.help or column.header)
    data.freeze_panes(1, 0)

    rows = [
        ("Petunjuk pengisian", ""),
        ("1.", "Isi satu baris untuk setiap tenaga kerja di sheet “Data Peserta”, mulai baris 2."),
        ("2.", "Kolom bertanda * wajib. Tanggal lahir dan jenis kelamin boleh kosong: diambil dari NIK."),
        ("3.", "NIK harus 16 digit dan kolomnya berformat Teks; NIK yang berubah menjadi 6,47E+15 akan ditolak."),
        ("4.", "Kode desa domisili memakai kode Kemendagri 2025, mis. 64.71.05.1002 (lihat menu Wilayah)."),
        ("5.", "Program: JKK dan JKM wajib. BPU tanpa JP dan JKP. Jasa konstruksi hanya JKK+JKM. JKP perlu JHT."),
        ("6.", "Upah/penghasilan dalam Rupiah per bulan, tanpa sen."),
        ("7.", "Mengunggah ulang berkas yang sama tidak membuat data ganda; baris yang diperbaiki memperbarui data."),
        ("", ""),
        ("Contoh baris", ""),
        *[(c.header, EXAMPLE[c.key]) for c in COLUMNS],
        ("", ""),
        ("Program", ""),
        *[(k.upper(), v) for k, v in PROGRAMME_NAMES.items()],
        ("", ""),
        ("Kategori", ""),
        *[(str(label), value) for value, label in TargetCategory.choices],
    ]
    bold = book.add_format({"bold": True})
    for r, (a, b) in enumerate(rows):
        guide.write(r, 0, a, bold)
        guide.write(r, 1, b)
    guide.set_column(0, 0, 26)
    guide.set_column(1, 1, 110)
    book.close()
    return buf.getvalue()


def template_csv() -> bytes:
    """UTF-8 with BOM and `;` so that Excel in an Indonesian locale opens it in columns."""
    header = ";".join(c.header for c in COLUMNS)
    return ("\ufeff" + header + "\r\n").encode("utf-8")


# --- the kind ----------------------------------------------------------------------------------------------------

STAGE = "sijaga_import_stage"
STAGE_COLUMNS = (
    "row_no", "nik", "full_name", "birth_date", "gender", "domicile_id", "phone", "occupation", "category",
    "segment", *PROGRAMMES, "wage", "start_date", "verify_token",
)  # fmt: skip
DOUBLE_FUNDING_OPTION = "confirm_double_funding"


@cache
def villages() -> pl.Series:
    from sijaga.regions.models import Region

    return pl.Series("code", list(Region.objects.filter(level=4).values_list("code", flat=True)), dtype=pl.String)


def _target(payer) -> Target:
    return Target(pk=payer.pk, code=payer.code, label=f"{payer.name} ({payer.code})", region_code=payer.region_id,
                  payer_id=payer.pk)  # fmt: skip


class EnrolmentKind:
    """Bulk enrolment of workers with one payer."""

    slug = "kepesertaan"
    label = gettext_lazy("Kepesertaan")
    target_label = gettext_lazy("Pembayar iuran")
    columns = COLUMNS
    options = {DOUBLE_FUNDING_OPTION: gettext_lazy("Saya konfirmasi pembiayaan ganda")}

    # --- who may import what ---------------------------------------------------------------------------------

    def targets(self, actor) -> list[Target]:
        from sijaga.enrollment.selectors import usable_payers

        return [_target(p) for p in usable_payers(actor).order_by("name")]

    def target(self, actor, *, pk: int | None = None, code: str | None = None) -> Target | None:
        from sijaga.enrollment.selectors import usable_payers

        payers = usable_payers(actor)
        if pk is not None:
            payers = payers.filter(pk=pk)
        elif code is not None:
            payers = payers.filter(code=code)
        else:
            return None
        payer = payers.first()
        return _target(payer) if payer is not None else None

    def authorise(self, actor, ctx: Context) -> None:
        if not actor.can_write:
            raise PermissionDenied(_("Peran Anda tidak dapat mengimpor data."))
        if not actor.covers(ctx.target.region_code):
            raise PermissionDenied(_("Pembayar iuran berada di luar wilayah tugas Anda."))

    def blank_workbook(self, fmt: str) -> bytes:
        return template_csv() if fmt == "csv" else template_xlsx()

    # --- validation ----------------------------------------------------------------------------------------------

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        from sijaga.imports.validate import validate

        existing = registry_bulk.existing_niks(frame.get_column("nik"), ctx.actor) if "nik" in frame.columns else None
        checked = validate(frame, villages=villages(), today=ctx.today, existing=existing)
        return Validated(valid=checked.valid, rejections=checked.rejections, read=checked.read)

    # --- merge ---------------------------------------------------------------------------------------------------

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        """Stage the valid rows, then match, refuse, write and record, set-based; inside the engine's transaction."""
        from sijaga.enrollment.models import Payer

        d = Dialect(connection.vendor)
        payer = Payer.objects.get(pk=ctx.target.payer_id)
        actor, now = ctx.actor, timezone.now()
        reason = _("Impor massal %(f)s") % {"f": ctx.file_name}
        frame = valid.with_columns(bulk.new_tokens(valid.height)).select(
            pl.col(ROW).alias("row_no"), *[c for c in STAGE_COLUMNS if c != "row_no"]
        )
        staging = _("menyalin ke tabel sementara")
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cur.execute(d.temp_table(STAGE, [f"row_no {d.type('int')}", *registry_bulk.stage_columns(d),
                                             *bulk.stage_columns(d)]))  # fmt: skip
            ctx.step(staging, 50)
            fill_stage(cur, d, STAGE, frame, STAGE_COLUMNS,
                       progress=lambda done, total: ctx.step(staging, 50 + 15 * done // max(total, 1)))  # fmt: skip
            if d.pg:
                cur.execute(f"ANALYZE {STAGE}")  # a temp table has no statistics: without them joins go nested-loop
            fault("after_stage")
            ctx.step(_("menyimpan tenaga kerja"), 66)
            registry_bulk.match_workers(cur, d, STAGE, actor)
            bulk.match_memberships(cur, d, STAGE, payer_id=payer.pk)
            funded = bulk.check_double_funding(cur, d, STAGE, payer_id=payer.pk, payer_kind=payer.kind,
                                               confirmed=ctx.option(DOUBLE_FUNDING_OPTION))  # fmt: skip
            registry_bulk.write_workers(cur, d, STAGE, actor=actor, now=now)
            fault("after_workers")
            ctx.step(_("menyimpan kepesertaan"), 76)
            bulk.write_memberships(cur, d, STAGE, payer_id=payer.pk, actor=actor, now=now, reason=reason)
            fault("after_memberships")
            ctx.step(_("mencatat riwayat perubahan"), 86)
            registry_bulk.write_worker_history(cur, d, STAGE, actor=actor, now=now, reason=reason)
            bulk.write_membership_history(cur, d, STAGE, actor=actor, now=now, reason=reason)
            cur.execute(
                "SELECT COALESCE(SUM(CASE WHEN membership_id IS NULL THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN membership_id IS NOT NULL AND (worker_state = 'changed' "
                f"OR membership_changed) THEN 1 ELSE 0 END), 0), COUNT(*) FROM {STAGE} WHERE rejected IS NULL"
            )
            created, updated, total = cur.fetchone()
            cur.execute(f"SELECT row_no, nik, rejected, funded_by FROM {STAGE} WHERE rejected IS NOT NULL "
                        "ORDER BY row_no")  # fmt: skip
            refused = cur.fetchall()
            if not d.pg:
                cur.execute(f"DROP TABLE {STAGE}")
        notes = []
        if funded and ctx.option(DOUBLE_FUNDING_OPTION):
            notes.append(_("%(n)s baris dibiayai ganda dengan pembayar pemerintah lain (dikonfirmasi).") % {"n": funded})
        return MergeResult(
            created=int(created), updated=int(updated), unchanged=int(total - created - updated),
            rejections=_merge_rejections(refused), notes=tuple(notes),
        )  # fmt: skip

    # --- showing rejections --------------------------------------------------------------------------------------

    def mask_preview(self, actor, rows: list[dict]) -> list[dict]:
        """The rejection preview through the worker masking policy: an auditor sees a masked NIK, no birth date and
        no phone, and no birth date spelled out in a reason either (digits 7-12 of a NIK are the birth date)."""
        from sijaga.registry.presenters import WORKER_POLICY

        if WORKER_POLICY.rule(actor, "nik") == SHOW:
            return rows
        shown = []
        for row in rows:
            key, value = row.get("key"), row.get("value")
            if key in WORKER_POLICY.rules and value is not None:
                value = WORKER_POLICY.present(actor, key, value)
            reason = _DIGITS.sub(lambda m: "*" * len(m.group()), _DATE.sub("**/**/****", row.get("reason") or ""))
            shown.append({**row, "value": value, "reason": reason})
        return shown


_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
_DIGITS = re.compile(r"\d{6,}")


def _merge_rejections(refused: list[tuple]) -> pl.DataFrame:
    from sijaga.imports.kinds import empty_rejections

    if not refused:
        return empty_rejections()
    elsewhere = _("NIK sudah terdaftar di wilayah lain; hubungi koordinator untuk pemindahan.")
    funded = _("Sudah dibiayai oleh %(p)s; centang “Saya konfirmasi pembiayaan ganda” bila memang dibiayai ganda.")
    return pl.DataFrame(
        {
            ROW: [r[0] for r in refused],
            "key": ["nik"] * len(refused),
            "column": [COLUMNS.by_key["nik"].header] * len(refused),
            "value": [r[1] for r in refused],
            "reason": [funded % {"p": r[3]} if r[2] == bulk.DOUBLE_FUNDING else elsewhere for r in refused],
        },
        schema={ROW: pl.Int64, "key": pl.String, "column": pl.String, "value": pl.String, "reason": pl.String},
    )
