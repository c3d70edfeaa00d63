"""REST endpoints of the budget app, mounted at /api/budget/."""

from ninja import Router

router = Router(tags=["budget"])
