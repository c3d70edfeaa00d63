"""The APBDes allocation file (`apbdes`): one row per village of a regency, sent by the regency (DPMD) once the
villages adopted their APBDes. Columns: village code, fiscal year, APBDes (Perdes) number and date, account code,
amount. Validated column-wise with Polars; a village code that is not a desa of the regency (unknown, a kelurahan,
another regency) is rejected row by row. The merge inserts the allocations set-based (a document already recorded
for the village and year is unchanged — the same file twice counts nothing twice) with one *entered* event each, in
the engine's transaction. Evidence for these rows stays with the regency's file (the batch keeps it)."""

from __future__ import annotations

import csv
import io

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.budget import rules
from sijaga.core.bulk import Dialect, fill_stage
from sijaga.imports.columns import Column, ColumnSet
from sijaga.imports.kinds import ROW, Context, MergeResult, Target, Validated, apply_rules
from sijaga.imports.parsers import parse_dates, parse_rupiah, trimmed

COLUMNS = ColumnSet(
    (
        Column("village", "Kode Desa", True, ("kode desa", "kode wilayah", "kode kemendagri", "desa"),
               "kode Kemendagri, 64.02.01.2001"),
        Column("year", "Tahun", True, ("tahun", "tahun anggaran", "ta"), "2027"),
        Column("number", "Nomor APBDes", True, ("nomor apbdes", "nomor perdes", "nomor dokumen", "nomor"),
               "Perdes 3 Tahun 2026"),
        Column("date", "Tanggal", True, ("tanggal", "tanggal perdes", "tanggal penetapan"), "dd/mm/yyyy"),
        Column("account", "Kode Rekening", True, ("kode rekening", "rekening", "akun"), "5.1.02.01"),
        Column("amount", "Jumlah", True, ("jumlah", "pagu", "anggaran", "nilai"), "Rupiah"),
    )
)  # fmt: skip
STAGE = "sijaga_apbdes_stage"


def _text(frame: pl.DataFrame, key: str) -> pl.Expr:
    """The trimmed cell, NUL made visible (PostgreSQL refuses NUL in text; such a value is rejected anyway)."""
    if key not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    return trimmed(key).str.replace_all("\x00", "\ufffd", literal=True)


def validate(frame: pl.DataFrame, *, villages: pl.Series, today) -> Validated:
    """``villages``: the desa codes of the target regency (kelurahan have no APBDes)."""
    f = frame.select(
        pl.col(ROW).cast(pl.Int64), *[_text(frame, c.key).alias(f"v_{c.key}") for c in COLUMNS]
    ).with_columns(
        village=pl.col("v_village").str.replace_all(r"\s", ""),
        year=pl.col("v_year").str.strip_chars().cast(pl.Int64, strict=False),
        number=pl.col("v_number"),
        date=parse_dates(pl.col("v_date")),
        account=pl.col("v_account"),
        amount=parse_rupiah(pl.col("v_amount"))[0],
        cents=parse_rupiah(pl.col("v_amount"))[1],
    )
    known = villages.implode()
    f = f.with_columns(dup=pl.struct("village", "year").is_duplicated() & pl.col("village").is_not_null())
    checks = [
        ("village", pl.col("village").is_null(), _("Kode desa wajib diisi.")),
        ("village", pl.col("village").is_not_null() & ~pl.col("village").is_in(known),
         _("Kode desa tidak dikenal sebagai desa kabupaten/kota ini (kelurahan tidak mempunyai APBDes).")),
        ("village", pl.col("dup"), _("Desa yang sama muncul lebih dari sekali untuk tahun ini.")),
        ("year", ~pl.col("year").is_between(2020, 2100), _("Tahun anggaran harus antara 2020 dan 2100.")),
        ("number", pl.col("number").is_null() | (pl.col("number").str.len_chars() > 100),
         _("Nomor APBDes wajib diisi (paling banyak 100 karakter).")),
        ("date", pl.col("date").is_null(), _("Tanggal tidak terbaca.")),
        ("date", pl.col("date") > pl.lit(today), _("Tanggal tidak boleh di masa depan.")),
        ("account", pl.col("account").is_null() | (pl.col("account").str.len_chars() > 60),
         _("Kode rekening wajib diisi (paling banyak 60 karakter).")),
        ("amount", pl.col("amount").is_null() | pl.col("cents"), _("Jumlah tidak terbaca (Rupiah tanpa sen).")),
        ("amount", ~pl.col("amount").is_between(1, rules.MAX_ALLOCATION),
         _("Jumlah alokasi harus lebih dari Rp0 dan paling banyak Rp10 triliun.")),
    ]  # fmt: skip
    return apply_rules(
        f,
        checks,
        COLUMNS,
        ["village", "year", "number", "date", "account", "amount"],
        read=frame.height,
        null_rejects=frozenset({"year"}),
    )


def _pk(code: str) -> int:
    """A regency code as the integer the upload form posts: 64.71 → 6471."""
    return int(code.replace(".", ""))


def _code(pk: int) -> str:
    return f"{pk // 100:02d}.{pk % 100:02d}"


def _region_target(region) -> Target:
    return Target(pk=_pk(region.code), code=region.code, label=f"{region.name} ({region.code})",
                  region_code=region.code)  # fmt: skip


class ApbdesKind:
    """The APBDes allocations of a regency's villages for a year, from one file."""

    slug = "apbdes"
    label = gettext_lazy("Alokasi APBDes desa")
    target_label = gettext_lazy("Kabupaten/kota")
    columns = COLUMNS
    options: dict = {}

    def _regencies(self, actor):
        from sijaga.accounts.actor import as_actor
        from sijaga.regions.models import Region

        regions = Region.objects.filter(level=2, kind="kabupaten", is_current=True)
        scope = as_actor(actor).scope
        if not scope.national:
            regions = regions.filter(scope.q("code")) if scope.prefixes else regions.none()
        return regions.order_by("code")

    def targets(self, actor, query: str = "", limit: int = 20) -> tuple[list[Target], str]:
        from sijaga.budget.services import can_budget

        if not can_budget(actor) or actor.role == "village_operator":
            return [], ""
        regions = self._regencies(actor)
        words = (query or "").strip()
        if words:
            regions = regions.filter(name__icontains=words) | regions.filter(code__startswith=words)
        found = list(regions[: limit + 1])
        hint = _("Terlalu banyak; ketik nama kabupaten.") if len(found) > limit else ""
        return [_region_target(r) for r in found[:limit]], hint

    def target(self, actor, *, pk: int | None = None, code: str | None = None) -> Target | None:
        if pk is not None:
            try:
                code = _code(int(pk))
            except (TypeError, ValueError):
                return None
        if not code:
            return None
        region = self._regencies(actor).filter(code=code).first()
        return _region_target(region) if region is not None else None

    def authorise(self, actor, ctx: Context) -> None:
        from sijaga.budget.services import can_budget

        if actor.role == "village_operator" or not can_budget(actor, ctx.target.region_code):
            raise PermissionDenied(_("Anda tidak dapat mengimpor alokasi APBDes untuk wilayah ini."))

    def blank_workbook(self, fmt: str) -> bytes:
        from sijaga.core.xlsx import write_table

        headers = [c.header for c in COLUMNS]
        example = ["64.02.01.2001", "2027", "Perdes 3 Tahun 2026", "20/12/2026", "5.1.02.01", "25000000"]
        if fmt == "csv":
            out = io.StringIO()
            csv.writer(out, delimiter=";").writerows([headers, example])
            return ("\ufeff" + out.getvalue()).encode()
        book, _n = write_table(headers, [18] * len(headers), ["text"] * len(headers), [example], sheet="APBDes")
        return book.read()

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        from sijaga.regions.models import Region

        codes = Region.objects.filter(
            code__startswith=ctx.target.region_code + ".", level=4, kind__in=("desa", "desa_adat")
        ).values_list("code", flat=True)
        return validate(frame, villages=pl.Series(list(codes), dtype=pl.String), today=ctx.today)

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        d = Dialect(connection.vendor)
        now = timezone.now()
        i = d.type("int")
        columns = ("row_no", "village", "year", "number", "date", "account", "amount")
        frame = valid.select(pl.col(ROW).alias("row_no"), *columns[1:])
        user = ctx.actor.user_id
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cur.execute(d.temp_table(STAGE, [f"row_no {i}", "village text", f"year {i}", "number text", "date date",
                                             "account text", f"amount {i}"]))  # fmt: skip
            fill_stage(cur, d, STAGE, frame, columns)
            same = ("a.region_id = s.village AND a.year = s.year AND a.document_type = 'apbdes' "
                    "AND a.document_number = s.number")  # fmt: skip
            cur.execute(
                "INSERT INTO budget_budgetallocation (region_id, year, document_type, document_number, document_date, "
                "account_code, amount, evidence_path, evidence_name, evidence_type, evidence_size, status, source, "
                "entered_at, entered_by_id) SELECT s.village, s.year, 'apbdes', s.number, s.date, s.account, s.amount, "
                "'', '', '', 0, 'entered', 'file', %s, %s "
                f"FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM budget_budgetallocation a WHERE {same}) "
                "ORDER BY s.row_no",
                [now, user],
            )
            created = cur.rowcount
            cur.execute(
                "INSERT INTO budget_budgetevent (region_id, allocation_id, kind, at, by_id, channel, detail) "
                "SELECT a.region_id, a.id, 'entered', %s, %s, 'file', NULL "
                f"FROM budget_budgetallocation a JOIN {STAGE} s ON {same} "
                "WHERE NOT EXISTS (SELECT 1 FROM budget_budgetevent e WHERE e.allocation_id = a.id)",
                [now, user],
            )
            cur.execute(f"DROP TABLE {STAGE}")
        return MergeResult(created=created, updated=0, unchanged=valid.height - created)

    def mask_preview(self, actor, rows: list[dict]) -> list[dict]:
        return rows  # village codes and budget figures: no personal data
