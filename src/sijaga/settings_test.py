"""Settings for the test suite (pytest's `DJANGO_SETTINGS_MODULE`, see pyproject.toml).

`sijaga.settings` fails closed: without configuration DEBUG is off, which means HTTPS redirects, secure cookies and
a required secret key. The suite talks plain HTTP to Django's test client and to a live server, so it runs the
development profile (`SIJAGA_DEBUG=1`) with a fixed throwaway key; pytest-django still sets DEBUG to False while the
tests run, so error pages and API errors are the production ones. Child processes that tests start inherit these
variables. Tests of the production profile start `python -m sijaga` with a clean environment instead
(`sijaga/core/tests/test_hardening.py`).
"""

import os
from pathlib import Path

os.environ["SIJAGA_DEBUG"] = "1"
os.environ.setdefault("SIJAGA_SECRET_KEY", "test-only-not-a-secret-" + "x" * 40)

from sijaga.settings import *  # noqa: F403

# Many tests open the public verification page from the same address; the limit has its own test.
VERIFY_RATE_LIMIT = 0

# SQLite: the test database is a file, as the demo's is (WAL, busy timeout), not a shared-cache in-memory database:
# the browser tests run the task worker beside the live server, and SQLite's shared cache answers concurrent
# connections with "database table is locked" at once instead of waiting, which the demo never sees.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile as _tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(_tempfile.gettempdir()) / f"sijaga-test-{os.getpid()}.sqlite3")
    }

# A second alias for the router's tests (sijaga/core/tests/test_db_router.py): the same test database, a mirror.
# Reads go there only when a test turns REPLICA_READS on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPLICA_READS = False
