"""Demo budgets: most demo regencies priced a plan for the coming fiscal year; some adopted it in full (verified by
their province), some adopted less than the need, some have not budgeted at all ("belum menganggarkan"); budgeting
regencies' first villages adopted their APBDes. Written through the budget services; idempotent (a region that
already has a plan for the year is left alone)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import Role, User
from sijaga.budget import selectors, services
from sijaga.budget.models import BudgetPlan
from sijaga.budget.pricing import PricingError
from sijaga.budget.services import Target
from sijaga.regions.models import Region

#: A one-page PDF standing in for the scanned Perda (the demo has no real documents).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _user(role: str, code: str) -> User | None:
    return User.objects.filter(role=role, regions__code=code, is_active=True).order_by("pk").first()


def _write(stdout, msg: str) -> None:
    if stdout is not None:
        stdout.write(msg + "\n")


def generate_budgets(provinces, *, stdout=None, year: int | None = None) -> dict[str, int]:
    from sijaga.contributions.selectors import current_rates

    year = year or selectors.default_year()
    if not current_rates().exists():  # `make demo` runs load_rates first; without rates nothing can be priced
        if stdout is not None:
            stdout.write("Anggaran: tarif iuran belum dimuat (sijaga load_rates); dilewati\n")
        return {"plans": 0, "allocations": 0, "villages": 0, "skipped": 0}
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    counts = {"plans": 0, "allocations": 0, "villages": 0, "skipped": 0}
    regencies = list(Region.objects.filter(level=2, parent_id__in=list(provinces)).order_by("code"))
    for i, regency in enumerate(regencies):
        if BudgetPlan.objects.filter(region=regency, year=year).exists():
            counts["skipped"] += 1
            continue
        if i % 3 == 2:
            continue  # belum menganggarkan
        operator = _user(Role.REGENCY_OPERATOR, regency.code) or coordinator
        admin = _user(Role.PROVINCE_ADMIN, regency.parent_id) or coordinator
        desa = list(Region.objects.filter(code__startswith=regency.code + ".", level=4, kind="desa").order_by("code"))
        targets = [Target("rt_rw", 150 + 37 * i, 1_000_000, "apbd"), Target("pekerja_rentan", 400 + 53 * i,
                   1_000_000, "apbd"), Target("non_asn", 60 + 11 * i, 2_500_000, "apbd")]  # fmt: skip
        with transaction.atomic():
            plan = {"region_code": regency.code, "year": year, "targets": targets, "note": "Data demo",
                    "title": f"Rencana iuran Jamsostek {year} {regency.name}"}  # fmt: skip
            try:
                version = services.save_plan(Actor.of(operator, channel="cli"), **plan)
            except PricingError as exc:
                # Enrolled workers with JP cannot be priced while the rate table lacks that year's JP wage cap (it
                # is indexed every March and none after February 2025 is in the sourced data): say so, and price
                # the targets alone rather than leave the demo without budgets.
                _write(stdout, f"  {regency.name}: {exc} — rencana demo hanya menghitung sasaran baru")
                version = services.save_plan(Actor.of(operator, channel="cli"), include_enrolled=False, **plan)
            counts["plans"] += 1
            amount = version.total if i % 3 == 0 else version.total * 7 // 10
            allocation = services.record_allocation(
                Actor.of(operator, channel="cli"), region_code=regency.code, year=year, document_type="perda_apbd",
                document_number=f"{i + 1} Tahun {year - 1}", document_date=dt.date(year - 1, 11, 28),
                account_code="5.1.02.01.01.0026", amount=amount, plan_version_id=version.pk,
                evidence=SimpleUploadedFile(f"Perda APBD {year} {regency.name}.pdf", DEMO_PDF),
            )  # fmt: skip
            counts["allocations"] += 1
            if i % 3 == 0 and admin != operator:
                services.review_allocation(Actor.of(admin, channel="cli"), allocation, approve=True)
            for n, village in enumerate(desa[:5]):
                services.record_allocation(
                    Actor.of(operator, channel="cli"), region_code=village.code, year=year, document_type="apbdes",
                    document_number=f"Perdes {n + 1} Tahun {year - 1}", document_date=dt.date(year - 1, 12, 1),
                    account_code="5.1.02.01", amount=12_000_000 + 1_500_000 * n, require_evidence=False,
                    source="file",
                )  # fmt: skip
                counts["villages"] += 1
    if stdout is not None:
        stdout.write(f"Anggaran {year}: {counts['plans']} rencana, {counts['allocations']} alokasi pemda, "
                     f"{counts['villages']} APBDes desa, {counts['skipped']} sudah ada\n")  # fmt: skip
    return counts
