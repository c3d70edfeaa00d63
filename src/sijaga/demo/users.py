"""The demo users, one login for every role, and the login table ``sijaga demo_data`` prints."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sijaga.accounts.models import Role, User
from sijaga.demo import SEED
from sijaga.demo.names import person_name
from sijaga.demo.people import WorkerPlan
from sijaga.demo.places import DEMO_PROVINCES, Regency, code_slug, load_demo_regions
from sijaga.regions.models import Kind, Region

#: The password of every demo login but the superuser (published in the README and printed by ``sijaga demo_data``).
DEMO_PASSWORD = "sijaga-demo-2026"  # noqa: S105 - a published demo password, never a real credential


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
            username = f"operator.{regency.slug}-{code_slug(regency.code)}"
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
