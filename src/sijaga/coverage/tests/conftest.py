import datetime as dt

import pytest

from sijaga.testing import make_nik


@pytest.fixture
def coverage_world(world):
    """The shared world plus a province government, a village government and people living across regencies, with
    every status: registered, active, inactive (arrears) and ended."""
    from sijaga.enrollment import services as enrollment
    from sijaga.regions.models import Region

    coordinator = world.users["coordinator"]
    prov = enrollment.create_payer(
        coordinator,
        {
            "code": "pemprov-64",
            "name": "Pemprov Kaltim",
            "kind": "pemprov",
            "region_id": "64",
            "funding_source": "apbd",
        },
    )
    village = Region.objects.filter(level=4, code__startswith="64.72.", kind="desa").order_by("code").first()
    if village is None:
        village = Region.objects.filter(level=4, kind="desa", code__startswith="64.").order_by("code").first()
    pemdes = enrollment.create_payer(
        coordinator,
        {"code": "pemdes-x", "name": f"Pemdes {village.name}", "kind": "pemdes", "region_id": village.code,
         "funding_source": "apbdes"},
    )  # fmt: skip
    villages = [world.sites["A"].village, world.sites["C"].village, world.sites["B"].village, village.code]
    payers = [world.sites["A"].payer, world.sites["C"].payer, world.sites["B"].payer, prov, pemdes]
    categories = ["non_asn", "perangkat_desa", "rt_rw", "pekerja_rentan"]
    memberships = []
    serial = 100
    for i in range(24):
        payer = payers[i % len(payers)]
        home = villages[(i * 7) % len(villages)]
        if payer.kind == "pemdes":
            home = village.code
        birth = dt.date(1980, 1 + i % 12, 1 + i)
        category = categories[i % 4]
        result = enrollment.enrol(
            coordinator,
            payer_id=payer.pk,
            segment="bpu" if category == "pekerja_rentan" else "pu",
            programmes=["jkk", "jkm"] if i % 3 else ["jkk", "jkm", "jht"],
            wage=3_000_000,
            start_date=dt.date(2024 + i % 2, 1 + i % 12, 1),
            worker_data={
                "nik": make_nik(home[:8], birth, "P" if i % 2 else "L", serial + i),
                "full_name": f"Peserta {i}",
                "birth_date": birth,
                "gender": "P" if i % 2 else "L",
                "domicile_id": home,
                "category": category,
                "occupation": "Nelayan" if category == "pekerja_rentan" else "",
            },
        )
        memberships.append(result.membership)
    for i, m in enumerate(memberships):
        if i % 4 in (1, 2):
            m = enrollment.change_status(coordinator, m, "active", reason="bayar")
        if i % 4 == 2:
            enrollment.change_status(coordinator, m, "inactive", reason="menunggak")
        if i % 8 == 3:
            enrollment.change_status(coordinator, m, "ended", reason="berhenti", end_reason="resignation",
                                     end_date=dt.date(2025, 12, 1))  # fmt: skip
    world.extra = {"prov": prov, "pemdes": pemdes, "village": village.code, "memberships": memberships}
    return world
