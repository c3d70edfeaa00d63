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
            "sqlite:///<SIJAGA_DATA_DIR>/sijaga.sqlite3",
            "Database URL. PostgreSQL (`postgresql://user@host:5432/db`) in production; SQLite by default.",
        ),
        EnvSetting(
            "SIJAGA_SECRET_KEY",
            "(random development key when DEBUG is on)",
            "Django secret key. Required when DEBUG is off: without it the WSGI application refuses to start.",
        ),
        EnvSetting(
            "SIJAGA_DEBUG",
            "0",
            "`1` for development (debug pages, plain HTTP, no HSTS), `0` (the default) in production. "
            "`make demo` sets `1`.",
        ),
        EnvSetting("SIJAGA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver", "Comma-separated host names served."),
        EnvSetting(
            "SIJAGA_DATA_DIR",
            "`var` in the current directory",
            "Folder for the SQLite file, uploads, generated reports and collected static files. "
            "A relative path is taken from the current directory; never the folder of the installed package.",
        ),
        EnvSetting(
            "SIJAGA_VAR_DIR",
            "(unset)",
            "Deprecated alias of `SIJAGA_DATA_DIR`, read only when `SIJAGA_DATA_DIR` is unset (a system check warns).",
        ),
        EnvSetting(
            "SIJAGA_PUBLIC_URL",
            "(derived from the request; `http://127.0.0.1:8000` outside a request)",
            "Base URL printed in QR codes of membership cards (the public verification page). "
            "Set it in production: a system check warns when DEBUG is off and it is unset.",
        ),
        EnvSetting(
            "SIJAGA_PROXY_SSL_HEADER",
            "0",
            "`1` behind a TLS-terminating proxy that sets `X-Forwarded-Proto: https` (and strips it from clients): "
            "Django then treats such requests as HTTPS (`SECURE_PROXY_SSL_HEADER`).",
        ),
        EnvSetting(
            "SIJAGA_PROXY_COUNT",
            "0",
            "Number of reverse proxies in front of SiJaga that append to `X-Forwarded-For`. "
            "The client address used for login lockout and rate limits is the one this many entries from the right; "
            "`0` uses the socket address.",
        ),
        EnvSetting(
            "SIJAGA_CSRF_TRUSTED_ORIGINS",
            "(the origin of `SIJAGA_PUBLIC_URL`, when set)",
            "Comma-separated origins (`https://sijaga.example.go.id`) trusted for form and API posts "
            "(`CSRF_TRUSTED_ORIGINS`).",
        ),
        EnvSetting(
            "SIJAGA_SSL_REDIRECT",
            "`1` when DEBUG is off, else `0`",
            "Redirect plain-HTTP requests to HTTPS (`SECURE_SSL_REDIRECT`); `/sehat/` is exempt for health checks.",
        ),
        EnvSetting(
            "SIJAGA_HSTS_SECONDS",
            "`31536000` when DEBUG is off, else `0`",
            "`Strict-Transport-Security` max-age in seconds on HTTPS responses; `0` sends no HSTS header.",
        ),
        EnvSetting(
            "SIJAGA_HSTS_INCLUDE_SUBDOMAINS",
            "`1` when DEBUG is off, else `0`",
            "Add `includeSubDomains` to the HSTS header.",
        ),
        EnvSetting(
            "SIJAGA_HSTS_PRELOAD",
            "0",
            "Add `preload` to the HSTS header. Preloading is decided by the owner of the registrable domain, "
            "so the deploy check `security.W021` is silenced.",
        ),
        EnvSetting(
            "SIJAGA_SESSION_IDLE_MINUTES",
            "30",
            "A login ends after this many minutes without a request, and when the browser closes.",
        ),
        EnvSetting(
            "SIJAGA_LOGIN_FAILURE_LIMIT",
            "5",
            "Failed logins for one username from one client address before that pair is locked out (django-axes).",
        ),
        EnvSetting(
            "SIJAGA_LOGIN_COOLOFF_MINUTES",
            "15",
            "How long a locked-out username and address pair stays locked.",
        ),
        EnvSetting(
            "SIJAGA_VERIFY_RATE_LIMIT",
            "30",
            "Requests per minute one client address may make to the public verification pages "
            "(`/v/…` and `/api/verify/…`) before getting 429; `0` turns the limit off. "
            "Counted in the process's cache, so per server process.",
        ),
        EnvSetting(
            "SIJAGA_MAX_UPLOAD_MB",
            "200",
            "Largest uploaded file, in MB: an upload is aborted (413) as soon as it grows past this.",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_FAULT",
            "(unset)",
            "Crash injection for the kill-and-rerun tests only: `after_stage`, `after_workers` or `after_memberships` "
            "makes `import_enrollment` kill itself at that point of the merge. Never set it in production.",
        ),
        EnvSetting(
            "SIJAGA_REPLICA_URL",
            "(unset: every read on the primary)",
            "URL of a PostgreSQL streaming replica (`postgresql://user@replica:5432/db`). Exports, dashboards and "
            "reports read from it (`sijaga.core.db_router`); writes, and reads of a request or browser that has "
            "just written, stay on the primary. See docs/scaling.md.",
        ),
        EnvSetting(
            "SIJAGA_REPLICA_MAX_LAG_SECONDS",
            "30",
            "Replay lag beyond which reads fall back from the replica to the primary (also when the replica is "
            "down); also how long a browser that wrote keeps reading from the primary.",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_STALL_MINUTES",
            "10",
            "Minutes without a heartbeat after which a running import is shown as stalled (terhenti) and re-queued "
            "once by the task worker.",
        ),
        EnvSetting(
            "SIJAGA_REPORT_STALL_MINUTES",
            "30",
            "Minutes without progress after which a six-monthly report being generated is marked failed (its task "
            "worker died); a coordinator can then generate it again. Checked whenever the task worker starts a task "
            "and whenever the report's page is opened.",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_SET_BASED_FK",
            "1",
            "PostgreSQL: the enrolment import and the monthly bill run check their foreign keys once, set-based, "
            "and write with `session_replication_role = replica` instead of one RI trigger call per row (−15 to "
            "−20 s per 1M imported rows; the bill run's COMMIT of 1M lines: 38 s → 0). "
            "Used only when the database role is superuser or was given `GRANT SET ON PARAMETER "
            "session_replication_role` (PostgreSQL 15+), and the merged tables have no other trigger; otherwise, or "
            "with `0`, the import writes with the triggers. See docs/scaling.md.",
        ),
        EnvSetting(
            "SIJAGA_IMPORT_RETENTION_DAYS",
            "90",
            "Days the uploaded files and result workbooks of finished imports are kept; `purge_imports` deletes "
            "older ones (the batch record stays, marked as purged).",
        ),
        EnvSetting(
            "SIJAGA_ACCESS_LOG_RETENTION_MONTHS",
            "24",
            "Months the access log (who read which personal data) is kept; `partitions`, run monthly, drops older "
            "months (whole partitions on PostgreSQL) and creates the coming ones. `0` keeps everything.",
        ),
        EnvSetting(
            "SIJAGA_MEMBERSHIP_EVENT_RETENTION_MONTHS",
            "0",
            "Months the membership history (creation, status and terms changes) is kept; `partitions`, run monthly, "
            "drops older months. `0` (the default) keeps it for ever: the history is the evidence of who registered, "
            "moved or ended a membership and why, for as long as the membership matters.",
        ),
        EnvSetting(
            "SIJAGA_WORKER_CHANGE_RETENTION_MONTHS",
            "0",
            "Months the worker history (who changed a worker's data, with before/after values) is kept; `partitions` "
            "drops older months. `0` (the default) keeps it for ever (evidence).",
        ),
        EnvSetting(
            "SIJAGA_ARREARS_MONTHS",
            "3",
            "Months of unpaid bills after which a membership becomes Nonaktif (menunggak); paying back below this "
            "makes it Aktif again.",
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


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number at least `minimum`; a malformed value stops the process with the variable's name."""
    value = env(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list, blanks dropped."""
    value = env(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
