"""Bounded limit/offset pagination for every `@paginate` API list (settings.NINJA_PAGINATION_CLASS)."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10**9  # far past any real list, far below the 64-bit integer a database can take


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`limit` defaults to 50 and is capped at 500 (a larger one is served as 500); an `offset` past 10⁹ is a 422
    like any other invalid parameter, instead of a database integer overflow (500)."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, description=f"Number of items, at most {MAX_LIMIT}.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Number of items to skip.")

    def __init__(self, max_limit: int = MAX_LIMIT, **kwargs: Any) -> None:
        super().__init__(max_limit=min(max_limit, MAX_LIMIT), **kwargs)
