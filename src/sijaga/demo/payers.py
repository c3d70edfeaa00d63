"""The demo's payers: the province government, and per regency/city its government, two village governments
(none in a city), a water company and a CSR forum."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sijaga.demo import SEED
from sijaga.demo.places import Place, Regency, code_slug, pemdes_villages
from sijaga.regions.models import Kind


@dataclass(frozen=True)
class PayerSpec:
    code: str
    name: str
    kind: str
    region_code: str
    funding_source: str
    npp: str = ""


def province_payer(province: Place) -> PayerSpec:
    rng = random.Random(f"{SEED}:{province.code}:payer")
    title = "Pemerintah Daerah" if province.name.startswith("Daerah Istimewa") else "Pemerintah Provinsi"
    return PayerSpec(
        f"pemprov-{province.code}", f"{title} {province.name}", "pemprov", province.code, "apbd", _npp(rng)
    )


def regency_payers(regency: Regency) -> list[PayerSpec]:
    """The regency/city government, two village governments (none in a city), a water company and a CSR forum."""
    rng = random.Random(f"{SEED}:{regency.code}:payers")
    slug = code_slug(regency.code)
    specs = [PayerSpec(f"pemkab-{slug}", f"Pemerintah {regency.name}", "pemkab", regency.code, "apbd", _npp(rng))]
    for village in pemdes_villages(regency):
        # Desa adat names already say so ("Desa Adat Ayapo").
        name = village.name if village.kind == Kind.DESA_ADAT else f"Desa {village.name}"
        specs.append(
            PayerSpec(
                f"pemdes-{code_slug(village.code)}",
                f"Pemerintah {name}",
                "pemdes",
                village.code,
                "apbdes",
                _npp(rng),
            )
        )
    specs.append(
        PayerSpec(
            f"bumd-{slug}",
            f"Perumda Air Minum {regency.short_name}",
            "badan_usaha",
            regency.code,
            "mandiri",
            _npp(rng),
        )
    )
    specs.append(PayerSpec(f"csr-{slug}", f"Forum CSR {regency.name}", "pihak_ketiga", regency.code, "csr"))
    return specs


def _npp(rng: random.Random) -> str:
    return f"{rng.randrange(10**7, 10**8)}"
