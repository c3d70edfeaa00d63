"""The demo's places: its provinces, and their current regencies/cities, districts and villages.

Only the province codes are written here; everything below them is read from the Region table
(``sijaga load_regions``). Also which villages get a village government payer (desa, never kelurahan).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.text import slugify

from sijaga.demo import SEED
from sijaga.regions.models import Kind, Region

#: Provinces the demo covers, in the order they are generated and listed.
DEMO_PROVINCES: tuple[str, ...] = ("64", "65", "34")
#: Villages with a village government (pemerintah desa) funded from APBDes; a kelurahan has none.
VILLAGE_GOVERNMENT_KINDS: tuple[str, ...] = (Kind.DESA, Kind.DESA_ADAT)


class RegionsNotLoaded(Exception):
    """The official region hierarchy is missing: run ``sijaga load_regions`` first."""


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class Regency:
    """A demo regency/city with its current districts and villages, read from the Region table."""

    province: Place
    code: str
    name: str
    kind: str
    villages_by_district: dict[str, tuple[Place, ...]]

    @property
    def short_name(self) -> str:
        """`Balikpapan` for "Kota Balikpapan", `Kutai Kartanegara` for "Kabupaten Kutai Kartanegara"."""
        for prefix in ("Kabupaten ", "Kota "):
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name

    @property
    def slug(self) -> str:
        return slugify(self.short_name)

    @property
    def districts(self) -> tuple[str, ...]:
        return tuple(sorted(self.villages_by_district))

    @property
    def villages(self) -> tuple[Place, ...]:
        return tuple(v for d in self.districts for v in self.villages_by_district[d])

    @property
    def is_city(self) -> bool:
        return self.kind == Kind.KOTA

    @property
    def has_village_governments(self) -> bool:
        """Whether the regency has desa (or desa adat), with a village government and budget (APBDes).

        The demo cities have only kelurahan: units of the city government, staffed and paid by the city.
        """
        return any(v.kind in VILLAGE_GOVERNMENT_KINDS for v in self.villages)


def load_demo_regions(provinces: Sequence[str] = DEMO_PROVINCES) -> list[Regency]:
    """Every current regency/city of `provinces` with its districts and villages (or `RegionsNotLoaded`)."""
    province_rows = {r.code: r for r in Region.objects.filter(level=1, code__in=list(provinces))}
    missing = [p for p in provinces if p not in province_rows]
    if missing:
        raise RegionsNotLoaded(
            f"Data wilayah belum dimuat (provinsi {', '.join(missing)} tidak ditemukan). "
            "Jalankan `sijaga load_regions` terlebih dahulu."
        )
    result: list[Regency] = []
    for code in provinces:
        prov = province_rows[code]
        province = Place(prov.code, prov.name, prov.kind)
        below = Region.objects.filter(is_current=True, code__startswith=f"{code}.").order_by("code")
        regencies = list(below.filter(level=2))
        districts = {d.code for d in below.filter(level=3)}
        villages: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
        for code_, name, kind, parent in below.filter(level=4).values_list("code", "name", "kind", "parent_id"):
            if parent in districts:
                villages[parent[:5]][parent].append(Place(code_, name, kind))
        if not regencies or any(not villages[r.code] for r in regencies):
            raise RegionsNotLoaded(
                f"Data wilayah provinsi {prov.name} tidak lengkap (kabupaten/kota, kecamatan atau desa "
                "belum ada). Jalankan `sijaga load_regions` terlebih dahulu."
            )
        for r in regencies:
            result.append(
                Regency(
                    province=province,
                    code=r.code,
                    name=r.name,
                    kind=r.kind,
                    villages_by_district={d: tuple(vs) for d, vs in sorted(villages[r.code].items())},
                )
            )
    return result


def code_slug(code: str) -> str:
    """`64.71` → `64-71`: region codes in payer codes and usernames."""
    return code.replace(".", "-")


def pemdes_villages(regency: Regency) -> list[Place]:
    """Two desa (or desa adat) from different districts; none where there are only kelurahan (the cities).

    A kelurahan has no village government: its staff are paid by the regency/city from its APBD.
    """
    rng = random.Random(f"{SEED}:{regency.code}:villages")
    desa_by_district = {
        d: [v for v in vs if v.kind in VILLAGE_GOVERNMENT_KINDS] for d, vs in regency.villages_by_district.items()
    }
    pool = {d: vs for d, vs in desa_by_district.items() if vs}
    if not pool:
        return []
    districts = sorted(pool)
    chosen_districts = rng.sample(districts, k=min(2, len(districts)))
    villages = [rng.choice(pool[d]) for d in chosen_districts]
    if len(villages) < 2:  # desa in one district only: take a second desa there
        others = [v for v in pool[districts[0]] if v not in villages]
        villages.append(rng.choice(others) if others else villages[0])
    return sorted(dict.fromkeys(villages), key=lambda v: v.code)
