"""Demo construction projects (Jakon), written through `enrollment.services.register_project`: one per regency
government payer, one of them registered late (the warning shows on the project page). Idempotent: a project of the
same name and payer is not registered again."""

from __future__ import annotations

import datetime as dt

from sijaga.accounts.actor import Actor
from sijaga.enrollment import services as enrollment
from sijaga.enrollment.models import ConstructionProject, Payer

CONTRACTS = (750_000_000, 2_400_000_000, 180_000_000, 6_500_000_000)


def ensure_projects(actor: Actor, payers: dict[str, Payer], today: dt.date) -> int:
    """Register the demo projects that are missing; returns how many were registered."""
    created = 0
    regency_payers = sorted((p for p in payers.values() if p.kind == "pemkab"), key=lambda p: p.code)
    for i, payer in enumerate(regency_payers):
        name = f"Rehabilitasi jalan lingkungan {payer.region.name}"
        if ConstructionProject.objects.filter(payer=payer, name=name).exists():
            continue
        work_order = today - dt.timedelta(days=30 + 7 * i)
        late = i % 4 == 3
        enrollment.register_project(
            actor,
            {
                "payer_id": payer.pk,
                "name": name,
                "contract_value": CONTRACTS[i % len(CONTRACTS)],
                "work_order_date": work_order,
                "start_date": work_order + dt.timedelta(days=7),
                "end_date": work_order + dt.timedelta(days=180),
                "registered_on": work_order + dt.timedelta(days=30 if late else 5),
            },
        )
        created += 1
    return created
