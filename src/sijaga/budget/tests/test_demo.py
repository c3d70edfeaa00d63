"""The demo budgets: some regencies budgeted in full, some below the need, some not at all; idempotent."""

import pytest

from sijaga.accounts.actor import Actor
from sijaga.budget import selectors
from sijaga.contributions.services import load_rates
from sijaga.demo.budget import generate_budgets

pytestmark = pytest.mark.django_db


def test_demo_budgets_show_every_list(world):
    load_rates(Actor.system("cli"))
    counts = generate_budgets(["64"], year=2027)
    assert counts["plans"] >= 5 and counts["allocations"] == counts["plans"] and counts["villages"] > 0
    rows = [r for r in selectors.budget_status(world.users["coordinator"], 2027, parent="64") if r.level == 2]
    assert any(not r.has_allocation for r in rows)  # belum menganggarkan
    assert any(r.below_need for r in rows)  # adopted less than the priced need
    assert any(r.has_allocation and not r.below_need for r in rows)
    again = generate_budgets(["64"], year=2027)
    assert again["plans"] == 0 and again["skipped"] == counts["plans"]
