"""Deterministic, idempotent demo data: payers, workers, memberships and a login for every role.

Three provinces are covered: Kalimantan Timur (64), Kalimantan Utara (65) and DI Yogyakarta (34). Every
regency/city, district and village comes from the Region table (``sijaga load_regions``); only the three
province codes are written here. Village governments (``pemdes``, funded from APBDes) sit on desa only: the
cities have only kelurahan, whose staff (``non_asn``) and RT/RW heads are paid by the city. Everything
personal is generated: names from lists of common names, NIKs that pass :func:`sijaga.registry.nik.parse_nik`,
phone numbers with real operator prefixes.

Determinism: every random choice comes from a :class:`random.Random` seeded with a string built from
:data:`SEED`, the region code and the worker's index, so worker ``i`` of a regency is the same person whatever
``workers_per_regency`` is, and no date depends on today (ages and end dates are taken at
:data:`REFERENCE_DATE`). No two workers of a regency share a full name: a name already given to an earlier
worker of the regency is redrawn from a generator of its own. Idempotency: users, payers and workers are
looked up by their natural keys (username, payer code, NIK) and skipped when they exist. Memberships and
status changes go through the enrolment services, as the users who would do them in real life, so the rules,
the history and the access log are exercised.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from sijaga.accounts.models import Role, User
from sijaga.accounts.services import create_user, scope_for
from sijaga.enrollment import services as enrollment
from sijaga.enrollment.models import EndReason, Membership, Payer, Segment, Status
from sijaga.regions.models import Kind, Region
from sijaga.registry.models import Category, Worker

#: Provinces the demo covers, in the order they are generated and listed.
DEMO_PROVINCES: tuple[str, ...] = ("64", "65", "34")
#: The password of every demo login but the superuser (published in the README and printed by ``sijaga demo_data``).
DEMO_PASSWORD = "sijaga-demo-2026"  # noqa: S105 - a published demo password, never a real credential
SEED = 2021
#: "Today" for the demo: ages, end dates and recent registrations are relative to this date.
REFERENCE_DATE = dt.date(2026, 6, 30)
#: Inpres 2/2021 was signed on 25 March 2021: memberships start from the following month.
FIRST_START = dt.date(2021, 4, 1)
MAX_WORKERS_PER_REGENCY = 9999  # one NIK serial (0001–9999) per worker of a regency
MAX_NAME_ATTEMPTS = 10_000  # redraws of a name already given in the regency (a few suffice even at 9999 workers)

CATEGORIES: tuple[str, ...] = tuple(Category.values)
#: Villages with a village government (pemerintah desa) funded from APBDes; a kelurahan has none.
VILLAGE_GOVERNMENT_KINDS: tuple[str, ...] = (Kind.DESA, Kind.DESA_ADAT)


class RegionsNotLoaded(Exception):
    """The official region hierarchy is missing: run ``sijaga load_regions`` first."""


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


# --- names --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamePool:
    male: tuple[str, ...]
    female: tuple[str, ...]
    male_last: tuple[str, ...]
    female_last: tuple[str, ...]
    #: Single-word names common among older people (born before 1978).
    old_male: tuple[str, ...] = ()
    old_female: tuple[str, ...] = ()
    #: Titles put before the name, and how often: Bugis "Andi", Kutai "Awang"/"Dayang", Tidung "Datu".
    male_titles: tuple[str, ...] = ()
    female_titles: tuple[str, ...] = ()
    title_rate: float = 0.0


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NAMES: dict[str, NamePool] = {
    "jawa": NamePool(
        male=_words(
            "Agus Bambang Budi Dwi Eko Heru Joko Slamet Teguh Wahyu Sigit Bayu Hendra Rudi Yudi Sugeng Didik "
            "Tri Adi Anton Rizky Fajar Dimas Galih Yoga Arif Bagus Danang Gilang Aditya Nanang Imam Wawan"
        ),
        female=_words(
            "Sri Siti Dewi Endang Rini Wulan Ratna Sari Indah Yuli Ani Tutik Nur Ayu Retno Diah Nining Fitri "
            "Rina Dyah Anik Kartika Putri Novita Eka Erna Yeni Dwi Tri"
        ),
        male_last=_words(
            "Santoso Wibowo Susanto Prasetyo Hartono Nugroho Setiawan Purnomo Saputra Kurniawan Wijaya "
            "Sutrisno Hidayat Pratama Suryadi Raharjo Widodo Gunawan Sulistyo Priyono Hermawan Utomo Haryanto"
        ),
        female_last=_words(
            "Rahayu Lestari Wahyuni Handayani Astuti Utami Susilowati Purwaningsih Kusumawati Wulandari "
            "Puspitasari Anggraini Rahmawati Suryani Mulyani Fitriani Ningsih Setyaningsih Kurniasih"
        ),
        old_male=_words("Sukirno Paijo Wagiman Sumarno Suparman Tukiman Ngadiman Parjo Suwarno Sukardi Karyono"),
        old_female=_words("Suparmi Sumarni Tukinem Sumiyati Painem Ngatini Wagiyem Sutinah Parmi Suyatmi Sumini"),
    ),
    "banjar": NamePool(
        male=_words(
            "Muhammad Ahmad Akhmad Anang Rahmat Fauzi Hairil Rusdi Syahrani Fahrul Ridwan Zainal Hamdani "
            "Mahyudin Noor Iwan Abdul Saberan Rizali"
        ),
        female=_words(
            "Siti Noor Rahmah Halimah Aulia Fitriani Galuh Norhayati Masliani Rusmiati Mahrita Rabiatul "
            "Norlaila Hamidah Zulaikha Jamilah"
        ),
        male_last=_words(
            "Rahman Arsyad Fahmi Ramadhan Effendi Basri Syarif Ansyari Jamaluddin Hidayatullah Rasyidi "
            "Noorhadi Fathurrahman Maulana Husaini Rifani"
        ),
        female_last=_words(
            "Rahmawati Hasanah Maulida Noorhasanah Hayati Mahmudah Zahra Rahmi Fitria Noorjannah Hidayah "
            "Khairunnisa Ulfah"
        ),
    ),
    "bugis": NamePool(
        male=_words(
            "Muhammad Syamsul Baharuddin Ambo Darwis Hasanuddin Sudirman Arman Irwan Saiful Sahrul Jumadi "
            "Nasrullah Amiruddin Akbar Haris Anwar Kaharuddin Rusli"
        ),
        female=_words(
            "Nurhayati Hasnah Hasniati Sitti Rosmini Nurjannah Hartati Haslinda Murni Jumiati Nurul "
            "Musdalifah Hasmawati Irmawati Ratnawati Nurwahida"
        ),
        male_last=_words(
            "Baso Mappiasse Mattalatta Syamsuddin Hamzah Latif Rauf Tahir Pallawa Rasyid Sulaiman Mustafa"
        ),
        female_last=_words(
            "Tenriawaru Mardiana Wahida Hasriani Nurfadillah Hasnawati Sahriani Syamsiah Rahmatia Nurhidayah"
        ),
        male_titles=("Andi",),
        female_titles=("Andi",),
        title_rate=0.25,
    ),
    "dayak": NamePool(
        male=_words(
            "Yohanes Agustinus Petrus Paulus Yosef Markus Stefanus Dominikus Kornelius Lukas Yakobus Simon "
            "Fransiskus Benediktus Martinus Hendrikus Ignasius Antonius"
        ),
        female=_words(
            "Maria Lusia Yuliana Agustina Veronika Theresia Margaretha Katarina Elisabeth Marta Rosalia "
            "Paulina Natalia Fransiska Monika Helena"
        ),
        male_last=_words(
            "Lawing Jalung Ping Uyang Ajang Bilung Lahang Anyeq Ibau Ngau Lejau Usat Irang Lenjau Apui Padan "
            "Lawai Balan Huvang Ding Tingang"
        ),
        female_last=_words(
            "Lawing Jalung Ping Uyang Ajang Bilung Lahang Anyeq Ibau Ngau Lejau Usat Irang Lenjau Apui Padan "
            "Lawai Balan Huvang Ding Tingang"
        ),
    ),
    "tidung": NamePool(
        male=_words(
            "Abdul Hamsyah Jamhari Zulkifli Irwansyah Arbain Ismail Mursalim Syaiful Ibrahim Yusran "
            "Muhammad Ardiansyah Rudiansyah Hasbi"
        ),
        female=_words(
            "Siti Nurlaila Fatimah Rabiah Jamilah Aminah Salmah Halimah Rosnah Masitah Hadijah Nurbaya Asmah Zaleha"
        ),
        male_last=_words("Ismail Ibrahim Abdullah Hasan Idris Yusuf Arifin Bakri Hamid Sulaiman Tahir Amir Saleh"),
        female_last=_words("Aminah Hasanah Maryam Rahmah Zubaidah Kalsum Hafsah Ramlah Saleha Sahara"),
        male_titles=("Datu",),
        title_rate=0.1,
    ),
    "kutai": NamePool(
        male=_words(
            "Rusdiansyah Hermansyah Syahrun Sofyan Jumansyah Syahrudin Junaidi Herman Rahmadi Saipul Masdar "
            "Ramli Idrus Darmawan"
        ),
        female=_words(
            "Mariana Salmiah Masnah Rusmini Sumiati Nurul Rosita Jumiati Sarinah Aisyah Hamsiah Normah Asnah"
        ),
        male_last=_words("Syahrani Ardiansyah Rusmadi Hamsyah Maulana Effendi Saputra Kesuma Hakim Rasyid Mahmud"),
        female_last=_words("Syahrani Rahmah Nurhayati Mariani Kesuma Fitriani Hasanah Jannah"),
        male_titles=("Awang", "Aji"),
        female_titles=("Dayang", "Aji"),
        title_rate=0.15,
    ),
}

#: Share of each naming tradition among the people of a province (percent).
ETHNIC_WEIGHTS: dict[str, dict[str, int]] = {
    "64": {"jawa": 35, "banjar": 22, "bugis": 20, "kutai": 13, "dayak": 10},
    "65": {"bugis": 25, "tidung": 25, "dayak": 25, "jawa": 15, "banjar": 10},
    "34": {"jawa": 94, "banjar": 2, "bugis": 2, "dayak": 2},
}


def person_name(rng: random.Random, province: str, gender: str, birth_year: int = 1985) -> str:
    """A plausible full name for someone from `province` (1–4 words, no word repeated)."""
    weights = ETHNIC_WEIGHTS[province]
    group = rng.choices(list(weights), weights=list(weights.values()))[0]
    pool = NAMES[group]
    male = gender == "L"
    old = pool.old_male if male else pool.old_female
    if old and birth_year < 1978 and rng.random() < 0.3:
        return rng.choice(old)
    firsts = pool.male if male else pool.female
    lasts = pool.male_last if male else pool.female_last
    titles = pool.male_titles if male else pool.female_titles
    words: list[str] = []
    if titles and rng.random() < pool.title_rate:
        words.append(rng.choice(titles))
    words.append(rng.choice(firsts))
    if rng.random() < 0.2:
        words.append(rng.choice(firsts))
    words.append(rng.choice(lasts))
    return " ".join(dict.fromkeys(words))  # drops a repeated word, keeps the order


#: Indonesian mobile prefixes (Telkomsel, Indosat, XL/Axis, Tri, Smartfren).
PHONE_PREFIXES = _words(
    "0811 0812 0813 0821 0822 0823 0851 0852 0853 0814 0815 0816 0855 0856 0857 0858 0817 0818 0819 0859 "
    "0877 0878 0831 0838 0895 0896 0897 0898 0899 0881 0882 0888"
)


def phone_number(rng: random.Random) -> str:
    """`08xxxxxxxxxx`: 12 digits."""
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# --- regions ------------------------------------------------------------------------------------------------


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


def _code_slug(code: str) -> str:
    return code.replace(".", "-")


# --- payers -------------------------------------------------------------------------------------------------


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
    slug = _code_slug(regency.code)
    specs = [PayerSpec(f"pemkab-{slug}", f"Pemerintah {regency.name}", "pemkab", regency.code, "apbd", _npp(rng))]
    for village in pemdes_villages(regency):
        # Desa adat names already say so ("Desa Adat Ayapo").
        name = village.name if village.kind == Kind.DESA_ADAT else f"Desa {village.name}"
        specs.append(
            PayerSpec(
                f"pemdes-{_code_slug(village.code)}",
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


def _npp(rng: random.Random) -> str:
    return f"{rng.randrange(10**7, 10**8)}"


# --- workers and memberships --------------------------------------------------------------------------------


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
        return self.steps[-1].to_status if self.steps else Status.REGISTERED


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
    "non_asn": _words(
        "tenaga_administrasi guru_honorer tenaga_kebersihan pengemudi_dinas petugas_keamanan "
        "tenaga_kesehatan operator_komputer petugas_pemadam_kebakaran penyuluh_lapangan"
    ),
    "non_asn_pemprov": _words("guru_honorer_SMA/SMK tenaga_administrasi_SMA/SMK tenaga_kependidikan"),
    "perangkat_desa": _words(
        "sekretaris_desa kepala_urusan_keuangan kepala_urusan_umum kepala_seksi_pemerintahan "
        "kepala_seksi_kesejahteraan kepala_dusun staf_desa"
    ),
    "non_asn_kelurahan": _words("staf_kelurahan petugas_pelayanan_kelurahan tenaga_administrasi_kelurahan"),
    "rt_rw": _words("ketua_RT ketua_RT ketua_RT ketua_RW"),
    "penyelenggara_pemilu": _words(
        "anggota_PPK anggota_PPS sekretariat_PPS anggota_Panwaslu_kelurahan/desa petugas_pemutakhiran_data_pemilih"
    ),
    "pekerja_rentan": _words(
        "pedagang_kaki_lima pedagang_pasar petani buruh_tani nelayan pengemudi_ojek pengemudi_ojek_daring "
        "buruh_harian_lepas pemulung penjahit_rumahan"
    ),
    "pekerja_rentan_kalimantan": _words("pekebun_sawit penyadap_karet motoris_perahu"),
    "pekerja_rentan_yogyakarta": _words("pengemudi_becak pengrajin_batik buruh_gendong"),
    "formal_lain": _words(
        "staf_administrasi teknisi_jaringan_air pembaca_meter petugas_loket pengemudi_truk_tangki_air"
    ),
    "jakon": _words("pekerja_konstruksi tukang_batu tukang_kayu mandor_proyek"),
}

STATUS_WEIGHTS = {Status.ACTIVE: 70, Status.REGISTERED: 10, Status.INACTIVE: 12, Status.ENDED: 8}
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
    slug = _code_slug(regency.code)
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
    if final == Status.ENDED:
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
    if final == Status.REGISTERED:  # waiting for the first contribution: registered recently
        start = _date_between(rng, max(earliest, REFERENCE_DATE - dt.timedelta(days=150)), REFERENCE_DATE)
    elif final == Status.ACTIVE:
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
    activate = StatusStep(Status.ACTIVE, ACTIVATE)
    months = rng.choice((3, 3, 4, 6))
    suspend = StatusStep(Status.INACTIVE, f"Menunggak iuran {months} bulan")
    if final == Status.REGISTERED:
        return ()
    if final == Status.ACTIVE:
        return (activate, suspend, StatusStep(Status.ACTIVE, REACTIVATE)) if rng.random() < 0.1 else (activate,)
    if final == Status.INACTIVE:
        return (activate, suspend)
    ends_from = start + dt.timedelta(days=60)
    if end_reason == EndReason.RETIREMENT:  # retired at 55 or later
        ends_from = max(ends_from, _add_years(birth, 55))
    end_date = _date_between(rng, ends_from, REFERENCE_DATE)
    end = StatusStep(Status.ENDED, END_REASONS_TEXT[end_reason], end_reason, end_date)
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


# --- users --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    region_codes: tuple[str, ...]
    first_name: str
    last_name: str
    superuser: bool = False


def _person(username: str, province: str) -> tuple[str, str]:
    rng = random.Random(f"{SEED}:user:{username}")
    gender = rng.choice("LP")
    words = person_name(rng, province, gender, 1980).split()
    while len(words) < 2:  # a single-word name: first name only
        words.append("")
    return words[0], " ".join(w for w in words[1:] if w)


def user_specs(regencies: Sequence[Regency], village_code: str) -> list[UserSpec]:
    """A login for every role: one operator per demo regency, a village operator in `village_code`."""
    provinces = list(dict.fromkeys(r.province.code for r in regencies))
    specs = [
        UserSpec("admin", Role.COORDINATOR, (), "Admin", "SiJaga", superuser=True),
        UserSpec("koordinator", Role.COORDINATOR, (), *_person("koordinator", "34")),
    ]
    admins = {"64": "admin.kaltim", "65": "admin.kaltara"}
    for province, username in admins.items():
        if province in provinces:
            specs.append(UserSpec(username, Role.PROVINCE_ADMIN, (province,), *_person(username, province)))
    seen: set[str] = set()
    for regency in regencies:
        username = f"operator.{regency.slug}"
        if username in seen:  # two regencies with the same short name
            username = f"operator.{regency.slug}-{_code_slug(regency.code)}"
        seen.add(username)
        specs.append(
            UserSpec(username, Role.REGENCY_OPERATOR, (regency.code,), *_person(username, regency.province.code))
        )
    specs.append(
        UserSpec(
            "operator.desa",
            Role.VILLAGE_OPERATOR,
            (village_code,),
            *_person("operator.desa", village_code[:2]),
        )
    )
    kalimantan = tuple(p for p in ("64", "65") if p in provinces)
    specs.append(UserSpec("petugas.bpjs", Role.BPJS_OFFICER, kalimantan, *_person("petugas.bpjs", "64")))
    specs.append(UserSpec("auditor", Role.AUDITOR, tuple(provinces), *_person("auditor", "34")))
    return specs


def village_operator_village(regencies: Sequence[Regency], plans: dict[str, list[WorkerPlan]]) -> str:
    """The Balikpapan village where most demo workers live (ties: lowest code)."""
    regency = next((r for r in regencies if r.slug == "balikpapan"), regencies[0])
    homes = Counter(p.domicile_code for p in plans.get(regency.code, ()))
    if not homes:
        return regency.villages[0].code
    return min(homes, key=lambda code: (-homes[code], code))


# --- writing ------------------------------------------------------------------------------------------------


def _ensure_users(
    specs: Sequence[UserSpec], counts: Counter[str], new_passwords: dict[str, str] | None = None
) -> dict[str, User]:
    existing = {u.username: u for u in User.objects.filter(username__in=[s.username for s in specs])}
    password_hash = ""
    users: dict[str, User] = {}
    for spec in specs:
        user = existing.get(spec.username)
        if user is not None:
            counts["users_existing"] += 1
            users[spec.username] = user
            continue
        # One PBKDF2 hash for every demo login: hashing 27 times would take ~25 s.
        password_hash = password_hash or make_password(DEMO_PASSWORD)
        user = create_user(
            spec.username,
            None,  # type: ignore[arg-type]  # an unusable password now, the shared hash below
            role=spec.role,
            region_codes=spec.region_codes,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
        user.password = password_hash
        if spec.superuser:  # never the published password: a random one, returned to be printed once
            password = secrets.token_urlsafe(12)
            user.password = make_password(password)
            if new_passwords is not None:
                new_passwords[spec.username] = password
        user.is_staff = user.is_superuser = spec.superuser
        user.save(update_fields=["password", "is_staff", "is_superuser"])
        counts["users_created"] += 1
        users[spec.username] = user
    return users


def _ensure_payers(
    specs: Sequence[PayerSpec], creator_for: Callable[[PayerSpec], User], counts: Counter[str]
) -> dict[str, Payer]:
    payers = {p.code: p for p in Payer.objects.filter(code__in=[s.code for s in specs])}
    for spec in specs:
        if spec.code in payers:
            counts["payers_existing"] += 1
            continue
        payers[spec.code] = enrollment.create_payer(
            creator_for(spec),
            {
                "code": spec.code,
                "name": spec.name,
                "kind": spec.kind,
                "region_id": spec.region_code,
                "funding_source": spec.funding_source,
                "npp": spec.npp,
            },
        )
        counts["payers_created"] += 1
    return payers


def _write(stdout: Writer | None, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")


def generate_demo(
    *, workers_per_regency: int = 25, stdout: Writer | None = None, new_passwords: dict[str, str] | None = None
) -> dict[str, int]:
    """Create whatever demo data is missing; returns counts of what was created and what already existed.
    The random password of a superuser created now is put in `new_passwords` (username: password)."""
    if not 1 <= workers_per_regency <= MAX_WORKERS_PER_REGENCY:
        raise ValueError(f"workers_per_regency must be between 1 and {MAX_WORKERS_PER_REGENCY}")
    regencies = load_demo_regions(DEMO_PROVINCES)
    provinces = list(dict.fromkeys(r.province for r in regencies))

    payer_specs = [province_payer(p) for p in provinces]
    for regency in regencies:
        payer_specs += regency_payers(regency)
    payer_by_code = {p.code: p for p in payer_specs}
    plans = {r.code: plan_regency(r, workers_per_regency, payer_by_code) for r in regencies}
    specs = user_specs(regencies, village_operator_village(regencies, plans))

    counts: Counter[str] = Counter()
    with transaction.atomic():
        users = _ensure_users(specs, counts, new_passwords)
    coordinator = users["koordinator"]
    province_admin = {s.region_codes[0]: users[s.username] for s in specs if s.role == Role.PROVINCE_ADMIN}
    operator = {s.region_codes[0]: users[s.username] for s in specs if s.role == Role.REGENCY_OPERATOR}
    officer = users["petugas.bpjs"]

    def payer_creator(spec: PayerSpec) -> User:
        if spec.kind == "pemprov":
            return province_admin.get(spec.region_code, coordinator)
        return operator.get(spec.region_code[:5], coordinator)

    with transaction.atomic():
        payers = _ensure_payers(payer_specs, payer_creator, counts)

    officer_scope = scope_for(officer)
    for regency in regencies:
        regency_plans = plans[regency.code]
        status_user = officer if officer_scope.covers(regency.code) else coordinator
        before = counts["workers_created"]
        with transaction.atomic():
            known = set(Worker.objects.filter(nik__in=[p.nik for p in regency_plans]).values_list("nik", flat=True))
            for plan in regency_plans:
                if plan.nik in known:
                    counts["workers_existing"] += 1
                    continue
                payer = payers[plan.payer_code]
                enroller = (
                    province_admin.get(payer.region_id, coordinator)
                    if payer.kind == "pemprov"
                    else operator.get(regency.code, coordinator)
                )
                result = enrollment.enrol(
                    enroller,
                    payer_id=payer.pk,
                    segment=plan.segment,
                    programmes=plan.programmes,
                    wage=plan.wage,
                    start_date=plan.start_date,
                    worker_data=plan.worker_data,
                    submission_key=plan.key,
                    channel="cli",
                )
                counts["workers_created"] += 1
                counts["memberships_created"] += int(result.created)
                membership: Membership = result.membership
                for step in plan.steps:
                    membership = enrollment.change_status(
                        status_user,
                        membership,
                        step.to_status,
                        reason=step.reason,
                        end_reason=step.end_reason,
                        end_date=step.end_date,
                        channel="cli",
                    )
                    counts["status_changes"] += 1
        created = counts["workers_created"] - before
        _write(stdout, f"  {regency.name}: {created} tenaga kerja baru, {len(regency_plans) - created} sudah ada")

    keys = (
        "users_created",
        "users_existing",
        "payers_created",
        "payers_existing",
        "workers_created",
        "workers_existing",
        "memberships_created",
        "status_changes",
    )
    result = {k: counts[k] for k in keys}
    _write(stdout, f"Pengguna: {result['users_created']} baru, {result['users_existing']} sudah ada")
    _write(stdout, f"Pembayar iuran: {result['payers_created']} baru, {result['payers_existing']} sudah ada")
    _write(stdout, f"Tenaga kerja: {result['workers_created']} baru, {result['workers_existing']} sudah ada")
    _write(
        stdout,
        f"Kepesertaan: {result['memberships_created']} baru, {result['status_changes']} perubahan status",
    )
    return result


# --- the login table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    regions: str
    password: str


def _region_label(region: Region) -> str:
    if region.level <= 2:
        return region.name
    regency = Region.objects.filter(code=region.code[:5]).values_list("name", flat=True).first() or ""
    return f"{Kind(region.kind).label} {region.name}, {regency}"


def demo_logins() -> list[DemoLogin]:
    """The demo users as they are in the database now (in the order of `user_specs`)."""
    regencies = load_demo_regions(DEMO_PROVINCES)
    order = [s.username for s in user_specs(regencies, regencies[0].villages[0].code)]
    users = User.objects.filter(username__in=order).prefetch_related("regions")
    by_name = {u.username: u for u in users}
    logins = []
    for username in order:
        user = by_name.get(username)
        if user is None:
            continue
        role = str(Role(user.role).label) if user.role in Role.values else user.role
        if user.is_superuser:
            role += " (superuser)"
        regions = sorted(user.regions.all(), key=lambda r: r.code)
        label = ", ".join(_region_label(r) for r in regions) if regions else "Nasional (semua wilayah)"
        password = "(acak, ditampilkan sekali saat dibuat)" if user.is_superuser else DEMO_PASSWORD
        logins.append(DemoLogin(username, role, label, password))
    return logins


def format_logins(logins: Sequence[DemoLogin]) -> str:
    """A plain-text table of the demo logins."""
    header = DemoLogin("username", "peran", "wilayah tugas", "kata sandi")
    rows = [header, *logins]
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("username", "role", "regions")]
    lines = ["Akun demo (kata sandi sama untuk semua akun kecuali superuser):"]
    for i, r in enumerate(rows):
        cells = (r.username.ljust(widths[0]), r.role.ljust(widths[1]), r.regions.ljust(widths[2]), r.password)
        lines.append("  " + "  ".join(cells))
        if i == 0:
            lines.append("  " + "  ".join("-" * w for w in [*widths, len(DEMO_PASSWORD)]))
    return "\n".join(lines)
