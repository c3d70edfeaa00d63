"""The target file import kind (`sasaran`): denominators for one region (a province or regency and what lies in it).

Columns: region code, year, category, count, source (and the payer's code for non-ASN staff counted per Pemda).
Validated column-wise with Polars; rows with an unknown region code (or one outside the region uploaded for), a
negative or unreadable count, an unknown category or a missing source are rejected one by one with the reason.
The merge upserts through `services.write_targets` (a file holds at most a region's villages × categories).

The engine's web form picks a target by an integer key: a region's key is its code without dots (`64.01` → 6401),
unambiguous because each level has its own number of digits.
"""

from __future__ import annotations

import csv
import io

import polars as pl
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijaga.coverage.models import MAX_TARGET, TargetCategory
from sijaga.imports.columns import Column, ColumnSet
from sijaga.imports.kinds import ROW, Context, MergeResult, Target, Validated, apply_rules
from sijaga.imports.parsers import dotted_region, parse_rupiah, trimmed

COLUMNS = ColumnSet(
    (
        Column(
            "region_code",
            "Kode Wilayah",
            True,
            ("kode wilayah", "kode", "kode kemendagri", "region code"),
            "kode Kemendagri, mis. 64.01",
        ),
        Column("year", "Tahun", True, ("tahun", "year"), "tahun data, mis. 2026"),
        Column(
            "category",
            "Kategori",
            True,
            ("kategori", "kategori sasaran", "category"),
            "angkatan_kerja, non_asn, perangkat_desa, rt_rw, pekerja_rentan",
        ),
        Column("count", "Jumlah", True, ("jumlah", "jumlah orang", "count"), "bilangan bulat, tidak negatif"),
        Column("source", "Sumber", True, ("sumber", "sumber data", "source"), "mis. BPS Sakernas Agustus 2025"),
        Column(
            "payer_code",
            "Kode Pembayar",
            False,
            ("kode pembayar", "pembayar", "payer"),
            "hanya untuk non_asn per Pemda",
        ),
    )
)
DIGITS_BY_LEVEL = {2: 1, 4: 2, 6: 3, 10: 4}


def region_key(code: str) -> int:
    return int(code.replace(".", ""))


def code_of_key(key: int) -> str | None:
    digits = str(key)
    if len(digits) not in DIGITS_BY_LEVEL:
        return None
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(p for p in parts if p)


def _categories() -> dict[str, str]:
    words = {c: c for c in TargetCategory.values}
    for value, label in TargetCategory.choices:
        words[str(label).lower()] = value
    words |= {"angkatan kerja": "angkatan_kerja", "penduduk bekerja": "angkatan_kerja", "non asn": "non_asn",
              "perangkat desa": "perangkat_desa", "rt/rw": "rt_rw", "ketua rt/rw": "rt_rw",
              "pekerja rentan": "pekerja_rentan"}  # fmt: skip
    return words


def validate(frame: pl.DataFrame, *, region_code: str, known_codes: pl.Series, payers: dict[str, tuple[int, str]]):
    """Column-wise checks; `payers`: payer code → (id, region code)."""

    def text(key: str) -> pl.Expr:
        return trimmed(key) if key in frame.columns else pl.lit(None, dtype=pl.String)

    words = _categories()
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns if c != ROW)
    f = frame.select(pl.col(ROW).cast(pl.Int64), *[text(c.key).alias(f"v_{c.key}") for c in COLUMNS])
    count, cents = parse_rupiah(pl.col("v_count"))
    f = f.with_columns(
        region_code=dotted_region(pl.col("v_region_code")),
        year=pl.col("v_year").str.replace(r"\.0+$", "").cast(pl.Int64, strict=False),
        category=pl.col("v_category").str.to_lowercase().replace_strict(words, default=None),
        count=count,
        cents=cents,
        source=pl.col("v_source"),
        payer_code=pl.col("v_payer_code"),
    )
    payer_ids = {k: v[0] for k, v in payers.items()}
    payer_regions = {k: v[1] for k, v in payers.items()}
    f = f.with_columns(
        payer_id=pl.col("payer_code").replace_strict(payer_ids, default=None, return_dtype=pl.Int64),
        payer_region=pl.col("payer_code").replace_strict(payer_regions, default=None, return_dtype=pl.String),
    )
    f = f.with_columns(
        dup=pl.struct("region_code", "year", "category", "payer_code").is_duplicated(),
    )
    inside = (pl.col("region_code") == region_code) | pl.col("region_code").str.starts_with(region_code + ".")
    rules = [
        ("region_code", ~pl.col("region_code").is_in(known_codes.implode()),
         _("Kode wilayah tidak ada dalam daftar wilayah Kemendagri.")),
        ("region_code", ~inside, _("Kode wilayah di luar wilayah yang dipilih untuk unggahan ini.")),
        ("year", pl.col("year").is_null() | ~pl.col("year").is_between(2000, 2100), _("Tahun tidak sah.")),
        ("category", pl.col("category").is_null(), _("Kategori sasaran tidak dikenal.")),
        ("count", pl.col("count").is_null() | pl.col("cents"), _("Jumlah tidak terbaca (bilangan bulat).")),
        ("count", pl.col("count") < 0, _("Jumlah tidak boleh negatif.")),
        ("count", pl.col("count") > MAX_TARGET, _("Jumlah melebihi jumlah penduduk Indonesia.")),
        ("source", pl.col("source").is_null() | (pl.col("source").str.len_chars() > 200),
         _("Sumber data wajib diisi (paling banyak 200 karakter).")),
        ("payer_code", pl.col("payer_code").is_not_null() & pl.col("payer_id").is_null(),
         _("Kode pembayar tidak dikenal.")),
        ("payer_code", pl.col("payer_id").is_not_null() & (pl.col("category") != "non_asn"),
         _("Sasaran per pembayar hanya untuk pegawai non-ASN.")),
        ("payer_code", pl.col("payer_id").is_not_null() & (pl.col("payer_region") != pl.col("region_code")),
         _("Pembayar tidak berada di wilayah ini.")),
        ("region_code", pl.col("dup"), _("Baris yang sama (wilayah, tahun, kategori) muncul lebih dari sekali.")),
    ]  # fmt: skip
    return apply_rules(
        f, rules, COLUMNS, ["region_code", "year", "category", "count", "source", "payer_id"], read=frame.height
    )


class TargetKind:
    """Targets (denominators) for one province or regency."""

    slug = "sasaran"
    label = gettext_lazy("Sasaran cakupan")
    target_label = gettext_lazy("Wilayah")
    columns = COLUMNS
    options: dict = {}

    def _target(self, region) -> Target:
        return Target(pk=region_key(region.code), code=region.code, label=f"{region.code} {region.name}",
                      region_code=region.code)  # fmt: skip

    def _regions(self, actor):
        from sijaga.coverage.services import can_edit_targets
        from sijaga.regions.models import Region

        if not can_edit_targets(actor):
            return Region.objects.none()
        qs = Region.objects.filter(level__in=(1, 2), is_current=True)
        if not (actor.is_system or actor.scope.national):
            qs = qs.filter(actor.scope.q("code"))
        return qs

    def targets(self, actor, query: str = "", limit: int = 20) -> tuple[list[Target], str]:
        qs = self._regions(actor)
        words = (query or "").strip()
        if words:
            qs = qs.filter(name__icontains=words) | qs.filter(code__startswith=words)
        found = list(qs.order_by("code")[: limit + 1])
        hint = _("Ketik nama wilayah untuk mempersempit.") if len(found) > limit else ""
        if words and not found:
            hint = _("Tidak ada wilayah yang cocok.")
        return [self._target(r) for r in found[:limit]], hint

    def target(self, actor, *, pk: int | None = None, code: str | None = None) -> Target | None:
        if pk is not None:
            code = code_of_key(pk)
        if not code:
            return None
        region = self._regions(actor).filter(code=code).first()
        return self._target(region) if region is not None else None

    def authorise(self, actor, ctx: Context) -> None:
        from sijaga.coverage.services import can_edit_targets

        if not can_edit_targets(actor, ctx.target.region_code):
            raise PermissionDenied(_("Peran Anda tidak dapat mengimpor sasaran untuk wilayah ini."))

    def blank_workbook(self, fmt: str) -> bytes:
        from sijaga.core.xlsx import write_table

        headers = [c.header for c in COLUMNS]
        example = ["64.01", "2026", "angkatan_kerja", "120000", "BPS, Sakernas Agustus 2025", ""]
        if fmt == "csv":
            out = io.StringIO()
            csv.writer(out, delimiter=";").writerows([headers, example])
            return ("\ufeff" + out.getvalue()).encode()
        book, _n = write_table(headers, [18] * len(headers), ["text"] * len(headers), [example], sheet="Sasaran")
        return book.read()

    def validate(self, frame: pl.DataFrame, ctx: Context) -> Validated:
        from sijaga.enrollment.models import Payer
        from sijaga.regions.models import Region

        code = ctx.target.region_code
        known = pl.Series(
            "code",
            list(Region.objects.filter(code__startswith=code).values_list("code", flat=True)),
            dtype=pl.String,
        )
        payers = {c: (pk, r) for c, pk, r in Payer.objects.filter(region__code__startswith=code).values_list(
            "code", "pk", "region_id")}  # fmt: skip
        return validate(frame, region_code=code, known_codes=known, payers=payers)

    def merge(self, valid: pl.DataFrame, ctx: Context) -> MergeResult:
        from sijaga.coverage.services import TargetInput, write_targets

        items = [
            TargetInput(
                region_code=r["region_code"],
                year=int(r["year"]),
                category=r["category"],
                count=int(r["count"]),
                source=r["source"],
                payer_id=r["payer_id"],
            )
            for r in valid.iter_rows(named=True)
        ]
        created, updated = write_targets(ctx.actor, items, counts=True)
        return MergeResult(created=created, updated=updated, unchanged=0)

    def mask_preview(self, actor, rows: list[dict]) -> list[dict]:
        return rows  # no personal data
