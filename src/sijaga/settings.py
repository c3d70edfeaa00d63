"""Django settings for SiJaga. Configuration comes only from the environment: see `sijaga.config`.

Fail closed: without configuration DEBUG is off and the production hardening (HSTS, HTTPS redirect, secure cookies)
is on. `make demo` turns DEBUG on explicitly; the test suite uses `sijaga.settings_test`. See docs/deployment.md.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.management.utils import get_random_secret_key

from sijaga.config import env, env_flag, env_int, env_list

PACKAGE_DIR = Path(__file__).resolve().parent

# Data (SQLite file, uploads, reports, collected static files) lives where the operator says, by default in `var/`
# under the current directory: never beside the installed package, which is read-only site-packages in production.
DATA_DIR = Path(env("SIJAGA_DATA_DIR") or env("SIJAGA_VAR_DIR") or "var").expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
VAR_DIR = DATA_DIR  # the name the code reads

DEBUG = env_flag("SIJAGA_DEBUG", default=False)
# Without a key and with DEBUG off, SECRET_KEY stays empty: commands that sign nothing (migrate, check,
# makemigrations) still run, Django refuses anything that signs, and `sijaga.wsgi` refuses to start.
SECRET_KEY = env("SIJAGA_SECRET_KEY") or ("dev-insecure-" + get_random_secret_key() if DEBUG else "")
ALLOWED_HOSTS = env_list("SIJAGA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
# PUBLIC_URL is always usable (configured, or the development address); `sijaga.core.public_url.public_base_url`
# prefers the host a request was served on when nothing is configured.
PUBLIC_URL_CONFIGURED = env("SIJAGA_PUBLIC_URL") is not None
PUBLIC_URL = (env("SIJAGA_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files (no CDN: offline networks)
    "django_tasks_db",
    "axes",
    "csp",
    "sijaga.core",
    "sijaga.regions",
    "sijaga.accounts",
    "sijaga.registry",
    "sijaga.enrollment",
    "sijaga.imports",
    "sijaga.contributions",
    "sijaga.benefits",
    "sijaga.budget",
    "sijaga.coverage",
    "sijaga.compliance",
    "sijaga.demo",
    "sijaga.portal",
]
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sijaga.core.middleware.RejectNulMiddleware",
    "sijaga.core.middleware.PublicVerificationMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sijaga.core.middleware.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sijaga.accounts.middleware.ActorMiddleware",
    "sijaga.core.db_router.ReplicaPinMiddleware",
    "sijaga.core.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "sijaga.urls"
WSGI_APPLICATION = "sijaga.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sijaga.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the task worker share the embedded file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Scale-out: a streaming replica for exports, dashboards and reports (docs/scaling.md). The router sends only the
# reads inside `sijaga.core.db_router.replica_reads()` there, and falls back to the primary when it is down or lags.
REPLICA_READS = bool(env("SIJAGA_REPLICA_URL"))
REPLICA_MAX_LAG_SECONDS = float(env("SIJAGA_REPLICA_MAX_LAG_SECONDS") or 30)
if REPLICA_READS:
    DATABASES["replica"] = dj_database_url.parse(env("SIJAGA_REPLICA_URL"), conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["sijaga.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Bulk imports: a batch with no heartbeat for this long is shown as stalled and re-queued; stored uploads and reports
# of finished batches are deleted after the retention period by `sijaga purge_imports` (security review F2, F23).
IMPORT_STALL_MINUTES = int(env("SIJAGA_IMPORT_STALL_MINUTES") or 10)
# The six-monthly report: a running report with no progress for this long is marked failed (and may be retried).
REPORT_STALL_MINUTES = env_int("SIJAGA_REPORT_STALL_MINUTES", 30)
# PostgreSQL bulk merge: set-based FK checks without per-row RI triggers when the role may (sijaga.core.fkcheck).
IMPORT_SET_BASED_FK = env_flag("SIJAGA_IMPORT_SET_BASED_FK", True)
# Contributions: months of unpaid bills after which a membership becomes inactive (menunggak).
ARREARS_MONTHS = int(env("SIJAGA_ARREARS_MONTHS") or 3)
IMPORT_RETENTION_DAYS = int(env("SIJAGA_IMPORT_RETENTION_DAYS") or 90)
# Retention of the monthly-partitioned logs: `sijaga partitions` drops older months (sijaga.core.partitions).
ACCESS_LOG_RETENTION_MONTHS = env_int("SIJAGA_ACCESS_LOG_RETENTION_MONTHS", 24)
# The membership and worker histories are evidence: 0 keeps them for ever.
MEMBERSHIP_EVENT_RETENTION_MONTHS = env_int("SIJAGA_MEMBERSHIP_EVENT_RETENTION_MONTHS", 0)
WORKER_CHANGE_RETENTION_MONTHS = env_int("SIJAGA_WORKER_CHANGE_RETENTION_MONTHS", 0)

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_flag("SIJAGA_TASKS_IMMEDIATE", default=False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "sijaga.core.auth.LoginThrottleBackend",  # django-axes: refuses a locked-out username and address pair
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("SIJAGA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIJAGA_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
# Per username and address: an office behind one NAT address is not locked out by one person's typos.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "sijaga.core.net.client_ip"
AXES_LOCKOUT_CALLABLE = "sijaga.core.auth.lockout_response"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_UPLOAD_MB = env_int("SIJAGA_MAX_UPLOAD_MB", 200, minimum=1)
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "sijaga.core.uploads.SizeLimitUploadHandler",  # aborts with 413 once a file grows past MAX_UPLOAD_BYTES
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# API lists: `@paginate` uses SiJaga's bounded limit/offset pagination.
NINJA_PAGINATION_CLASS = "sijaga.core.pagination.BoundedLimitOffsetPagination"
NINJA_PAGINATION_MAX_LIMIT = 500

# --- HTTPS, cookies, headers (production defaults whenever DEBUG is off) --------------------------------------------
if env_flag("SIJAGA_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
PROXY_COUNT = env_int("SIJAGA_PROXY_COUNT", 0)
CSRF_TRUSTED_ORIGINS = env_list(
    "SIJAGA_CSRF_TRUSTED_ORIGINS",
    ["{0.scheme}://{0.netloc}".format(urlsplit(PUBLIC_URL))] if PUBLIC_URL_CONFIGURED else [],
)
SECURE_SSL_REDIRECT = env_flag("SIJAGA_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^sehat/$"]  # load-balancer health checks may speak plain HTTP
SECURE_HSTS_SECONDS = env_int("SIJAGA_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SIJAGA_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_flag("SIJAGA_HSTS_PRELOAD", default=False)
# Preload-list submission is the registrable domain owner's decision (hstspreload.org), not one host's setting.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; kept readable as before
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

# Sessions end after SESSION_IDLE_MINUTES without a request (every request renews the expiry) and at browser close.
SESSION_COOKIE_AGE = env_int("SIJAGA_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy (django-csp 4). Scripts: our own static files, or inline ones carrying the per-request nonce
# (`<script nonce="{{ request.csp_nonce }}">`). Styles allow 'unsafe-inline' because htmx 2 injects its indicator
# <style> element at load, and the import progress bar and Swagger UI set `style=` attributes; inline styles cannot
# run code, so this does not reopen script injection. Images allow data: for the QR code on the membership card.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Public verification (/v/…, /api/verify/…): requests per minute per client address; 0 turns the limit off.
VERIFY_RATE_LIMIT = env_int("SIJAGA_VERIFY_RATE_LIMIT", 30)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sijaga"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"sijaga": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
