"""The demo's entry point: create whatever demo data is missing, and list the demo logins.

``sijaga demo_data`` calls these; the work is done in :mod:`sijaga.demo.write` and the modules it imports.
"""

from __future__ import annotations

from sijaga.demo.people import MAX_WORKERS_PER_REGENCY
from sijaga.demo.places import RegionsNotLoaded
from sijaga.demo.users import DEMO_PASSWORD, demo_logins, format_logins
from sijaga.demo.write import Writer, generate_demo

__all__ = [
    "DEMO_PASSWORD",
    "MAX_WORKERS_PER_REGENCY",
    "RegionsNotLoaded",
    "generate",
    "login_table",
]


def generate(
    *, workers_per_regency: int = 25, stdout: Writer | None = None, new_passwords: dict[str, str] | None = None
) -> dict[str, int]:
    """Create whatever demo data is missing (idempotent); returns counts of what was created and what existed.
    The random password of a superuser created now is put in `new_passwords` (username: password).

    Raises `RegionsNotLoaded` when the official region hierarchy has not been loaded.
    """
    return generate_demo(workers_per_regency=workers_per_regency, stdout=stdout, new_passwords=new_passwords)


def login_table() -> str:
    """The demo logins as they are in the database now, as a plain-text table."""
    return format_logins(demo_logins())
