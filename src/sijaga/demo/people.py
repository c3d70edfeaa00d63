"""Worker planning: who the demo workers are (category, occupation, payer, NIK, name, wage) and what happened to
their membership (status history). Plans are plain data; :mod:`sijaga.demo.write` writes them."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sijaga.demo import SEED
from sijaga.demo.names import person_name, phone_number, split_words
from sijaga.demo.payers import PayerSpec
from sijaga.demo.places import Regency, code_slug
from sijaga.enrollment.models import EndReason, MembershipStatus, Segment
from sijaga.registry.models import TargetCategory

#: "Today" for the demo: ages, end dates and recent registrations are relative to this date.
REFERENCE_DATE = dt.date(2026, 6, 30)
#: Inpres 2/2021 was signed on 25 March 2021: memberships start from the following month.
FIRST_START = dt.date(2021, 4, 1)
MAX_WORKERS_PER_REGENCY = 9999  # one NIK serial (0001–9999) per worker of a regency
MAX_NAME_ATTEMPTS = 10_000  # redraws of a name already given in the regency (a few suffice even at 9999 workers)

CATEGORIES: tuple[str, ...] = tuple(TargetCategory.values)


@dataclass(frozen=True)
class StatusStep:
    to_status: str
    reason: str
    end_reason: str = ""
    end_date: dt.date | None = None


@dataclass(frozen=True)
class WorkerPlan:
    """One demo person and the membership enrolled for them."""

    key: str  # submission key of the enrolment: `demo-64.71-0007`
    nik: str
    full_name: str
    birth_date: dt.date
    gender: str
    domicile_code: str
    phone: str
    occupation: str
    category: str
    payer_code: str
    segment: str
    programmes: tuple[str, ...]
    wage: int
    start_date: dt.date
    steps: tuple[StatusStep, ...] = field(default=())

    @property
    def worker_data(self) -> dict[str, Any]:
        return {
            "nik": self.nik,
            "full_name": self.full_name,
            "birth_date": self.birth_date,
            "gender": self.gender,
            "domicile_id": self.domicile_code,
            "phone": self.phone,
            "occupation": self.occupation,
            "category": self.category,
        }

    @property
    def final_status(self) -> str:
        return self.steps[-1].to_status if self.steps else MembershipStatus.REGISTERED


#: Category mix after the first six workers of a regency (one of each category). Where there are no desa (the
#: cities), a `perangkat_desa` draw becomes kelurahan staff: `non_asn` paid by the city.
CATEGORY_WEIGHTS = {
    "non_asn": 24,
    "perangkat_desa": 12,
    "rt_rw": 14,
    "penyelenggara_pemilu": 10,
    "pekerja_rentan": 30,
    "formal_lain": 10,
}
#: Share of women per category.
FEMALE_RATE = {
    "non_asn": 0.5,
    "perangkat_desa": 0.35,
    "rt_rw": 0.2,
    "penyelenggara_pemilu": 0.45,
    "pekerja_rentan": 0.45,
    "formal_lain": 0.35,
}
#: Age range (at the reference date) per category; all within 20–58.
AGE_RANGE = {
    "non_asn": (21, 50),
    "perangkat_desa": (25, 56),
    "rt_rw": (32, 58),
    "penyelenggara_pemilu": (20, 55),
    "pekerja_rentan": (20, 58),
    "formal_lain": (22, 55),
}
OCCUPATIONS = {
    "non_asn": split_words(
        "tenaga_administrasi guru_honorer tenaga_kebersihan pengemudi_dinas petugas_keamanan "
        "tenaga_kesehatan operator_komputer petugas_pemadam_kebakaran penyuluh_lapangan"
    ),
    "non_asn_pemprov": split_words("guru_honorer_SMA/SMK tenaga_administrasi_SMA/SMK tenaga_kependidikan"),
    "perangkat_desa": split_words(
        "sekretaris_desa kepala_urusan_keuangan kepala_urusan_umum kepala_seksi_pemerintahan "
        "kepala_seksi_kesejahteraan kepala_dusun staf_desa"
    ),
    "non_asn_kelurahan": split_words("staf_kelurahan petugas_pelayanan_kelurahan tenaga_administrasi_kelurahan"),
    "rt_rw": split_words("ketua_RT ketua_RT ketua_RT ketua_RW"),
    "penyelenggara_pemilu": split_words(
        "anggota_PPK anggota_PPS sekretariat_PPS anggota_Panwaslu_kelurahan/desa petugas_pemutakhiran_data_pemilih"
    ),
    "pekerja_rentan": split_words(
        "pedagang_kaki_lima pedagang_pasar petani buruh_tani nelayan pengemudi_ojek pengemudi_ojek_daring "
        "buruh_harian_lepas pemulung penjahit_rumahan"
    ),
    "pekerja_rentan_kalimantan": split_words("pekebun_sawit penyadap_karet motoris_perahu"),
    "pekerja_rentan_yogyakarta": split_words("pengemudi_becak pengrajin_batik buruh_gendong"),
    "formal_lain": split_words(
        "staf_administrasi teknisi_jaringan_air pembaca_meter petugas_loket pengemudi_truk_tangki_air"
    ),
    "jakon": split_words("pekerja_konstruksi tukang_batu tukang_kayu mandor_proyek"),
}

STATUS_WEIGHTS = {
    MembershipStatus.ACTIVE: 70,
    MembershipStatus.REGISTERED: 10,
    MembershipStatus.INACTIVE: 12,
    MembershipStatus.ENDED: 8,
}
END_REASON_WEIGHTS = {
    EndReason.DEATH: 15,
    EndReason.RETIREMENT: 20,
    EndReason.RESIGNATION: 40,
    EndReason.MOVED: 25,
}

ACTIVATE = "Iuran bulan pertama diterima BPJS Ketenagakerjaan"
REACTIVATE = "Tunggakan iuran dilunasi"
END_REASONS_TEXT = {
    EndReason.DEATH: "Peserta meninggal dunia; klaim JKM diajukan ahli waris",
    EndReason.RETIREMENT: "Peserta memasuki usia pensiun",
    EndReason.RESIGNATION: "Peserta berhenti bekerja",
    EndReason.MOVED: "Peserta pindah pemberi kerja/wilayah",
}


def _occupation(rng: random.Random, key: str) -> str:
    return rng.choice(OCCUPATIONS[key]).replace("_", " ")


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _wage(rng: random.Random, low: int, high: int, mode: int) -> int:
    return round(rng.triangular(low, high, mode) / 1000) * 1000


def serial_numbers(regency: Regency) -> list[int]:
    """A fixed permutation of 1..9999: worker `i` of the regency gets serial `[i]`, so NIKs never collide."""
    serials = list(range(1, 10_000))
    random.Random(f"{SEED}:{regency.code}:serials").shuffle(serials)
    return serials


def plan_worker(
    regency: Regency,
    index: int,
    serial: int,
    payers: dict[str, PayerSpec],
    taken_names: set[str] | None = None,
) -> WorkerPlan:
    """Worker `index` of `regency`: deterministic, whatever the number of workers asked for.

    `taken_names`: the names of workers 0..index-1 of the regency; the worker gets a name not among them.
    """
    rng = random.Random(f"{SEED}:{regency.code}:worker:{index}")
    province = regency.province.code
    kalimantan = province != "34"
    slug = code_slug(regency.code)
    pemkab, bumd, csr = f"pemkab-{slug}", f"bumd-{slug}", f"csr-{slug}"
    pemdes = sorted(code for code, p in payers.items() if p.kind == "pemdes" and p.region_code[:5] == regency.code)
    pemprov = f"pemprov-{province}"

    if index < len(CATEGORIES):
        category = CATEGORIES[index]
    else:
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    kelurahan_staff = category == "perangkat_desa" and not pemdes
    if kelurahan_staff:  # no desa (a city): no perangkat desa, but kelurahan staff paid by the city
        category = "non_asn"

    # payer, segment, occupation
    segment = Segment.PU
    match category:
        case "non_asn" if kelurahan_staff:
            payer, occupation = pemkab, _occupation(rng, "non_asn_kelurahan")
        case "non_asn":
            payer = pemprov if rng.random() < 0.15 else pemkab
            occupation = _occupation(rng, "non_asn_pemprov" if payer == pemprov else "non_asn")
        case "perangkat_desa":
            payer = rng.choice(pemdes)
            occupation = _occupation(rng, "perangkat_desa")
        case "rt_rw":  # incentives from the village budget, or from the regency/city (always, in a city)
            payer = rng.choice(pemdes) if pemdes and rng.random() < 0.7 else pemkab
            occupation = _occupation(rng, "rt_rw")
        case "penyelenggara_pemilu":
            payer = pemkab
            occupation = _occupation(rng, "penyelenggara_pemilu")
        case "pekerja_rentan":
            segment = Segment.BPU
            payer = csr if rng.random() < 0.6 else pemkab
            extra = "pekerja_rentan_kalimantan" if kalimantan else "pekerja_rentan_yogyakarta"
            occupation = _occupation(rng, extra if rng.random() < 0.25 else "pekerja_rentan")
        case _:  # formal_lain: staff of the water company, or construction workers on a regency project
            if rng.random() < 0.25:
                segment, payer, occupation = Segment.JAKON, pemkab, _occupation(rng, "jakon")
            else:
                payer, occupation = bumd, _occupation(rng, "formal_lain")

    # domicile: village officials live in their village; others anywhere in the regency
    payer_region = payers[payer].region_code
    if payer_region.count(".") == 3 and rng.random() < 0.9:
        domicile = payer_region
    else:
        domicile = rng.choice(regency.villages).code
    # the NIK keeps the district where the card was first issued: usually where the person lives
    nik_district = domicile[:8]
    if len(regency.districts) > 1 and rng.random() < 0.15:
        nik_district = rng.choice([d for d in regency.districts if d != domicile[:8]])

    # status first (a retiree is old): ~70% active, ~10% registered, ~12% inactive, ~8% ended
    final = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    end_reason = ""
    if final == MembershipStatus.ENDED:
        end_reason = rng.choices(list(END_REASON_WEIGHTS), weights=list(END_REASON_WEIGHTS.values()))[0]

    gender = "P" if rng.random() < FEMALE_RATE[category] else "L"
    youngest, oldest = (56, 58) if end_reason == EndReason.RETIREMENT else AGE_RANGE[category]
    born_after = _add_years(REFERENCE_DATE, -(oldest + 1)) + dt.timedelta(days=1)
    born_by = _add_years(REFERENCE_DATE, -youngest)
    birth = _date_between(rng, born_after, born_by)
    day = birth.day + (40 if gender == "P" else 0)
    nik = f"{nik_district.replace('.', '')}{day:02d}{birth:%m%y}{serial:04d}"
    name = person_name(rng, province, gender, birth.year)
    if taken_names is not None:
        name = _unique_name(name, regency, index, gender, birth.year, taken_names)
    phone = phone_number(rng) if rng.random() < 0.92 else ""

    # programmes and wage
    if segment == Segment.PU:
        if category == "penyelenggara_pemilu":  # ad hoc bodies: the legal minimum
            jht = rng.random() < 0.1
            jp = False
        else:
            jht = rng.random() < 0.6
            jp = rng.random() < (0.35 if jht else 0.05)
        jkp = jht and rng.random() < 0.25
        programmes = ("jkk", "jkm") + (("jht",) if jht else ()) + (("jp",) if jp else ()) + (("jkp",) if jkp else ())
        low, high, mode = (3_500_000, 5_500_000, 3_900_000) if kalimantan else (2_300_000, 4_000_000, 2_600_000)
        wage = _wage(rng, low, high, mode)
    elif segment == Segment.BPU:
        programmes = ("jkk", "jkm", "jht") if rng.random() < 0.25 else ("jkk", "jkm")
        wage = _wage(rng, 1_000_000, 3_000_000, 1_500_000)
    else:
        programmes = ("jkk", "jkm")
        wage = _wage(rng, 3_000_000, 5_000_000, 3_500_000)

    earliest = max(FIRST_START, _add_years(birth, 18))
    if final == MembershipStatus.REGISTERED:  # waiting for the first contribution: registered recently
        start = _date_between(rng, max(earliest, REFERENCE_DATE - dt.timedelta(days=150)), REFERENCE_DATE)
    elif final == MembershipStatus.ACTIVE:
        start = _date_between(rng, earliest, REFERENCE_DATE - dt.timedelta(days=30))
    else:
        start = _date_between(rng, earliest, REFERENCE_DATE - dt.timedelta(days=180))
    steps = _status_steps(rng, final, end_reason, start, birth)

    return WorkerPlan(
        key=f"demo-{regency.code}-{index + 1:04d}",
        nik=nik,
        full_name=name,
        birth_date=birth,
        gender=gender,
        domicile_code=domicile,
        phone=phone,
        occupation=occupation,
        category=category,
        payer_code=payer,
        segment=segment,
        programmes=programmes,
        wage=wage,
        start_date=start,
        steps=steps,
    )


def _status_steps(
    rng: random.Random, final: str, end_reason: str, start: dt.date, birth: dt.date
) -> tuple[StatusStep, ...]:
    activate = StatusStep(MembershipStatus.ACTIVE, ACTIVATE)
    months = rng.choice((3, 3, 4, 6))
    suspend = StatusStep(MembershipStatus.INACTIVE, f"Menunggak iuran {months} bulan")
    if final == MembershipStatus.REGISTERED:
        return ()
    if final == MembershipStatus.ACTIVE:
        return (
            (activate, suspend, StatusStep(MembershipStatus.ACTIVE, REACTIVATE)) if rng.random() < 0.1 else (activate,)
        )
    if final == MembershipStatus.INACTIVE:
        return (activate, suspend)
    ends_from = start + dt.timedelta(days=60)
    if end_reason == EndReason.RETIREMENT:  # retired at 55 or later
        ends_from = max(ends_from, _add_years(birth, 55))
    end_date = _date_between(rng, ends_from, REFERENCE_DATE)
    end = StatusStep(MembershipStatus.ENDED, END_REASONS_TEXT[end_reason], end_reason, end_date)
    path = rng.random()
    if path < 0.1:  # left before the first contribution
        return (end,)
    if path < 0.3:  # stopped paying, then left
        return (activate, suspend, end)
    return (activate, end)


def _unique_name(name: str, regency: Regency, index: int, gender: str, birth_year: int, taken: set[str]) -> str:
    """`name`, or, if a worker of the regency already has it, another name drawn from a retry's own seed.

    Only the name changes: the worker's other draws come from the main generator, which retries do not touch.
    """
    attempt = 0
    while name in taken:
        attempt += 1
        if attempt > MAX_NAME_ATTEMPTS:
            raise RuntimeError(f"No unused name left for worker {index} of {regency.name}")
        retry = random.Random(f"{SEED}:{regency.code}:worker:{index}:name:{attempt}")
        name = person_name(retry, regency.province.code, gender, birth_year)
    return name


def plan_regency(regency: Regency, workers: int, payers: dict[str, PayerSpec]) -> list[WorkerPlan]:
    """Workers 0..workers-1 of the regency, no two with the same full name (worker `i` never depends on `workers`)."""
    serials = serial_numbers(regency)
    taken: set[str] = set()
    plans = []
    for i in range(workers):
        plan = plan_worker(regency, i, serials[i], payers, taken)
        taken.add(plan.full_name)
        plans.append(plan)
    return plans
