"""Compliance: reference data, checklist with evidence, meetings and follow-up, scorecard and the lists."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sijaga.accounts.actor import Actor
from sijaga.compliance import selectors, services
from sijaga.compliance.models import Addressee, ComplianceEvent, Instruction, ReferenceEvent
from sijaga.regions.models import Region

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="perkada.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def loaded(db):
    services.load_reference()


def actor(user):
    return Actor.of(user)


def test_load_is_idempotent_and_generates_every_head_of_region(loaded):
    provinces = Region.objects.filter(level=1, is_current=True).count()
    regencies = Region.objects.filter(level=2, is_current=True, kind="kabupaten").count()
    cities = Region.objects.filter(level=2, is_current=True, kind="kota").count()
    assert Addressee.objects.filter(kind="governor").count() == provinces == 38
    assert Addressee.objects.filter(kind="regent").count() == regencies == 416
    assert Addressee.objects.filter(kind="mayor").count() == cities == 98
    assert Addressee.objects.get(region_id="64.71").title.startswith("Wali Kota")
    assert Addressee.objects.filter(kind="central").count() == 12
    assert Instruction.objects.filter(unconfirmed=True).count() == 4
    assert not Instruction.objects.filter(verified=True).exists()
    before = ReferenceEvent.objects.count()
    again = services.load_reference()
    assert (again.created, again.updated, again.heads) == (0, 0, 0)
    assert ReferenceEvent.objects.count() == before


def test_coordinator_corrects_an_instruction_with_history_and_the_load_keeps_it(loaded, world):
    coord = actor(world.users["coordinator"])
    services.correct_reference(
        coord, "instruction", "ketua-djsn", {"text": "Teks resmi.", "unconfirmed": False}, reason="naskah resmi hal. 4"
    )
    event = ReferenceEvent.objects.filter(action="correct").get()
    assert event.before["unconfirmed"] is True and event.after["text"] == "Teks resmi." and event.by == coord.user
    services.load_reference()
    assert Instruction.objects.get(key="ketua-djsn").text == "Teks resmi."
    with pytest.raises(PermissionDenied):
        services.correct_reference(
            actor(world.users["province_admin"]), "instruction", "menaker", {"text": "x"}, reason="x"
        )


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 60, "program atau arsip"),
        ("skrip.pdf", b"#!/bin/sh\nrm -rf /\n", "program atau arsip"),
        ("catatan.pdf", b"hanya teks biasa", "bukan PDF"),
        ("kosong.pdf", b"", "kosong"),
    ],
)
def test_bad_evidence_is_refused_with_a_clear_message(loaded, world, name, data, code):
    op = actor(world.users["regency_operator"])
    with pytest.raises(ValidationError) as exc:
        services.declare(
            op, region_code="64.71", year=2026, item_key="regulation", met=True, upload=SimpleUploadedFile(name, data)
        )
    assert code in exc.value.message_dict["evidence"][0]
    from sijaga.compliance.models import ChecklistEntry, Evidence

    assert not Evidence.objects.exists() and not ChecklistEntry.objects.exists()


def test_oversized_evidence_is_refused(loaded, world, settings):
    big = SimpleUploadedFile("besar.pdf", PDF + b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.declare(
            actor(world.users["regency_operator"]),
            region_code="64.71",
            year=2026,
            item_key="regulation",
            met=True,
            upload=big,
        )
    assert "20 MB" in str(exc.value)


def test_hostile_file_names_are_neutralised(loaded, world):
    op = actor(world.users["regency_operator"])
    entry = services.declare(
        op,
        region_code="64.71",
        year=2026,
        item_key="regulation",
        met=True,
        upload=pdf("../../etc/pass\x00wd\r\n.exe.pdf"),
        doc_number="Perwali 5/2022",
    )
    name = entry.evidence.file_name
    assert "/" not in name and ".." not in name and "\x00" not in name and "\r" not in name and name.endswith(".pdf")
    png = services.declare(
        op, region_code="64.71", year=2026, item_key="rkpd", met=True, upload=SimpleUploadedFile("foto.pdf", PNG)
    )
    assert png.evidence.content_type == "image/png" and png.evidence.file_name == "foto.png"
    import os
    import stat

    assert stat.S_IMODE(os.stat(entry.evidence.path).st_mode) == 0o600


def test_declaring_in_a_foreign_region_is_refused(loaded, world):
    with pytest.raises(PermissionDenied):
        services.declare(
            actor(world.users["regency_operator"]),
            region_code="64.72",
            year=2026,
            item_key="regulation",
            met=True,
            upload=pdf(),
        )
    with pytest.raises(PermissionDenied):
        services.declare(
            actor(world.users["auditor"]), region_code="64.71", year=2026, item_key="regulation", met=False
        )


def test_scorecard_takes_measured_items_from_the_data_with_the_figure(loaded, world):
    op = actor(world.users["regency_operator"])
    gov = actor(world.users["province_admin"])
    scores = {s.code: s for s in selectors.scorecard(gov, 2026, level=2, parent="64")}
    assert set(scores) == set(Region.objects.filter(parent_id="64", is_current=True).values_list("code", flat=True))
    bpp = scores["64.71"]
    assert bpp.item("non_asn").status == "met" and bpp.item("non_asn").figure.startswith("1 ")
    assert bpp.item("vulnerable").status == "not_met"
    # the allocation comes from budget (its own APBD allocation): none yet, so "belum menganggarkan", with Rp0 shown
    assert (bpp.item("allocation").status, bpp.item("allocation").figure) == ("not_met", "Rp0")
    assert "64.71" in {s.code for s in selectors.not_budgeted(list(scores.values()))}
    assert (bpp.met, bpp.known, bpp.percent) == (1, 6, 16.7)
    assert "64.71" in {s.code for s in selectors.no_regulation(list(scores.values()))}
    entry = services.declare(
        op,
        region_code="64.71",
        year=2026,
        item_key="regulation",
        met=True,
        upload=pdf(),
        doc_number="Perwali 5/2022",
        doc_date=dt.date(2022, 3, 1),
    )
    services.verify(gov, entry)
    entry.refresh_from_db()
    assert entry.verified_by == gov.user and entry.verified_at is not None
    after = {s.code: s for s in selectors.scorecard(gov, 2026, level=2, parent="64")}
    assert after["64.71"].percent == 33.3 and after["64.71"].rank == 1
    assert "64.71" not in {s.code for s in selectors.no_regulation(list(after.values()))}
    assert ComplianceEvent.objects.filter(object_type="checklistentry", object_id=entry.pk).count() == 2
    from sijaga.budget import services as budget

    budget.record_allocation(op.user, region_code="64.71", year=2026, document_type="perda_apbd",
                             document_number="Perda APBD 1/2026", document_date=dt.date(2025, 12, 20),
                             account_code="5.1", amount=750_000_000, evidence=pdf("apbd.pdf"))  # fmt: skip
    budgeted = {s.code: s for s in selectors.scorecard(gov, 2026, level=2, parent="64")}
    assert budgeted["64.71"].item("allocation").status == "met"
    assert budgeted["64.71"].item("allocation").figure == "Rp750.000.000"
    assert budgeted["64.71"].percent == 50.0
    assert "64.71" not in {s.code for s in selectors.not_budgeted(list(budgeted.values()))}
    # the operator sees only their own regency
    assert [s.code for s in selectors.scorecard(op, 2026, level=2)] == ["64.71"]


def test_province_admin_cannot_verify_their_own_province(loaded, world):
    gov = actor(world.users["province_admin"])
    entry = services.declare(gov, region_code="64", year=2026, item_key="regulation", met=True, upload=pdf())
    with pytest.raises(PermissionDenied):
        services.verify(gov, entry)
    services.verify(actor(world.users["coordinator"]), entry)


def test_meeting_actions_and_overdue_list(loaded, world):
    coord = actor(world.users["coordinator"])
    meeting = services.create_meeting(
        coord,
        date=dt.date(2022, 7, 5),
        title="Monev Kaltim-Kaltara",
        place="Balikpapan",
        region_codes=["64", "65"],
        minutes=pdf("notulen.pdf"),
    )
    late = services.add_action(
        coord,
        meeting,
        decision="Anggarkan iuran non-ASN",
        owner="Bupati Bulungan",
        region_code="65.01",
        due_date=dt.date(2022, 9, 30),
    )
    mine = services.add_action(
        coord,
        meeting,
        decision="Terbitkan Perwali",
        owner="Wali Kota Balikpapan",
        region_code="64.71",
        due_date=dt.date(2022, 9, 30),
    )
    op = actor(world.users["regency_operator"])
    assert list(selectors.overdue_actions(op)) == [mine]
    assert set(selectors.overdue_actions(coord)) == {late, mine}
    assert list(selectors.meetings_for(op)) == []  # a regency sees its follow-ups; the meeting is of the provinces
    assert list(selectors.meetings_for(actor(world.users["province_admin"]))) == [meeting]
    with pytest.raises(ValidationError):
        services.update_action(op, mine, status="done")  # done needs evidence
    services.update_action(op, mine, status="done", upload=pdf("bukti.pdf"))
    assert list(selectors.overdue_actions(op)) == []
    with pytest.raises(PermissionDenied):
        services.update_action(op, late, status="done", upload=pdf())


def test_meeting_needs_a_place_or_online(loaded, world):
    with pytest.raises(ValidationError):
        services.create_meeting(
            actor(world.users["coordinator"]), date=dt.date(2022, 7, 5), title="x", region_codes=["64"]
        )


def test_central_declaration_needs_evidence_when_met(loaded, world):
    coord = actor(world.users["coordinator"])
    with pytest.raises(ValidationError):
        services.declare_central(coord, addressee_key="mendagri", instruction_key="mendagri", year=2026, met=True)
    services.declare_central(
        coord, addressee_key="mendagri", instruction_key="mendagri", year=2026, met=True, upload=pdf("se-842.pdf")
    )
    rows = {r["key"]: r for r in selectors.addressee_scores(coord, 2026)}
    assert (
        rows["mendagri"]["instructions"] == 2 and rows["mendagri"]["met"] == 1 and rows["mendagri"]["percent"] == 50.0
    )
    assert selectors.addressee_scores(actor(world.users["province_admin"]), 2026) == []


def test_load_inpres_command(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_inpres", stdout=out)
    assert "kepala daerah" in out.getvalue() and Addressee.objects.filter(kind="governor").count() == 38
