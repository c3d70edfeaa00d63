"""The APBDes file kind: a regency's villages in one file; unknown or non-desa village codes rejected row by row; the
same file twice changes nothing; the villages count with their regency."""

from __future__ import annotations

import pytest

from sijaga.budget import selectors
from sijaga.budget.models import BudgetAllocation, BudgetEvent
from sijaga.imports import kinds
from sijaga.imports import services as imports
from sijaga.regions.models import Region
from sijaga.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulungan(world):
    from sijaga.accounts.services import create_user

    return create_user("op.bulungan", PASSWORD, role="regency_operator", region_codes=["65.01"])


def test_apbdes_file_imports_villages_and_rejects_unknown_codes_row_by_row(world, bulungan, tmp_path):
    desa = list(Region.objects.filter(code__startswith="65.01.", level=4, kind="desa").order_by("code")[:3])
    foreign = Region.objects.filter(code__startswith="64.71.", level=4).first().code
    lines = ["Kode Desa;Tahun;Nomor APBDes;Tanggal;Kode Rekening;Jumlah"]
    lines += [f"{r.code};2027;Perdes {n} Tahun 2026;20/11/2026;5.1.02.01;{10_000_000 + n}" for n, r in enumerate(desa)]
    lines += ["65.01.99.9999;2027;Perdes 9;20/11/2026;5.1;1000", f"{foreign};2027;Perdes 8;20/11/2026;5.1;1000",
              f"{desa[0].code};2027;Perdes lain;20/11/2026;5.1;-5"]  # fmt: skip
    path = tmp_path / "apbdes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = imports.import_file(path, payer_code="65.01", user=bulungan, kind="apbdes")
    assert batch.status == "imported", batch.status
    assert batch.created == 2
    rows = {(r.region_id, r.amount) for r in BudgetAllocation.objects.all()}
    # the first village is duplicated in the file (two rows for one year): both of its rows are rejected
    assert rows == {(desa[1].code, 10_000_001), (desa[2].code, 10_000_002)}
    rejected = {(r["key"], r["value"]) for r in batch.rejection_preview}
    assert ("village", "65.01.99.9999") in rejected and ("village", foreign) in rejected
    assert all(a.source == "file" and a.entered_by == bulungan for a in BudgetAllocation.objects.all())
    assert BudgetEvent.objects.filter(kind="entered").count() == 2
    again = imports.import_file(path, payer_code="65.01", user=bulungan, kind="apbdes")
    assert again.created == 0 and BudgetAllocation.objects.count() == 2 and BudgetEvent.objects.count() == 2
    row = {r.code: r for r in selectors.budget_status(bulungan, 2027)}["65.01"]
    assert (row.villages_budgeted, row.village_allocated) == (2, 20_000_003)


def test_apbdes_targets_are_the_regencies_in_scope(world, bulungan):
    kind = kinds.get("apbdes")
    targets, _hint = kind.targets(bulungan)
    assert [t.code for t in targets] == ["65.01"]
    assert kind.target(bulungan, pk=6501).code == "65.01"
    assert kind.target(bulungan, pk=6471) is None  # another province
    assert kind.target(world.users["auditor"], code="64.71") is None or not kind.targets(world.users["auditor"])[0]
    assert kind.targets(world.users["village_operator"]) == ([], "")
    assert b"Kode Desa" in kind.blank_workbook("csv")
