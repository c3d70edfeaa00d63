"""Payments: oldest bill first, overpayment kept as credit, a reference counted once, and arrears driving status
through the system actor with a reason in the membership's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sijaga.accounts.actor import Actor
from sijaga.contributions import billing, payments
from sijaga.contributions.models import Allocation, Bill, Payment
from sijaga.contributions.services import load_rates
from sijaga.core.periods import Month
from sijaga.enrollment.models import EventKind, Membership, MembershipEvent

pytestmark = pytest.mark.django_db
MONTHLY = 4_000_000 * 624 // 10_000  # the world's membership: PU Rp4,000,000, JKK + JKM + JHT = Rp249,600


@pytest.fixture
def billed(world):
    load_rates(Actor.system("cli"))
    coordinator = world.users["coordinator"]
    payer = world.sites["A"].payer
    for month in (Month(2025, 1), Month(2025, 2)):
        billing.run_billing(coordinator, month, payer_id=payer.pk)
    return payer


def _pay(world, payer, amount, reference, paid_on=dt.date(2025, 3, 5)):
    return payments.record_payment(world.users["regency_operator"], payer_id=payer.pk, amount=amount,
                                   paid_on=paid_on, reference=reference)  # fmt: skip


def test_oldest_bill_first_and_overpayment_is_credit(world, billed):
    january, february = (Bill.objects.get(payer=billed, month=dt.date(2025, m, 1)) for m in (1, 2))
    assert january.total == february.total == MONTHLY
    result = _pay(world, billed, MONTHLY + 100_000, "TRF-001")
    assert result.created and result.allocated == MONTHLY + 100_000 and result.credit == 0
    january.refresh_from_db(), february.refresh_from_db()
    assert (january.status, january.paid) == ("paid", MONTHLY)
    assert (february.status, february.paid) == ("partial", 100_000)
    result = _pay(world, billed, MONTHLY, "TRF-002")
    february.refresh_from_db()
    assert february.status == "paid" and result.credit == 100_000  # overpayment kept, shown as credit
    # the credit pays the next bill when it is made
    billing.run_billing(world.users["coordinator"], Month(2025, 3), payer_id=billed.pk)
    assert Bill.objects.get(payer=billed, month=dt.date(2025, 3, 1)).paid == 100_000
    assert payments.credit(billed.pk) == 0


def test_the_same_reference_is_counted_once(world, billed):
    first = _pay(world, billed, 50_000, "BANK-77")
    again = _pay(world, billed, 50_000, "  BANK-77 ")
    assert first.created and not again.created and again.payment.pk == first.payment.pk
    assert Payment.objects.count() == 1 and sum(Allocation.objects.values_list("amount", flat=True)) == 50_000


def test_bad_payments_are_refused(world, billed):
    with pytest.raises(ValidationError):
        _pay(world, billed, 0, "X")
    with pytest.raises(ValidationError):
        _pay(world, billed, 10, "")
    with pytest.raises(PermissionDenied):
        _pay(world, world.sites["B"].payer, 10, "X")
    with pytest.raises(PermissionDenied):
        payments.record_payment(world.users["auditor"], payer_id=billed.pk, amount=1, paid_on=dt.date(2025, 1, 1),
                                reference="X")  # fmt: skip


def test_status_follows_payments_and_arrears(world, billed, settings):
    settings.ARREARS_MONTHS = 3
    m = world.sites["A"].membership
    assert Membership.objects.get(pk=m.pk).status == "registered"
    _pay(world, billed, MONTHLY, "P-1")  # January paid: the first payment makes it active
    assert Membership.objects.get(pk=m.pk).status == "active"
    for month in (Month(2025, 3), Month(2025, 4)):  # February, March, April unpaid: three months
        billing.run_billing(world.users["coordinator"], month, payer_id=billed.pk)
    assert Membership.objects.get(pk=m.pk).status == "inactive"
    _pay(world, billed, MONTHLY * 3, "P-2")  # the arrears paid
    assert Membership.objects.get(pk=m.pk).status == "active"
    history = list(MembershipEvent.objects.filter(membership=m, kind=EventKind.STATUS).order_by("id"))
    assert [(e.from_status, e.to_status, e.by) for e in history] == [
        ("registered", "active", None), ("active", "inactive", None), ("inactive", "active", None)]  # fmt: skip
    assert "3 bulan" in history[1].reason and history[0].reason == "Pembayaran iuran pertama diterima"
    assert payments.arrears(billed.pk) == {}


def test_api_lists_only_bills_in_scope_and_records_payments(client, world, billed):
    import json

    billing.run_billing(world.users["coordinator"], Month(2025, 1))  # every region
    assert Bill.objects.filter(month=dt.date(2025, 1, 1)).count() == 3
    client.force_login(world.users["regency_operator"])
    listed = client.get("/api/contributions/bills/?month=2025-01").json()
    assert listed["count"] == 1 and listed["items"][0]["payer_id"] == billed.pk
    assert world.sites["B"].payer.name not in json.dumps(listed)
    body = {"payer_id": billed.pk, "amount": MONTHLY, "paid_on": "2025-03-05", "reference": "API-1"}
    r = client.post("/api/contributions/payments/", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["allocated"] == MONTHLY
    r = client.post("/api/contributions/payments/", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and not r.json()["created"]
    assert client.get("/api/contributions/bills/?month=2025-01").json()["items"][0]["status"] == "paid"


def test_pages_panel_statement_arrears_and_payment(client, world, billed):
    import io

    import polars as pl

    client.force_login(world.users["regency_operator"])
    m = world.sites["A"].membership
    page = client.get(f"/pekerja/{m.worker_id}/").content.decode()
    assert "Iuran" in page and "2025-02" in page and "249.600" in page.replace(",", ".")
    r = client.get(f"/iuran/tagihan/{billed.pk}/2025-01.xlsx")
    assert r.status_code == 200
    sheet = pl.read_excel(io.BytesIO(b"".join(r.streaming_content)))
    assert sheet.height == 2 and sheet["Jumlah"].to_list()[-1] == MONTHLY
    arrears = client.get("/iuran/tunggakan/").content.decode()
    assert m.number in arrears
    r = client.post("/iuran/bayar/", {"payer": billed.pk, "amount": str(2 * MONTHLY), "paid_on": "2025-03-05",
                                      "reference": "WEB-1"})  # fmt: skip
    assert r.status_code == 302 and Payment.objects.get().source == "web"
    assert m.number not in client.get("/iuran/tunggakan/").content.decode()
    assert Membership.objects.get(pk=m.pk).status == "active"
    client.force_login(world.users["auditor"])
    assert client.get(f"/iuran/tagihan/{billed.pk}/2025-01.xlsx").status_code == 403
    assert "249.600" not in client.get(f"/pekerja/{m.worker_id}/").content.decode().replace(",", ".")


def test_the_payment_file_kind_records_each_reference_once(world, billed, tmp_path):
    from sijaga.imports import kinds
    from sijaga.imports import services as imports

    kind = kinds.get("pembayaran")
    assert kind.blank_workbook("csv").startswith("\ufeff".encode()) and kind.blank_workbook("xlsx").startswith(b"PK")
    m = world.sites["A"].membership
    Membership.objects.filter(pk=m.pk).update(kpj="99000000001")
    path = tmp_path / "bayar.csv"
    path.write_text(
        "Nomor KPJ;NIK;Periode;Jumlah;Tanggal Bayar;Referensi\n"
        f"99000000001;;2025-01;{MONTHLY};05/02/2025;BANK-1\n"
        f";{m.worker.nik};02/2025;Rp {MONTHLY:,};05/03/2025;BANK-2\n".replace(",", ".")
        + ";3201010101010001;2025-02;1000;05/03/2025;BANK-3\n"
        ";;2025-13;-5;31/02/2025;\n",
        encoding="utf-8",
    )
    batch = imports.import_file(path, payer_code=billed.code, user=world.users["regency_operator"], kind="pembayaran")
    assert batch.status == "imported", batch.error if hasattr(batch, "error") else batch.status
    assert (batch.created, batch.unchanged) == (2, 0)
    assert set(Payment.objects.values_list("reference", "source")) == {("BANK-1", "file"), ("BANK-2", "file")}
    assert Bill.objects.filter(payer=billed, status="paid").count() == 2
    assert Membership.objects.get(pk=m.pk).status == "active"
    again = imports.import_file(path, payer_code=billed.code, user=world.users["regency_operator"], kind="pembayaran")
    assert (again.created, again.unchanged) == (0, 2) and Payment.objects.count() == 2


def test_the_payment_kind_uploads_through_the_same_payer_picker(client, world):
    """The payment file kind shares the enrolment kind's payer targets (searchable, scoped)."""
    from sijaga.imports import kinds

    client.force_login(world.users["regency_operator"])
    page = client.get("/unggah/", {"jenis": "pembayaran"})
    assert page.status_code == 200
    targets, _hint = kinds.get("pembayaran").targets(world.users["regency_operator"], "Balikpapan")
    assert [t.pk for t in targets] == [world.sites["A"].payer.pk]


def test_region_page_shows_billed_paid_and_arrears_in_scope(client, world, billed, django_assert_max_num_queries):
    """The region page (public) shows the money only to users whose scope holds the whole region; the same figures
    as JSON and CSV; two aggregate queries whatever the number of bills."""
    billing.run_billing(world.users["coordinator"], Month(2025, 1))  # every region: site B billed too
    _pay(world, billed, MONTHLY + 1_000, "REG-1")
    regency = world.sites["A"].regency
    client.force_login(world.users["regency_operator"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page = client.get(f"/wilayah/{regency}/").content.decode()
    queries = len(few.captured_queries)
    assert "Iuran di wilayah ini" in page
    # January + February billed, January paid and 1,000 of February: arrears = February's rest
    for figure in (2 * MONTHLY, MONTHLY + 1_000, MONTHLY - 1_000):
        assert f"Rp{figure:,}".replace(",", ".") in page, figure
    body = client.get(f"/iuran/wilayah/{regency}.json").json()
    assert body["totals"] == {"billed": 2 * MONTHLY, "paid": MONTHLY + 1_000, "arrears": MONTHLY - 1_000,
                              "payers": 1, "bills": 2}  # fmt: skip
    assert [m["month"] for m in body["months"]] == ["2025-02", "2025-01"]
    csv_text = b"".join([client.get(f"/iuran/wilayah/{regency}.csv").content]).decode()
    assert f"jumlah;{2 * MONTHLY};{MONTHLY + 1_000};{MONTHLY - 1_000};1;2" in csv_text
    # a foreign region: no panel on the public page, 404 for the figures
    foreign = world.sites["B"].regency
    assert "Iuran di wilayah ini" not in client.get(f"/wilayah/{foreign}/").content.decode()
    assert client.get(f"/iuran/wilayah/{foreign}.json").status_code == 404
    assert client.get(f"/iuran/wilayah/{regency}.xml").status_code == 404
    client.logout()
    assert "Iuran di wilayah ini" not in client.get(f"/wilayah/{regency}/").content.decode()
    assert client.get(f"/iuran/wilayah/{regency}.json").status_code == 404
    # the coordinator sees the province with both regencies' payers of site A's province
    client.force_login(world.users["coordinator"])
    national = client.get(f"/iuran/wilayah/{regency.split('.')[0]}.json").json()
    assert national["totals"]["billed"] >= 2 * MONTHLY
    # more bills, the same number of queries
    for month in (Month(2025, 3), Month(2025, 4), Month(2025, 5)):
        billing.run_billing(world.users["coordinator"], month)
    client.force_login(world.users["regency_operator"])
    with django_assert_max_num_queries(queries):
        assert "2025-05" in client.get(f"/wilayah/{regency}/").content.decode()


def test_statement_pdf_with_arrears_list_renders(client, world, billed, tmp_path):
    """The monthly statement (tagihan) as PDF: this month's lines, totals, credit and the arrears list; rendered to
    PNG with pdftoppm (kept in var/test-artifacts/ to look at)."""
    import shutil
    import subprocess
    from pathlib import Path

    import pypdfium2 as pdfium

    _pay(world, billed, 100_000, "PDF-1")  # January partly paid: in arrears on February's statement
    client.force_login(world.users["regency_operator"])
    r = client.get(f"/iuran/tagihan/{billed.pk}/2025-02.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(r.content)
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    m = world.sites["A"].membership
    for needle in ("TAGIHAN IURAN", "Februari 2025", billed.name, m.number, m.worker.full_name, "Daftar tunggakan",
                   "Rp249.600", f"Rp{MONTHLY - 100_000:,}".replace(",", ".")):  # fmt: skip
        assert needle in text, needle
    width, height = document[0].get_size()
    assert width > height  # A4 landscape
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        artifacts = Path("var/test-artifacts")
        artifacts.mkdir(parents=True, exist_ok=True)
        (tmp_path / "t.pdf").write_bytes(r.content)
        subprocess.run([pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "1", str(tmp_path / "t.pdf"),
                        str(artifacts / "statement")], check=True, timeout=60)  # fmt: skip
        assert list(artifacts.glob("statement*.png"))
    # the payer's arrears list on the page, and the scope: auditors see no amounts, foreign payers are 404
    page = client.get(f"/iuran/tunggakan/?pembayar={billed.pk}").content.decode()
    assert m.number in page and f"/iuran/tagihan/{billed.pk}/" in page
    assert m.number not in client.get(f"/iuran/tunggakan/?pembayar={world.sites['B'].payer.pk}").content.decode()
    assert client.get(f"/iuran/tagihan/{world.sites['B'].payer.pk}/2025-02.pdf").status_code == 404
    client.force_login(world.users["auditor"])
    assert client.get(f"/iuran/tagihan/{billed.pk}/2025-02.pdf").status_code == 403
