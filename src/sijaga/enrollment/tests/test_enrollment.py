import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sijaga.enrollment import services
from sijaga.enrollment.models import Membership, MembershipEvent
from sijaga.registry.models import Worker
from sijaga.registry.services import DuplicateNik
from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1995, 12, 4)


def new_worker(nik=None, **over):
    data = {
        "nik": nik or make_nik("64.71.05", BIRTH, "P", 77),
        "full_name": "Siti  Aminah ",
        "birth_date": BIRTH,
        "gender": "P",
        "domicile_id": "64.71.05.1002",
        "category": "non_asn",
    }
    data.update(over)
    return data


def enrol(world, user_key="regency_operator", site="A", **over):
    args = {
        "payer_id": world.sites[site].payer.pk,
        "segment": "pu",
        "programmes": ["jkk", "jkm"],
        "wage": 3_500_000,
        "start_date": dt.date(2026, 1, 1),
        "worker_data": new_worker(),
    }
    args.update(over)
    return services.enrol(world.users[user_key], **args)


def test_operator_enrols_new_worker_with_number_event_and_clean_name(world):
    result = enrol(world)
    m = result.membership
    assert result.created and m.status == "registered"
    assert len(m.number) == 11 and m.number.startswith("26")
    assert m.worker.full_name == "Siti Aminah"
    assert m.programmes == ["jkk", "jkm"]
    [event] = m.events.all()
    assert (event.from_status, event.to_status, event.by) == (
        "",
        "registered",
        world.users["regency_operator"],
    )


def test_double_submission_creates_one_membership(world):
    first = enrol(world, submission_key="form-123")
    second = enrol(world, submission_key="form-123")
    assert first.created and not second.created
    assert second.membership.pk == first.membership.pk
    assert Membership.objects.filter(worker__nik=new_worker()["nik"]).count() == 1


def test_duplicate_nik_points_to_existing_worker(world):
    first = enrol(world)
    with pytest.raises(DuplicateNik) as exc:
        enrol(world, payer_id=world.sites["A"].payer.pk)
    assert exc.value.existing.pk == first.membership.worker_id
    assert "sudah terdaftar" in str(exc.value.message_dict["nik"])


@pytest.mark.parametrize(
    ("over", "field", "fragment"),
    [
        ({"birth_date": dt.date(1995, 12, 5)}, "birth_date", "tidak sama"),
        ({"gender": "L"}, "gender", "perempuan"),
        ({"nik": "6471057212950001"}, "nik", "Tanggal lahir"),
        ({"category": "pekerja_rentan", "occupation": ""}, "occupation", "pekerjaan"),
        ({"domicile_id": "64.71.05"}, "domicile", "desa/kelurahan"),
    ],
)
def test_identity_and_worker_rules(world, over, field, fragment):
    with pytest.raises(ValidationError) as exc:
        enrol(world, worker_data=new_worker(**over))
    assert fragment.lower() in " ".join(exc.value.message_dict[field]).lower()
    assert not Worker.objects.filter(nik=new_worker(**over)["nik"]).exists()


@pytest.mark.parametrize(
    ("segment", "programmes", "fragment"),
    [
        ("bpu", ["jkk", "jkm", "jp"], "JP hanya untuk"),
        ("bpu", ["jkk", "jkm", "jkp"], "JKP hanya untuk"),
        ("jakon", ["jkk", "jkm", "jht"], "hanya JKK dan JKM"),  # the same words as the bulk import
        ("pu", ["jkk", "jkm", "jkp"], "JKP mensyaratkan"),
        ("pu", ["jkk"], "wajib"),
    ],
)
def test_programme_choices_the_segment_does_not_allow_are_refused_with_reason(world, segment, programmes, fragment):
    with pytest.raises(ValidationError) as exc:
        enrol(world, segment=segment, programmes=programmes)
    assert fragment in " ".join(exc.value.message_dict["programmes"])
    assert not Worker.objects.filter(nik=new_worker()["nik"]).exists()  # nothing half-written


def test_enrolment_outside_scope_is_refused(world):
    with pytest.raises(PermissionDenied):
        enrol(world, payer_id=world.sites["B"].payer.pk)
    with pytest.raises(PermissionDenied):
        enrol(world, user_key="auditor")
    # a worker living next door may be enrolled by a payer in scope
    result = enrol(world, worker_data=new_worker(domicile_id=world.sites["C"].village))
    assert result.created


def test_one_open_membership_per_worker_and_payer(world):
    site = world.sites["A"]
    with pytest.raises(ValidationError):
        enrol(world, worker=site.worker, worker_data=None)
    # the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        m = site.membership
        Membership.objects.create(
            worker=m.worker, payer=m.payer, segment="pu", wage=1, start_date=m.start_date,
            status_changed_at=m.status_changed_at, verify_token="x" * 20,
        )  # fmt: skip


def test_database_refuses_programmes_the_segment_does_not_allow(world):
    m = world.sites["A"].membership
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=m.pk).update(segment="bpu", jp=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=m.pk).update(jkm=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=m.pk).update(status="ended")  # ended needs a reason and a date


def test_status_lifecycle_with_history(world):
    m = world.sites["A"].membership
    officer = world.users["bpjs_officer"]
    services.change_status(officer, m, "active", reason="Iuran pertama dibayar")
    services.change_status(officer, m, "inactive", reason="Menunggak 3 bulan")
    services.change_status(officer, m, "active", reason="Tunggakan dilunasi")
    ended = services.change_status(
        officer, m, "ended", reason="Ahli waris melapor", end_reason="death", end_date=dt.date(2026, 5, 2)
    )
    assert (ended.status, ended.end_reason, ended.end_date) == ("ended", "death", dt.date(2026, 5, 2))
    history = list(MembershipEvent.objects.filter(membership=m).values_list("from_status", "to_status"))
    assert history == [
        ("", "registered"), ("registered", "active"), ("active", "inactive"), ("inactive", "active"),
        ("active", "ended"),
    ]  # fmt: skip
    with pytest.raises(ValidationError):
        services.change_status(officer, m, "active", reason="hidup lagi?")
    event = MembershipEvent.objects.filter(membership=m).first()
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    # the worker can move to another payer once the first membership ended
    assert enrol(world, user_key="coordinator", site="C", worker=m.worker, worker_data=None).created


def test_status_change_rules(world):
    m = world.sites["A"].membership
    with pytest.raises(ValidationError):
        services.change_status(world.users["bpjs_officer"], m, "inactive", reason="langsung")  # not from registered
    with pytest.raises(ValidationError):
        services.change_status(world.users["bpjs_officer"], m, "active", reason="  ")
    with pytest.raises(ValidationError):
        services.change_status(world.users["bpjs_officer"], m, "ended", reason="x", end_reason="")
    with pytest.raises(PermissionDenied):
        services.change_status(world.users["auditor"], m, "active", reason="x")
    with pytest.raises(services.MembershipNotFound):
        services.change_status(world.users["bpjs_officer"], world.sites["B"].membership, "active", reason="x")


def test_wage_must_be_integer_rupiah(world):
    with pytest.raises(ValidationError):
        enrol(world, wage=3_500_000.0)
    with pytest.raises(ValidationError):
        enrol(world, wage=0)


def test_card_pdf_and_public_verification(world):
    m = world.sites["A"].membership
    pdf = services.card_pdf(world.users["regency_operator"], m)
    assert pdf.startswith(b"%PDF")
    data = services.public_verification(m.verify_token)
    assert data["nik"] == world.sites["A"].worker.nik[:6] + "******" + world.sites["A"].worker.nik[-4:]
    assert data["name"].startswith("Pekerja S")
    assert "Situs" not in data["name"]
    assert services.public_verification("x" * 24) is None
    assert services.public_verification(m.number) is None
    assert services.verification_url(m).endswith(f"/v/{m.verify_token}/")
    assert len(m.verify_token) >= 20
