"""Bounded list windows for the API: every list is cut in SQL (LIMIT/OFFSET), never in Python (security review F5).

The response shape is ninja's limit/offset one (`items`, `count`), so clients see one convention everywhere.
"""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query, Schema

MAX_LIMIT = 500
MAX_OFFSET = 10**9


class Window(Schema):
    limit: int = Query(50, ge=1, description=f"at most {MAX_LIMIT}; larger values are capped")
    offset: int = Query(0, ge=0, le=MAX_OFFSET)


def window(qs: QuerySet, w: Window) -> tuple[list, int]:
    """(the rows of this window, the total count): two bounded queries; `limit` is capped at MAX_LIMIT."""
    limit = min(w.limit, MAX_LIMIT)
    return list(qs[w.offset : w.offset + limit]), qs.count()
