"""Bad input, claims, documents and the loader (issue 17)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from sijaga.accounts.actor import Actor
from sijaga.benefits import selectors, services
from sijaga.benefits.models import BenefitSchedule
from sijaga.benefits.tests.conftest import heir
from sijaga.core.exceptions import NotFound

pytestmark = pytest.mark.django_db


def _district(world, site="A"):
    from sijaga.regions.models import Region

    return Region.objects.get(code=world.sites[site].village).parent_id


def _death(world, worker_id, day=dt.date(2025, 6, 1), **kw):
    return services.record_case(world.users["regency_operator"], worker_id=worker_id, event_type="death",
                                event_date=day, cause="Sakit", **kw)  # fmt: skip


def test_loader_is_idempotent_and_versions_a_changed_file(db, tmp_path):
    import shutil

    from sijaga.benefits.rules import DATA_DIR

    call_command("load_benefit_rules")
    first = set(BenefitSchedule.objects.values_list("code", "version"))
    call_command("load_benefit_rules")
    assert set(BenefitSchedule.objects.values_list("code", "version")) == first
    for p in DATA_DIR.glob("*.toml"):
        shutil.copy(p, tmp_path / p.name)
    path = tmp_path / "pp-82-2019.toml"
    path.write_text(path.read_text().replace("value = 20_000_000", "value = 25_000_000"))
    result = services.load_benefit_rules(directory=tmp_path)
    assert (result.updated, result.unchanged) == (1, 2)
    assert BenefitSchedule.objects.get(code="pp-82-2019", is_current=True).version == 2
    with pytest.raises(PermissionDenied):
        from sijaga.accounts.services import create_user

        services.load_benefit_rules(Actor.of(create_user("op", "x-Passw0rd-x", role="regency_operator",
                                                         region_codes=["64.71"])))  # fmt: skip


def test_event_date_in_the_future_or_before_enrolment_is_refused(world, rules, enrol):
    m = enrol(start=dt.date(2023, 1, 1))
    with pytest.raises(ValidationError) as err:
        _death(world, m.worker_id, day=dt.date.today() + dt.timedelta(days=2))
    assert "event_date" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _death(world, m.worker_id, day=dt.date(2022, 6, 1))
    assert "sebelum kepesertaan" in str(err.value.message_dict["event_date"])


def test_worker_outside_the_scope_is_404(world, rules):
    with pytest.raises(NotFound):
        _death(world, world.sites["B"].worker.pk)
    with pytest.raises(NotFound):
        services.record_case(world.users["village_operator"], worker_id=world.sites["C"].worker.pk,
                             event_type="death", event_date=dt.date(2025, 6, 1), cause="x")  # fmt: skip


def test_heir_nik_failing_the_nik_rules_is_refused(world, rules):
    bad = heir(_district(world), "spouse", 5) | {"nik": "6471011234567890"}
    with pytest.raises(ValidationError) as err:
        _death(world, world.sites["A"].worker.pk, heirs=[bad])
    assert "heirs.0.nik" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _death(world, world.sites["A"].worker.pk, heirs=[heir(_district(world), "spouse", 6, level="smp")])
    assert "heirs.0.school_level" in err.value.message_dict


def test_the_same_case_twice_is_detected(world, rules):
    first = _death(world, world.sites["A"].worker.pk)
    with pytest.raises(services.DuplicateCase) as err:
        _death(world, world.sites["A"].worker.pk, day=dt.date(2025, 6, 2))
    assert err.value.existing == first and first.number in str(err.value)


def test_auditor_and_bpjs_officer_cannot_record(world, rules):
    for role in ("auditor", "bpjs_officer"):
        with pytest.raises(PermissionDenied):
            services.record_case(world.users[role], worker_id=world.sites["A"].worker.pk, event_type="death",
                                 event_date=dt.date(2025, 6, 1), cause="x")  # fmt: skip


def test_claim_lifecycle_timeliness_and_overpayment_flagged_and_kept(world, rules):
    case = _death(world, world.sites["A"].worker.pk, day=dt.date(2025, 6, 1))
    officer = world.users["bpjs_officer"]
    services.submit_claim(officer, case.pk, submitted_on=dt.date(2025, 6, 5), claim_number="KLM-001")
    with pytest.raises(ValidationError):
        services.submit_claim(officer, case.pk, submitted_on=dt.date(2025, 6, 5), claim_number="KLM-002")
    services.decide_claim(officer, case.pk, decided_on=dt.date(2025, 6, 20), approved=True)
    with pytest.raises(ValidationError):
        services.record_claim_payment(officer, case.pk, paid_on=dt.date(2025, 5, 1), amount=1, paid_to="x")
    case = services.record_claim_payment(officer, case.pk, paid_on=dt.date(2025, 7, 1), amount=45_000_000,
                                         paid_to="Ahli waris (istri)")  # fmt: skip
    assert case.status == "paid" and case.overpaid and case.paid_amount == 45_000_000 and case.days_to_payment == 30
    paid = case.events.get(kind="paid")
    assert paid.changes["overpaid_by"] == 3_000_000 and paid.changes["days"] == 30
    assert [e.kind for e in case.events.all()] == ["recorded", "submitted", "decided", "paid"]
    sums = selectors.benefits_paid(world.users["regency_operator"], start=dt.date(2025, 7, 1),
                                   end=dt.date(2025, 12, 31))  # fmt: skip
    assert sums == {"64.71": (1, 45_000_000)}
    assert selectors.benefits_paid(world.users["province_admin"], start=dt.date(2025, 1, 1),
                                   end=dt.date(2025, 6, 30)) == {}  # fmt: skip
    from sijaga.accounts.services import create_user

    outsider = create_user("op.b", "x-Passw0rd-x", role="regency_operator", region_codes=["65.01"])
    assert selectors.benefits_paid(outsider, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)) == {}


def test_open_and_overdue_claims(world, rules):
    case = _death(world, world.sites["A"].worker.pk, day=dt.date(2025, 6, 1))
    actor = world.users["regency_operator"]
    assert list(selectors.open_cases(actor)) == [case]
    assert list(selectors.overdue_cases(actor, days=30, today=dt.date(2025, 6, 20))) == []
    assert list(selectors.overdue_cases(actor, days=30, today=dt.date(2025, 8, 1))) == [case]


PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_documents_checked_by_magic_bytes_and_names_neutralised(world, rules, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    case = _death(world, world.sites["A"].worker.pk)
    actor = world.users["regency_operator"]
    doc = services.attach_document(actor, case.pk, label="Akta kematian", name="../../etc/passwd<script>.exe",
                                   data=PDF)  # fmt: skip
    assert doc.file_name == "passwd_script.pdf" and doc.content_type == "application/pdf"
    import os
    import stat

    assert stat.S_IMODE(os.stat(doc.path).st_mode) == 0o600
    assert services.attach_document(actor, case.pk, label="lagi", name="a.pdf", data=PDF) == doc
    for data in (b"MZ\x90\x00 windows exe", b"<html>%PDF-", b""):
        with pytest.raises(ValidationError):
            services.attach_document(actor, case.pk, label="x", name="akta.pdf", data=data)
    with pytest.raises(ValidationError):
        services.attach_document(actor, case.pk, label="x", name="big.pdf", data=PDF + b"0" * (20 * 1024 * 1024))
    with pytest.raises(NotFound):
        services.attach_document(world.users["regency_operator"], 10**9, label="x", name="a.pdf", data=PDF)
