"""Demo data of the compliance app, written through its services: the Inpres 2/2021 reference data, a few regency
checklists with evidence, and the Kaltim/Kaltara monitoring meeting of 5 July 2022 with its follow-ups.

The meeting's date and the kind of decisions (review coverage, name who has not budgeted, hand over benefits) are
from issue 16; the place, the participants and the exact wording of the decisions are illustrative."""

from __future__ import annotations

import datetime as dt
import io

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import User
from sijaga.compliance import services
from sijaga.compliance.models import ChecklistEntry, Meeting
from sijaga.regions.models import Region

MEETING_DATE = dt.date(2022, 7, 5)
MEETING_TITLE = "Rapat monitoring pelaksanaan Inpres 2/2021 — Kalimantan Timur dan Kalimantan Utara"


class _Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def _pdf(title: str) -> _Upload:
    """A small real PDF standing in for a scanned document (marked as a demo copy)."""
    from weasyprint import HTML

    html = f"<h1>{title}</h1><p>Salinan demo SiJaga — bukan dokumen resmi.</p>"
    return _Upload(HTML(string=html).write_pdf(), f"{title}.pdf")


def ensure_compliance(*, year: int | None = None) -> dict[str, int]:
    """Idempotent: loads the Inpres data, declares a few checklists and records the meeting once."""
    counts = {"checklist_entries": 0, "meetings": 0, "actions": 0}
    services.load_reference()
    coordinator = User.objects.filter(username="koordinator").first()
    actor = Actor.of(coordinator, channel="cli") if coordinator else Actor.system("cli")
    year = year or dt.date.today().year
    regencies = list(Region.objects.filter(parent_id__in=["64", "65"], is_current=True).order_by("code"))
    for i, regency in enumerate(regencies[:6]):
        if ChecklistEntry.objects.filter(region=regency, year=year).exists():
            continue
        number = f"Perkada {regency.name} Nomor {10 + i} Tahun 2022"
        services.declare(actor, region_code=regency.code, year=year, item_key="regulation", met=True,
                         doc_number=number, doc_date=dt.date(2022, 3, 1 + i), upload=_pdf(number))  # fmt: skip
        counts["checklist_entries"] += 1
        if i % 2 == 0:
            services.declare(actor, region_code=regency.code, year=year, item_key="rkpd", met=True,
                             doc_number=f"RKPD {year}", upload=_pdf(f"RKPD {regency.name} {year}"))  # fmt: skip
            counts["checklist_entries"] += 1
    if not Meeting.objects.filter(date=MEETING_DATE, title=MEETING_TITLE).exists():
        meeting = services.create_meeting(
            actor, date=MEETING_DATE, title=MEETING_TITLE, online=True,
            participants="Kemenko PMK, Kemendagri, Pemprov Kalimantan Timur, Pemprov Kalimantan Utara, "
            "pemerintah kabupaten/kota, BPJS Ketenagakerjaan (ilustratif)",
            region_codes=["64", "65"], minutes=_pdf("Notulen rapat monitoring 5 Juli 2022"),
        )  # fmt: skip
        counts["meetings"] = 1
        decisions = [
            ("Menganggarkan iuran non-ASN dan pekerja rentan dalam APBD 2023", regencies[1:4], dt.date(2022, 12, 31)),
            ("Menerbitkan Perkada pendukung Inpres 2/2021", regencies[6:8], dt.date(2022, 10, 31)),
            ("Memutakhirkan data kepesertaan berbasis NIK dengan Disdukcapil", regencies[-2:], dt.date(2023, 3, 31)),
        ]  # fmt: skip
        for text, owners, due in decisions:
            for region in owners:
                services.add_action(actor, meeting, decision=text, owner=f"Pemerintah {region.name}",
                                    region_code=region.code, due_date=due)  # fmt: skip
                counts["actions"] += 1
    return counts
