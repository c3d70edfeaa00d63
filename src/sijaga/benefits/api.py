"""REST endpoints of the benefits app, mounted at /api/benefits/."""

from ninja import Router

router = Router(tags=["benefits"])
