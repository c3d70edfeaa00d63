"""Read replica routing: dashboards, exports and reports read from a streaming replica when one is configured.

`SIJAGA_REPLICA_URL` adds a `replica` database alias (settings.py). Reads go there only

* inside `replica_reads()` (a context manager and decorator that the export, dashboard and report code opts into:
  heavy reads that tolerate a few seconds of lag), and
* when nothing in the same request has written yet (read-your-writes: the router notes every `db_for_write`; a
  request that wrote reads from the primary for the rest of the request, and a browser whose last request wrote
  within `SIJAGA_REPLICA_MAX_LAG_SECONDS` carries a short-lived cookie that keeps it on the primary), and
* not inside an open transaction on the primary (a transaction reads its own state), and
* when the replica answers and its replay lag is within `SIJAGA_REPLICA_MAX_LAG_SECONDS` (checked at most every
  `HEALTH_TTL` seconds per process). A replica that is down or behind makes reads fall back to the primary: never an
  error page.

Writes, migrations and everything outside `replica_reads()` use the primary (`default`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
HEALTH_TTL = 5.0  # seconds between health checks of the replica, per process
PIN_COOKIE = "sijaga_primary"

_wants_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("sijaga_wants_replica", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("sijaga_wrote", default=False)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("sijaga_pinned", default=False)
_health: dict[str, tuple[float, bool]] = {}


def replica_configured() -> bool:
    return getattr(settings, "REPLICA_READS", False) and REPLICA in settings.DATABASES


def max_lag() -> float:
    return float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 30))


@contextmanager
def _replica_reads():
    token = _wants_replica.set(True)
    try:
        yield
    finally:
        _wants_replica.reset(token)


def replica_reads(fn=None):
    """`with replica_reads(): …` or `@replica_reads`: reads inside may be served by the replica."""
    if fn is None:
        return _replica_reads()

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _replica_reads():
            return fn(*args, **kwargs)

    return wrapper


def replica_lag(alias: str = REPLICA) -> float:
    """Seconds the replica's replay is behind (0 when it has replayed all it received, or is not a standby).

    Raises when the replica cannot be reached."""
    conn = connections[alias]
    with conn.cursor() as cur:
        if conn.vendor != "postgresql":
            cur.execute("SELECT 1")
            return 0.0
        cur.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
            "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        return float(cur.fetchone()[0])


def replica_healthy(*, now: float | None = None) -> bool:
    """Reachable and within the lag limit; cached for HEALTH_TTL seconds. Any error counts as unhealthy."""
    now = time.monotonic() if now is None else now
    cached = _health.get(REPLICA)
    if cached and now - cached[0] < HEALTH_TTL:
        return cached[1]
    try:
        lag = replica_lag()
        ok = lag <= max_lag()
        if not ok:
            log.warning("replica lags %.1f s (limit %.1f s): reading from the primary", lag, max_lag())
    except Exception as exc:  # any failure of the replica means: use the primary
        log.warning("replica unavailable (%s): reading from the primary", exc)
        ok = False
        with contextlib.suppress(Exception):  # closing a broken connection may fail as well
            connections[REPLICA].close()
    _health[REPLICA] = (now, ok)
    return ok


def forget_health() -> None:
    _health.clear()


def reset_request_state(*, pinned: bool = False) -> None:
    """Start of a request: nothing written yet; `pinned` when the browser wrote moments ago (cookie)."""
    _wrote.set(False)
    _pinned.set(pinned)


def _in_transaction() -> bool:
    """An `atomic()` block is open on the primary (not counting the ones Django's TestCase wraps each test in)."""
    return any(not getattr(a, "_from_testcase", False) for a in connections[PRIMARY].atomic_blocks)


def wrote() -> bool:
    return _wrote.get()


class ReplicaRouter:
    """Django database router (settings.DATABASE_ROUTERS): see the module docstring."""

    def db_for_read(self, model, **hints):
        if not _wants_replica.get() or not replica_configured():
            return PRIMARY
        if _wrote.get() or _pinned.get() or _in_transaction():
            return PRIMARY
        return REPLICA if replica_healthy() else PRIMARY

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db or PRIMARY, obj2._state.db or PRIMARY} <= {PRIMARY, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaPinMiddleware:
    """Per request: reset the routing state; after a write, pin this browser to the primary for the lag limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reset_request_state(pinned=PIN_COOKIE in request.COOKIES)
        response = self.get_response(request)
        if wrote() and replica_configured():
            response.set_cookie(PIN_COOKIE, "1", max_age=max(1, int(max_lag())), httponly=True, samesite="Lax",
                                secure=request.is_secure())  # fmt: skip
        return response
