import datetime as dt

import pytest

from sijaga.accounts.actor import Actor
from sijaga.testing import make_nik


@pytest.fixture
def rules(db):
    from sijaga.benefits.services import load_benefit_rules

    return load_benefit_rules(Actor.system("cli"))


@pytest.fixture
def enrol(world):
    """enrol(site, start, *, wage, payer=None, serial) → membership of a new worker living in the site's village."""

    def _enrol(site="A", start=dt.date(2021, 6, 1), *, wage=4_000_000, payer=None, serial=50, segment="pu"):
        from sijaga.enrollment import services as enrollment
        from sijaga.regions.models import Region

        s = world.sites[site]
        district = Region.objects.get(code=s.village).parent_id
        birth = dt.date(1985, 1, 1) + dt.timedelta(days=serial)
        result = enrollment.enrol(
            world.users["coordinator"],
            payer_id=(payer or s.payer).pk,
            segment=segment,
            programmes=["jkk", "jkm"],
            wage=wage,
            start_date=start,
            worker_data={
                "nik": make_nik(district, birth, "L", serial),
                "full_name": f"Almarhum {serial}",
                "birth_date": birth,
                "gender": "L",
                "domicile_id": s.village,
                "category": "non_asn",
            },
        )
        return result.membership

    return _enrol


def heir(district: str, relation: str, serial: int, *, level: str = "", born=dt.date(2012, 5, 5), gender="P"):
    return {
        "name": f"Ahli Waris {serial}",
        "relation": relation,
        "nik": make_nik(district, born, gender, serial),
        "school_level": level,
        "bank_name": "Bank Kaltimtara",
        "account_number": f"00123{serial:05d}",
    }
