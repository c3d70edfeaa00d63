"""Demo benefit cases, after the Kaltim/Kaltara monitoring meeting: the JKM death benefit of Rp42 million paid to the
heirs of two village heads, a non-ASN Tagana officer and an RT head; and a BUMD worker who was never registered,
whose employer owes the benefit itself (the liability exposure on the payer and region pages). Idempotent: a case
already recorded for a worker is not recorded again. Written through the benefits services."""

from __future__ import annotations

import datetime as dt

from sijaga.accounts.actor import Actor
from sijaga.demo.people import REFERENCE_DATE

DEMO_PROVINCE = "64"  # Kalimantan Timur
STORIES = (
    ("perangkat_desa", "Kepala desa, sakit jantung", "Rumah duka"),
    ("perangkat_desa", "Kepala desa, stroke", "RSUD"),
    ("non_asn", "Petugas Tagana (non-ASN), sakit saat bertugas di posko banjir", "Posko Tagana"),
    ("rt_rw", "Ketua RT, sakit", "Rumah"),
)


def _heirs(worker, serial: int) -> list[dict]:
    from sijaga.testing import make_nik

    district = worker.domicile_id.rsplit(".", 1)[0]
    spouse_birth = dt.date(1975, 1, 1) + dt.timedelta(days=37 * serial)
    child_birth = dt.date(2013, 6, 1) + dt.timedelta(days=11 * serial)
    return [
        {"name": f"Istri/Suami {worker.full_name}", "relation": "spouse", "nik": make_nik(district, spouse_birth, "P",
         9000 + serial), "bank_name": "Bank Kaltimtara", "account_number": f"0031{serial:08d}"},
        {"name": f"Anak {worker.full_name}", "relation": "child", "school_level": "tk_sd",
         "nik": make_nik(district, child_birth, "L", 9100 + serial)},
    ]  # fmt: skip


def ensure_benefits(coordinator) -> dict[str, int]:
    from sijaga.benefits import services
    from sijaga.benefits.models import BenefitCase
    from sijaga.enrollment.models import Membership, Payer

    services.load_benefit_rules(Actor.system("cli"))
    actor = Actor.of(coordinator, channel="cli")
    today = REFERENCE_DATE  # the demo's own "today": memberships and their ends are dated up to it
    counts = {"benefit_cases_created": 0, "benefit_cases_existing": 0}
    used: set[int] = set(BenefitCase.objects.values_list("worker_id", flat=True))
    oldest = today - dt.timedelta(days=90)
    for serial, (category, cause, place) in enumerate(STORIES, start=1):
        if BenefitCase.objects.filter(cause=cause).exists():
            counts["benefit_cases_existing"] += 1
            continue
        m = (
            Membership.objects.filter(payer__region__code__startswith=DEMO_PROVINCE + ".", worker__category=category,
                                      status__in=("registered", "active"), start_date__lte=oldest)
            .exclude(worker_id__in=used).select_related("worker").order_by("start_date", "pk").first()
        )  # fmt: skip
        if m is None:
            continue
        event = today - dt.timedelta(days=60 + 7 * serial)
        case = services.record_case(actor, worker_id=m.worker_id, event_type="death", event_date=event, cause=cause,
                                    place=place, heirs=_heirs(m.worker, serial))  # fmt: skip
        used.add(m.worker_id)
        services.submit_claim(
            actor, case.pk, submitted_on=event + dt.timedelta(days=5), claim_number=f"JKM-DEMO-{serial}"
        )
        services.decide_claim(actor, case.pk, decided_on=event + dt.timedelta(days=12), approved=True)
        services.record_claim_payment(actor, case.pk, paid_on=event + dt.timedelta(days=14 + serial),
                                      amount=case.entitlement, paid_to=f"Ahli waris {m.worker.full_name}")  # fmt: skip
        counts["benefit_cases_created"] += 1
    # a worker whose membership ended (resigned) and who then died working for the regency's BUMD, which never
    # registered them: the BUMD owes the JKM itself (PP 44/2015 Pasal 59 ayat (1), unverified)
    cause = "Pegawai BUMD tidak didaftarkan, meninggal karena sakit"
    if BenefitCase.objects.filter(cause=cause).exists():
        counts["benefit_cases_existing"] += 1
        return counts
    event = today - dt.timedelta(days=40)
    for m in (
        Membership.objects.filter(payer__region__code__startswith=DEMO_PROVINCE + ".", status="ended",
                                  end_reason__in=("resignation", "moved"), end_date__lt=event)
        .exclude(worker_id__in=used).select_related("worker").order_by("pk")
    ):  # fmt: skip
        if Membership.objects.filter(worker_id=m.worker_id).exclude(status="ended").exists():
            continue
        bumd = Payer.objects.filter(kind="badan_usaha", region_id=m.payer.region_id[:5]).order_by("pk").first()
        if bumd is None:
            continue
        services.record_case(actor, worker_id=m.worker_id, payer_id=bumd.pk, event_type="death", event_date=event,
                             cause=cause, place="Rumah", heirs=_heirs(m.worker, 9))  # fmt: skip
        counts["benefit_cases_created"] += 1
        break
    return counts
