"""Every environment variable SiJaga reads, declared once.

`settings.py` reads configuration only through `env()`, and `docs/settings.md` documents exactly the variables
declared here (a test fails when the two disagree), so operators have one place to look.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvSetting:
    name: str
    default: str
    help: str


ENV_SETTINGS: dict[str, EnvSetting] = {
    s.name: s
    for s in [
        EnvSetting(
            "DATABASE_URL",
            "sqlite:///<repo>/var/sijaga.sqlite3",
            "Database URL. PostgreSQL (`postgresql://user@host:5432/db`) in production; SQLite by default.",
        ),
        EnvSetting("SIJAGA_SECRET_KEY", "(random development key)", "Django secret key. Required when DEBUG is off."),
        EnvSetting("SIJAGA_DEBUG", "1", "`1` for development (debug pages), `0` in production."),
        EnvSetting("SIJAGA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver", "Comma-separated host names served."),
        EnvSetting("SIJAGA_VAR_DIR", "<repo>/var", "Folder for the SQLite file, uploads and generated reports."),
        EnvSetting(
            "SIJAGA_PUBLIC_URL",
            "http://127.0.0.1:8000",
            "Base URL printed in QR codes of membership cards (the public verification page).",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_FAULT",
            "(unset)",
            "Crash injection for the kill-and-rerun tests only: `after_stage`, `after_workers` or `after_memberships` "
            "makes `import_enrollment` kill itself at that point of the merge.",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_STALL_MINUTES",
            "10",
            "Minutes without a heartbeat after which a running import is shown as stalled (terhenti) and re-queued "
            "once by the task worker.",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_RETENTION_DAYS",
            "90",
            "Days the uploaded files and result workbooks of finished imports are kept; `purge_imports` deletes "
            "older ones (the batch record stays, marked as purged).",
        ),
        EnvSetting(
            "SIJAGA_TASKS_IMMEDIATE",
            "0",
            "`1` runs background tasks inline (tests, demo without a worker); "
            "`0` queues them in the database for `sijaga db_worker`.",
        ),
    ]
}


def env(name: str) -> str | None:
    """Value of a declared variable, or None when unset (callers apply the documented default)."""
    if name not in ENV_SETTINGS:
        raise KeyError(f"{name} is not declared in sijaga.config.ENV_SETTINGS")
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_flag(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}
