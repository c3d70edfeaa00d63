"""Writing the demo: users, payers, then per regency its workers, memberships and status changes.

Everything after the users goes through the services, as the user who would do it in real life
(``Actor.of(user, channel="cli")``), so the rules, the history and the access log are exercised.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.db import transaction

from sijaga.accounts.actor import Actor
from sijaga.accounts.models import Role, User
from sijaga.accounts.services import create_user
from sijaga.demo.budget import generate_budgets
from sijaga.demo.coverage import ensure_coverage
from sijaga.demo.payers import PayerSpec, province_payer, regency_payers
from sijaga.demo.people import MAX_WORKERS_PER_REGENCY, plan_regency
from sijaga.demo.places import DEMO_PROVINCES, load_demo_regions
from sijaga.demo.users import DEMO_PASSWORD, UserSpec, user_specs, village_operator_village
from sijaga.enrollment import services as enrollment
from sijaga.enrollment.models import Membership, Payer
from sijaga.registry.models import Worker


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def _cli(user: User) -> Actor:
    """The demo is written from the command line, by the user who would do each step in real life."""
    return Actor.of(user, channel="cli")


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
            _cli(creator_for(spec)),
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
    """Create whatever demo data is missing; returns counts of what was created and what already existed."""
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
    from django.utils import timezone

    from sijaga.demo.contributions import ensure_projects

    with transaction.atomic():
        counts["projects_created"] = ensure_projects(_cli(coordinator), payers, timezone.localdate())

    officer_scope = _cli(officer).scope
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
                    _cli(enroller),
                    payer_id=payer.pk,
                    segment=plan.segment,
                    programmes=plan.programmes,
                    wage=plan.wage,
                    start_date=plan.start_date,
                    worker_data=plan.worker_data,
                    submission_key=plan.key,
                    confirm_double_funding=True,
                )
                counts["workers_created"] += 1
                counts["memberships_created"] += int(result.created)
                membership: Membership = result.membership
                for step in plan.steps:
                    membership = enrollment.change_status(
                        _cli(status_user),
                        membership,
                        step.to_status,
                        reason=step.reason,
                        end_reason=step.end_reason,
                        end_date=step.end_date,
                    )
                    counts["status_changes"] += 1
        created = counts["workers_created"] - before
        _write(stdout, f"  {regency.name}: {created} tenaga kerja baru, {len(regency_plans) - created} sudah ada")

    from sijaga.demo.benefits import ensure_benefits

    counts.update(ensure_benefits(coordinator))
    generate_budgets([p.code for p in provinces], stdout=stdout)

    ensure_coverage(stdout)

    from sijaga.demo.compliance import ensure_compliance

    counts.update(ensure_compliance())
    keys = (
        "benefit_cases_created",
        "benefit_cases_existing",
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
    _write(
        stdout, f"Kasus manfaat: {result['benefit_cases_created']} baru, {result['benefit_cases_existing']} sudah ada"
    )
    _write(stdout, f"Pengguna: {result['users_created']} baru, {result['users_existing']} sudah ada")
    _write(stdout, f"Pembayar iuran: {result['payers_created']} baru, {result['payers_existing']} sudah ada")
    _write(stdout, f"Tenaga kerja: {result['workers_created']} baru, {result['workers_existing']} sudah ada")
    _write(
        stdout,
        f"Kepesertaan: {result['memberships_created']} baru, {result['status_changes']} perubahan status",
    )
    return result
