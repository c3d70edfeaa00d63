"""REST endpoints of the compliance app, mounted at /api/compliance/."""

from ninja import Router

router = Router(tags=["compliance"])
