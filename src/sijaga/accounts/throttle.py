"""A small per-actor rate limit on look-ups that could be used to enumerate people (NIK checks: security review F9).

Counts live in Django's cache (per process with the default local-memory cache; shared with a shared cache backend).
"""

from __future__ import annotations

import time

from django.core.cache import cache


class Throttled(Exception):
    """Too many look-ups in the window; answered 429 by every channel."""


def throttle(key: str, *, limit: int, window_seconds: int) -> None:
    bucket = f"sijaga-throttle:{key}:{int(time.time() // window_seconds)}"
    if cache.add(bucket, 1, timeout=window_seconds):
        return
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_seconds)
        return
    if count > limit:
        raise Throttled(key)
