"""REST endpoints of the coverage app, mounted at /api/coverage/."""

from ninja import Router

router = Router(tags=["coverage"])
