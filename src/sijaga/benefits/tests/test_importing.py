"""The BPJS benefit file (`manfaat`): validated column-wise, recorded through the services, each case once."""

import pytest

from sijaga.benefits.models import BenefitCase

pytestmark = pytest.mark.django_db


def test_the_benefit_file_records_cases_once_and_rejects_bad_rows(world, rules, tmp_path):
    from sijaga.enrollment.models import Membership
    from sijaga.imports import kinds
    from sijaga.imports import services as imports

    kind = kinds.get("manfaat")
    assert kind.blank_workbook("csv").startswith("\ufeff".encode()) and kind.blank_workbook("xlsx").startswith(b"PK")
    site = world.sites["A"]
    Membership.objects.filter(pk=site.membership.pk).update(kpj="99000000007")
    path = tmp_path / "manfaat.csv"
    path.write_text(
        "Nomor KPJ;NIK;Jenis;Tanggal Kejadian;Penyebab;Nomor Klaim;Tanggal Bayar;Jumlah Dibayar\n"
        "99000000007;;JKM;01/06/2025;Sakit;KLM-1;20/06/2025;42.000.000\n"
        ";3201010101010001;JKM;01/06/2025;Sakit;;;\n"
        ";;XYZ;31/02/2025;;;;\n",
        encoding="utf-8",
    )
    batch = imports.import_file(path, payer_code=site.payer.code, user=world.users["regency_operator"], kind="manfaat")
    assert batch.status == "imported"
    assert (batch.created, batch.unchanged) == (1, 0)
    case = BenefitCase.objects.get()
    assert (case.status, case.paid_amount, case.claim_number, case.days_to_payment) == ("paid", 42_000_000, "KLM-1", 19)
    again = imports.import_file(path, payer_code=site.payer.code, user=world.users["regency_operator"], kind="manfaat")
    assert (again.created, again.unchanged) == (0, 1) and BenefitCase.objects.count() == 1
