"""Name pools for plausible Indonesian names, by naming tradition and province, and mobile phone numbers.

Pure data and :class:`random.Random` draws: no database. ``bench/generate.py`` reuses these pools.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


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


def split_words(text: str) -> tuple[str, ...]:
    """`"a b c"` → `("a", "b", "c")`: long lists of names written as one string."""
    return tuple(text.split())


NAMES: dict[str, NamePool] = {
    "jawa": NamePool(
        male=split_words(
            "Agus Bambang Budi Dwi Eko Heru Joko Slamet Teguh Wahyu Sigit Bayu Hendra Rudi Yudi Sugeng Didik "
            "Tri Adi Anton Rizky Fajar Dimas Galih Yoga Arif Bagus Danang Gilang Aditya Nanang Imam Wawan"
        ),
        female=split_words(
            "Sri Siti Dewi Endang Rini Wulan Ratna Sari Indah Yuli Ani Tutik Nur Ayu Retno Diah Nining Fitri "
            "Rina Dyah Anik Kartika Putri Novita Eka Erna Yeni Dwi Tri"
        ),
        male_last=split_words(
            "Santoso Wibowo Susanto Prasetyo Hartono Nugroho Setiawan Purnomo Saputra Kurniawan Wijaya "
            "Sutrisno Hidayat Pratama Suryadi Raharjo Widodo Gunawan Sulistyo Priyono Hermawan Utomo Haryanto"
        ),
        female_last=split_words(
            "Rahayu Lestari Wahyuni Handayani Astuti Utami Susilowati Purwaningsih Kusumawati Wulandari "
            "Puspitasari Anggraini Rahmawati Suryani Mulyani Fitriani Ningsih Setyaningsih Kurniasih"
        ),
        old_male=split_words("Sukirno Paijo Wagiman Sumarno Suparman Tukiman Ngadiman Parjo Suwarno Sukardi Karyono"),
        old_female=split_words("Suparmi Sumarni Tukinem Sumiyati Painem Ngatini Wagiyem Sutinah Parmi Suyatmi Sumini"),
    ),
    "banjar": NamePool(
        male=split_words(
            "Muhammad Ahmad Akhmad Anang Rahmat Fauzi Hairil Rusdi Syahrani Fahrul Ridwan Zainal Hamdani "
            "Mahyudin Noor Iwan Abdul Saberan Rizali"
        ),
        female=split_words(
            "Siti Noor Rahmah Halimah Aulia Fitriani Galuh Norhayati Masliani Rusmiati Mahrita Rabiatul "
            "Norlaila Hamidah Zulaikha Jamilah"
        ),
        male_last=split_words(
            "Rahman Arsyad Fahmi Ramadhan Effendi Basri Syarif Ansyari Jamaluddin Hidayatullah Rasyidi "
            "Noorhadi Fathurrahman Maulana Husaini Rifani"
        ),
        female_last=split_words(
            "Rahmawati Hasanah Maulida Noorhasanah Hayati Mahmudah Zahra Rahmi Fitria Noorjannah Hidayah "
            "Khairunnisa Ulfah"
        ),
    ),
    "bugis": NamePool(
        male=split_words(
            "Muhammad Syamsul Baharuddin Ambo Darwis Hasanuddin Sudirman Arman Irwan Saiful Sahrul Jumadi "
            "Nasrullah Amiruddin Akbar Haris Anwar Kaharuddin Rusli"
        ),
        female=split_words(
            "Nurhayati Hasnah Hasniati Sitti Rosmini Nurjannah Hartati Haslinda Murni Jumiati Nurul "
            "Musdalifah Hasmawati Irmawati Ratnawati Nurwahida"
        ),
        male_last=split_words(
            "Baso Mappiasse Mattalatta Syamsuddin Hamzah Latif Rauf Tahir Pallawa Rasyid Sulaiman Mustafa"
        ),
        female_last=split_words(
            "Tenriawaru Mardiana Wahida Hasriani Nurfadillah Hasnawati Sahriani Syamsiah Rahmatia Nurhidayah"
        ),
        male_titles=("Andi",),
        female_titles=("Andi",),
        title_rate=0.25,
    ),
    "dayak": NamePool(
        male=split_words(
            "Yohanes Agustinus Petrus Paulus Yosef Markus Stefanus Dominikus Kornelius Lukas Yakobus Simon "
            "Fransiskus Benediktus Martinus Hendrikus Ignasius Antonius"
        ),
        female=split_words(
            "Maria Lusia Yuliana Agustina Veronika Theresia Margaretha Katarina Elisabeth Marta Rosalia "
            "Paulina Natalia Fransiska Monika Helena"
        ),
        male_last=split_words(
            "Lawing Jalung Ping Uyang Ajang Bilung Lahang Anyeq Ibau Ngau Lejau Usat Irang Lenjau Apui Padan "
            "Lawai Balan Huvang Ding Tingang"
        ),
        female_last=split_words(
            "Lawing Jalung Ping Uyang Ajang Bilung Lahang Anyeq Ibau Ngau Lejau Usat Irang Lenjau Apui Padan "
            "Lawai Balan Huvang Ding Tingang"
        ),
    ),
    "tidung": NamePool(
        male=split_words(
            "Abdul Hamsyah Jamhari Zulkifli Irwansyah Arbain Ismail Mursalim Syaiful Ibrahim Yusran "
            "Muhammad Ardiansyah Rudiansyah Hasbi"
        ),
        female=split_words(
            "Siti Nurlaila Fatimah Rabiah Jamilah Aminah Salmah Halimah Rosnah Masitah Hadijah Nurbaya Asmah Zaleha"
        ),
        male_last=split_words("Ismail Ibrahim Abdullah Hasan Idris Yusuf Arifin Bakri Hamid Sulaiman Tahir Amir Saleh"),
        female_last=split_words("Aminah Hasanah Maryam Rahmah Zubaidah Kalsum Hafsah Ramlah Saleha Sahara"),
        male_titles=("Datu",),
        title_rate=0.1,
    ),
    "kutai": NamePool(
        male=split_words(
            "Rusdiansyah Hermansyah Syahrun Sofyan Jumansyah Syahrudin Junaidi Herman Rahmadi Saipul Masdar "
            "Ramli Idrus Darmawan"
        ),
        female=split_words(
            "Mariana Salmiah Masnah Rusmini Sumiati Nurul Rosita Jumiati Sarinah Aisyah Hamsiah Normah Asnah"
        ),
        male_last=split_words("Syahrani Ardiansyah Rusmadi Hamsyah Maulana Effendi Saputra Kesuma Hakim Rasyid Mahmud"),
        female_last=split_words("Syahrani Rahmah Nurhayati Mariani Kesuma Fitriani Hasanah Jannah"),
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
PHONE_PREFIXES = split_words(
    "0811 0812 0813 0821 0822 0823 0851 0852 0853 0814 0815 0816 0855 0856 0857 0858 0817 0818 0819 0859 "
    "0877 0878 0831 0838 0895 0896 0897 0898 0899 0881 0882 0888"
)


def phone_number(rng: random.Random) -> str:
    """`08xxxxxxxxxx`: 12 digits."""
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
