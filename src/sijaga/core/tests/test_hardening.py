"""Regression tests for the security review (shared/reviews/security-review.md), one or more per finding, named
after it: F10 login throttling and the demo guard, F12 fail-closed DEBUG, F15 production settings, F16 malformed
input, F17 public verification, F18 headers and session, F19 password policy, F22 upload size; plus the data folder,
the public URL, the language default, error pages and the password change page.

Settings that are computed when `sijaga.settings` is imported (DEBUG and what follows from it) are tested in a child
process with a clean environment, as a server would start; everything else in-process with the test client.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.template import loader
from django.test import Client, RequestFactory

import sijaga
from sijaga.accounts.services import create_user
from sijaga.conftest import PASSWORD
from sijaga.core import views as core_views

SRC = Path(sijaga.__file__).resolve().parents[1]
REPO = SRC.parent
NUL_URLS = ["/v/abc%00/", "/api/verify/abc%00", "/api/regions/search?q=%00", "/wilayah/cari/?q=ab%00"]


# --- helpers -------------------------------------------------------------------------------------------------------


def clean_env(**variables: str) -> dict[str, str]:
    """What a server starts with: no SIJAGA_* or DJANGO_* variables but the given ones."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC), "LANG": "C.UTF-8"}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env | variables


def child_settings(cwd: Path, names: list[str], **variables: str) -> dict:
    """`sijaga.settings` as imported by a fresh process in `cwd` with only `variables` set."""
    code = (
        "import json, sys; import sijaga.settings as s; "
        "print(json.dumps({n: getattr(s, n, None) for n in sys.argv[1:]}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=cwd,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_sijaga(cwd: Path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sijaga", *args],
        cwd=cwd,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def documented_production_env(data_dir: Path) -> dict[str, str]:
    """The `<!-- production-env -->` block of docs/deployment.md, placeholders filled in."""
    doc = (REPO / "docs" / "deployment.md").read_text()
    block = re.search(r"<!-- production-env -->\s*```sh\n(.*?)```", doc, flags=re.S)
    assert block, "docs/deployment.md lost its production-env block"
    env = {}
    for line in block[1].splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            env[name.strip()] = value.strip()
    env["SIJAGA_SECRET_KEY"] = secrets.token_urlsafe(64)
    env["DATABASE_URL"] = re.sub(r"<[^>]*>", "unused", env["DATABASE_URL"])
    env["SIJAGA_DATA_DIR"] = str(data_dir)  # the documented /var/lib/sijaga is not ours to create
    assert not any("<" in v for v in env.values()), env
    return env


def csrf_client(user=None) -> Client:
    """A client that enforces CSRF like a browser, with a token cookie and header ready."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    token = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    client.cookies["csrftoken"] = token
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


# --- F12: DEBUG fails closed ----------------------------------------------------------------------------------------


def test_f12_debug_defaults_off(tmp_path):
    s = child_settings(tmp_path, ["DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"])
    assert s == {"DEBUG": False, "SECRET_KEY": "", "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True}
    assert child_settings(tmp_path, ["DEBUG"], SIJAGA_DEBUG="1")["DEBUG"] is True


def test_f12_wsgi_refuses_to_start_without_a_secret_key(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import sijaga.wsgi"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert done.returncode != 0 and "SIJAGA_SECRET_KEY must be set" in done.stderr


def test_f12_make_demo_and_its_worker_turn_debug_on():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^demo: export SIJAGA_DEBUG = 1$", makefile, flags=re.M)  # exported: db_worker inherits it


def test_f12_public_endpoints_never_show_a_traceback(db, monkeypatch, settings):
    from sijaga.enrollment import services

    settings.DEBUG = False

    def broken(token):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "public_verification", broken)
    client = Client(raise_request_exception=False)
    page = client.get("/v/abcdefghijklmnopqrstuvwx/")
    assert page.status_code == 500
    text = page.content.decode()
    assert "Terjadi kesalahan" in text and "Traceback" not in text and "secret internals" not in text
    api = client.get("/api/verify/abcdefghijklmnopqrstuvwx")
    assert api.status_code == 500 and api["Content-Type"].startswith("application/json")
    assert "secret internals" not in api.content.decode() and "Traceback" not in api.content.decode()
    for url in NUL_URLS[:2]:  # the review's examples: a NUL byte in the public URLs gave a debug page
        assert client.get(url).status_code == 400


# --- the data folder ------------------------------------------------------------------------------------------------


def test_data_dir_defaults_to_var_in_the_current_directory(tmp_path):
    s = child_settings(tmp_path, ["VAR_DIR", "DATA_DIR", "DATABASES", "STATIC_ROOT"])
    assert s["VAR_DIR"] == s["DATA_DIR"] == str(tmp_path.resolve() / "var")
    assert (tmp_path / "var").is_dir()
    assert s["DATABASES"]["default"]["NAME"] == str(tmp_path.resolve() / "var" / "sijaga.sqlite3")
    assert s["STATIC_ROOT"] == str(tmp_path.resolve() / "var" / "static")
    assert not str(s["VAR_DIR"]).startswith(str(SRC))  # never beside the package


def test_data_dir_from_sijaga_data_dir_and_the_deprecated_alias(tmp_path):
    assert child_settings(tmp_path, ["VAR_DIR"], SIJAGA_DATA_DIR="d")["VAR_DIR"] == str(tmp_path.resolve() / "d")
    old = tmp_path / "old"
    assert child_settings(tmp_path, ["VAR_DIR"], SIJAGA_VAR_DIR=str(old))["VAR_DIR"] == str(old)
    both = child_settings(tmp_path, ["VAR_DIR"], SIJAGA_DATA_DIR=str(tmp_path / "new"), SIJAGA_VAR_DIR=str(old))
    assert both["VAR_DIR"] == str(tmp_path / "new")
    done = run_sijaga(tmp_path, "check", SIJAGA_DEBUG="1", SIJAGA_VAR_DIR=str(old))
    assert "sijaga.W002" in done.stderr + done.stdout


# --- the public URL -------------------------------------------------------------------------------------------------


def test_public_base_url_prefers_the_setting_then_the_request_then_the_default(settings):
    from sijaga.core.public_url import public_base_url

    settings.ALLOWED_HOSTS = ["sijaga.demo.test"]
    request = RequestFactory().get("/", HTTP_HOST="sijaga.demo.test:8123")
    settings.PUBLIC_URL_CONFIGURED = False
    assert public_base_url(request) == "http://sijaga.demo.test:8123"
    assert public_base_url() == "http://127.0.0.1:8000"
    settings.PUBLIC_URL_CONFIGURED, settings.PUBLIC_URL = True, "https://sijaga.example.go.id/"
    assert public_base_url(request) == public_base_url() == "https://sijaga.example.go.id"


def test_public_url_check_warns_when_debug_is_off_and_no_url_is_set(settings):
    from django.core.checks import run_checks

    settings.DEBUG, settings.PUBLIC_URL_CONFIGURED = False, False
    assert [m.id for m in run_checks() if m.id == "sijaga.W001"] == ["sijaga.W001"]
    settings.PUBLIC_URL_CONFIGURED = True
    assert not [m for m in run_checks() if m.id == "sijaga.W001"]
    settings.DEBUG, settings.PUBLIC_URL_CONFIGURED = True, False
    assert not [m for m in run_checks() if m.id == "sijaga.W001"]


# --- F15: production hardening through documented variables ---------------------------------------------------------


def test_f15_check_deploy_passes_with_the_documented_production_variables(tmp_path):
    done = run_sijaga(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **documented_production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr


def test_f15_proxy_origins_hsts_and_redirect_come_from_the_environment(tmp_path):
    names = [
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        "CSRF_COOKIE_SECURE",
        "PROXY_COUNT",
    ]
    production = child_settings(tmp_path, names, SIJAGA_PUBLIC_URL="https://sijaga.example.go.id/kartu")
    assert production == {
        "SECURE_PROXY_SSL_HEADER": None,
        "CSRF_TRUSTED_ORIGINS": ["https://sijaga.example.go.id"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": True,
        "CSRF_COOKIE_SECURE": True,
        "PROXY_COUNT": 0,
    }
    configured = child_settings(
        tmp_path,
        names,
        SIJAGA_PROXY_SSL_HEADER="1",
        SIJAGA_CSRF_TRUSTED_ORIGINS="https://a.example.go.id, https://b.example.go.id",
        SIJAGA_HSTS_SECONDS="600",
        SIJAGA_HSTS_INCLUDE_SUBDOMAINS="0",
        SIJAGA_HSTS_PRELOAD="1",
        SIJAGA_SSL_REDIRECT="0",
        SIJAGA_PROXY_COUNT="2",
    )
    assert configured == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://a.example.go.id", "https://b.example.go.id"],
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": False,
        "CSRF_COOKIE_SECURE": True,
        "PROXY_COUNT": 2,
    }
    development = child_settings(tmp_path, names, SIJAGA_DEBUG="1")
    assert development["SECURE_HSTS_SECONDS"] == 0 and development["SECURE_SSL_REDIRECT"] is False
    assert development["CSRF_COOKIE_SECURE"] is False


def test_f15_login_post_behind_a_tls_proxy_passes_the_csrf_origin_check(world, settings):
    """The review's case: the browser sends `Origin: https://host` while Django, behind the proxy, sees HTTP."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "testserver"}  # what the proxy passes on
    client = Client(enforce_csrf_checks=True)
    token = client.get("/akun/login/", **proxied).context["csrf_token"]
    response = client.post(
        "/akun/login/",
        {"username": "op.balikpapan", "password": PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://testserver",
        **proxied,
    )
    assert response.status_code == 302, response.status_code
    assert response.wsgi_request.user.is_authenticated


def test_f15_gunicorn_is_the_prod_extra_and_the_deployment_is_documented():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^prod = \[\n  "gunicorn[^"]*",\n\]', pyproject, flags=re.M)
    doc = (REPO / "docs" / "deployment.md").read_text()
    for needle in ("gunicorn sijaga.wsgi:application", "SIJAGA_DEBUG=0", "db_worker", "postgresql://", "UMask=0077"):
        assert needle in doc, needle


# --- F16: malformed input gives 400/422, never 500 -----------------------------------------------------------------


@pytest.mark.django_db
def test_f16_nul_byte_in_path_or_query_is_a_400(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["regency_operator"])
    urls = [*NUL_URLS, "/pekerja/?q=%00", "/pekerja/?region=64%00", "/api/workers/?q=%00", "/pekerja/ekspor.xlsx?q=%00"]
    urls += ["/api/memberships/?status=%00", "/pekerja/pilih-domisili/?domicile_q=ab%00"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 400, url
        text = response.content.decode()
        assert "karakter NUL" in text, url
        if url.startswith("/api/"):
            assert response.json()["detail"], url


def test_f16_multipart_without_boundary_is_a_400_on_api_posts(world, settings):
    client = csrf_client(world.users["regency_operator"])
    for debug in (False, True):  # ninja answers unhandled errors itself when DEBUG is on
        settings.DEBUG = debug
        for url in ("/api/workers/", "/api/payers/", "/api/memberships/", "/api/imports/"):
            response = client.post(url, data=b"x", content_type="multipart/form-data")
            assert response.status_code == 400, (url, debug, response.content[:200])
            assert response.json()["detail"]
    settings.DEBUG = False
    web = csrf_client(world.users["regency_operator"]).post(
        "/akun/login/", data=b"x", content_type="multipart/form-data"
    )
    assert web.status_code == 400


@pytest.mark.django_db
def test_f16_pagination_is_bounded(client, settings):
    from ninja.pagination import LimitOffsetPagination

    from sijaga.core.pagination import BoundedLimitOffsetPagination

    assert settings.NINJA_PAGINATION_CLASS == "sijaga.core.pagination.BoundedLimitOffsetPagination"
    assert settings.NINJA_PAGINATION_MAX_LIMIT == 500
    assert issubclass(BoundedLimitOffsetPagination, LimitOffsetPagination)
    for offset in ("114409818061362626560", str(10**9 + 1), "-1"):
        response = client.get(f"/api/regions/?offset={offset}")
        assert response.status_code == 422, offset
    assert client.get(f"/api/regions/?offset={10**9}").json()["items"] == []
    default = client.get("/api/regions/?level=4").json()
    assert len(default["items"]) == 50 and default["count"] > 80_000
    assert len(client.get("/api/regions/?level=4&limit=100000").json()["items"]) == 500
    assert client.get("/api/regions/?limit=0").status_code == 422


# --- F17: public verification ---------------------------------------------------------------------------------------


def test_f17_verify_api_is_no_store_and_noindex(world, client):
    token = world.sites["A"].membership.verify_token
    for url in (f"/api/verify/{token}", "/api/verify/tidakada", f"/v/{token}/"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response["Cache-Control"] == "no-store", url
        assert response["X-Robots-Tag"] == "noindex, nofollow", url


def test_f17_verification_is_rate_limited_per_address(world, settings):
    settings.VERIFY_RATE_LIMIT = 3
    cache.clear()
    token = world.sites["A"].membership.verify_token
    client = Client()
    try:
        statuses = [client.get(f"/api/verify/{token}").status_code for _ in range(2)]
        statuses += [client.get(f"/v/{token}/").status_code for _ in range(2)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get(f"/api/verify/{token}")
        assert limited.status_code == 429 and int(limited["Retry-After"]) <= 60
        assert "Terlalu banyak permintaan" in limited.json()["detail"]
        assert limited["Cache-Control"] == "no-store"
        assert client.get(f"/v/{token}/", REMOTE_ADDR="10.1.2.3").status_code == 200  # another address
        assert client.get("/api/regions/64").status_code == 200  # only verification is limited
        settings.PROXY_COUNT = 1  # behind one proxy: the address it appended, not the client's own claims
        behind = [
            client.get(f"/v/{token}/", HTTP_X_FORWARDED_FOR=f"{i}.0.0.1, 10.9.9.9", REMOTE_ADDR="127.0.0.1")
            for i in range(4)
        ]
        assert [r.status_code for r in behind] == [200, 200, 200, 429]
    finally:
        cache.clear()


def test_f17_robots_txt_keeps_crawlers_off_verification_and_api(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Disallow: /v/" in lines and "Disallow: /api/" in lines


# --- F18: CSP, Permissions-Policy, private caching, session ---------------------------------------------------------


def test_f18_csp_header_and_nonced_inline_script(world):
    client = Client()
    client.force_login(world.users["regency_operator"])
    response = client.get("/kepesertaan/daftar/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])[1]
    assert "'unsafe-inline'" not in directives["script-src"]
    page = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert "htmx-2.min.js" in page  # htmx from django_htmx's static files, allowed by 'self'
    assert "Content-Security-Policy" in Client().get("/")  # anonymous pages too


TEMPLATE_DIRS = [p for p in SRC.joinpath("sijaga").rglob("templates") if p.is_dir()]


def test_f18_no_template_has_an_inline_script_without_a_nonce():
    """The CSP allows no inline script without the nonce: no such <script>, no on…= handler, no javascript: URL."""
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text()
            for attrs in re.findall(r"<script\b([^>]*)>", text):
                if "src=" in attrs or 'type="application/json"' in attrs or "request.csp_nonce" in attrs:
                    continue
                offenders.append(f"{path.relative_to(SRC)}: <script{attrs}>")
            offenders += [f"{path.relative_to(SRC)}: {m}" for m in re.findall(r"<[^>]*\son[a-z]+=[^>]*>", text)]
            offenders += [f"{path.relative_to(SRC)}: javascript: URL" for _ in re.findall(r"javascript:", text)]
    assert not offenders, offenders


def test_f18_permissions_policy_and_private_cache_control(world, client):
    anonymous = client.get("/")
    assert "camera=()" in anonymous["Permissions-Policy"] and "geolocation=()" in anonymous["Permissions-Policy"]
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(world.users["regency_operator"])
    worker = world.sites["A"].worker
    for url in ("/", f"/pekerja/{worker.pk}/", "/pekerja/ekspor.xlsx", "/api/workers/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store, private", url


def test_f18_session_idle_timeout(world, client, settings, tmp_path):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client.post("/akun/login/", {"username": "op.balikpapan", "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # ends when the browser closes
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    def minutes_left() -> float:
        expiry = Session.objects.get(pk=cookie.value).expire_date
        return (expiry - timezone.now()).total_seconds() / 60

    assert 29.5 < minutes_left() <= 30
    Session.objects.filter(pk=cookie.value).update(expire_date=timezone.now() + timezone.timedelta(minutes=1))
    assert client.get("/pekerja/").status_code == 200
    assert 29.5 < minutes_left() <= 30  # every request starts the 30 idle minutes again
    assert child_settings(tmp_path, ["SESSION_COOKIE_AGE"], SIJAGA_SESSION_IDLE_MINUTES="5") == {
        "SESSION_COOKIE_AGE": 300
    }


# --- F19: password policy -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_f19_weak_passwords_are_refused():
    user = create_user("siti.rahma", None, role="coordinator")
    for weak in ("87654329", "jakarta1945", "123456789012", "siti.rahma2026"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("kopi-tubruk-di-balikpapan", user)


# --- F10: login lockout, demo data ----------------------------------------------------------------------------------


def test_f10_login_is_locked_after_five_failures_per_username_and_address(world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    client = Client()
    wrong = [client.post("/akun/login/", {"username": "op.balikpapan", "password": "salah"}) for _ in range(5)]
    assert [r.status_code for r in wrong] == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = client.post("/akun/login/", {"username": "op.balikpapan", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Akun dikunci sementara" in locked.content.decode() and "15 menit" in locked.content.decode()
    assert not locked.wsgi_request.user.is_authenticated
    other_address = client.post(
        "/akun/login/", {"username": "op.balikpapan", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert other_address.status_code == 302  # the pair is locked, not the account everywhere
    other_user = Client().post("/akun/login/", {"username": "auditor", "password": PASSWORD})
    assert other_user.status_code == 302


def test_f10_test_client_login_and_force_login_still_work(world):
    client = Client()
    assert client.login(username="op.balikpapan", password=PASSWORD)
    assert client.get("/pekerja/").status_code == 200
    assert not Client().login(username="op.balikpapan", password="salah")
    forced = Client()
    forced.force_login(world.users["auditor"])
    assert forced.get("/pekerja/").status_code == 200


@pytest.mark.django_db
def test_f10_demo_data_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("demo_data", "--workers-per-regency", "1", stdout=StringIO())
    assert "hanya untuk pengembangan" in str(refused.value) and "development only" in str(refused.value)
    from sijaga.accounts.models import User

    assert not User.objects.exists()


@pytest.mark.django_db
def test_f10_demo_superuser_gets_a_random_password_printed_once(settings):
    from sijaga.accounts.models import User
    from sijaga.demo import services as demo

    settings.DEBUG = True
    out = StringIO()
    call_command("demo_data", "--workers-per-regency", "1", stdout=out)
    printed = re.search(r"Kata sandi acak admin \(hanya ditampilkan sekali\): (\S+)", out.getvalue())
    assert printed
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(printed[1])
    assert not admin.check_password(demo.DEMO_PASSWORD)
    assert User.objects.get(username="koordinator").check_password(demo.DEMO_PASSWORD)
    again = StringIO()
    call_command("demo_data", "--workers-per-regency", "1", stdout=again)
    assert "Kata sandi acak" not in again.getvalue() and printed[1] not in again.getvalue()


# --- F22: upload size -----------------------------------------------------------------------------------------------


class StreamedBody:
    """A request body generated as it is read, counting what the server consumed."""

    def __init__(self, head: bytes, size: int):
        self.head, self.size, self.consumed = head, size, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.consumed
        n = left if n is None or n < 0 else min(n, left)
        start, self.consumed = self.consumed, self.consumed + n
        head = self.head[start : start + n]
        return head + b"a" * (n - len(head))

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit)


def _streamed_upload(client: Client, url: str, file_size: int, declared: int | None = None):
    boundary = "sijagaBATAS"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="besar.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = StreamedBody(head, len(head) + file_size)
    response = client.generic(
        "POST",
        url,
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(declared or body.size),
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        },
    )
    return response, body


def test_f22_upload_is_aborted_as_soon_as_it_passes_the_limit(world, settings):
    from sijaga.core.uploads import MULTIPART_OVERHEAD

    settings.MAX_UPLOAD_MB, settings.MAX_UPLOAD_BYTES = 1, 1024 * 1024
    client = Client(raise_request_exception=False)
    client.force_login(world.users["regency_operator"])
    # a 1 GB body declared up front: refused before a byte of it is read
    response, body = _streamed_upload(client, "/api/imports/", 1024**3)
    assert response.status_code == 413 and "lebih dari 1 MB" in response.json()["detail"]
    assert body.consumed == 0
    # a body within the declared-length allowance whose file passes the limit: stopped soon after the limit
    size = 1024 * 1024 + MULTIPART_OVERHEAD // 2
    response, body = _streamed_upload(client, "/api/imports/", size)
    assert response.status_code == 413
    assert body.consumed < size
    # a web form gets the Indonesian page with the same message
    response, body = _streamed_upload(client, "/akun/login/", 50 * 1024**2)
    assert response.status_code == 413 and "lebih dari 1 MB" in response.content.decode()
    assert body.consumed == 0


def test_f22_limit_is_configurable(tmp_path):
    assert child_settings(tmp_path, ["MAX_UPLOAD_BYTES"], SIJAGA_MAX_UPLOAD_MB="5") == {
        "MAX_UPLOAD_BYTES": 5 * 1024 * 1024
    }
    assert child_settings(tmp_path, ["MAX_UPLOAD_BYTES"])["MAX_UPLOAD_BYTES"] == 200 * 1024 * 1024


# --- language: Indonesian unless chosen -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_language_ignores_accept_language(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert 'lang="id"' in page.content.decode() and ">Wilayah<" in page.content.decode()
    assert page["Content-Language"] == "id"
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    chosen = client.get("/", HTTP_ACCEPT_LANGUAGE="id")
    assert 'lang="en"' in chosen.content.decode() and "Regions" in chosen.content.decode()
    assert chosen["Content-Language"] == "en"


# --- error pages ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_error_pages_are_indonesian_html_and_json_under_api(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    missing = client.get("/tidak-ada/")
    assert missing.status_code == 404 and "Halaman tidak ditemukan" in missing.content.decode()
    assert "urlpatterns" not in missing.content.decode()
    missing_api = client.get("/api/tidak-ada")
    assert missing_api.status_code == 404 and missing_api.json()["detail"]
    bad_host = client.get("/", HTTP_HOST="penyerang.example")
    assert bad_host.status_code == 400 and "Permintaan tidak valid" in bad_host.content.decode()
    bad_api = client.get("/api/regions/", HTTP_HOST="penyerang.example")
    assert bad_api.status_code == 400 and bad_api.json()["detail"]
    forbidden = csrf_client().post("/akun/login/", {"username": "x"}, HTTP_X_CSRFTOKEN="salah")
    assert forbidden.status_code == 403 and "Formulir kedaluwarsa" in forbidden.content.decode()

    request = RequestFactory().get("/pekerja/")
    request.user = AnonymousUser()
    denied = core_views.permission_denied(request, PermissionDenied())
    assert denied.status_code == 403 and "Akses ditolak" in denied.content.decode()
    api_denied = core_views.permission_denied(RequestFactory().get("/api/workers/"), PermissionDenied())
    assert api_denied.status_code == 403 and json.loads(api_denied.content)["detail"]


def test_500_page_needs_no_request_and_no_database():
    """No `db` fixture: pytest-django fails any query here. The page is standalone, without base.html."""
    html = loader.get_template("500.html").render()
    assert "Terjadi kesalahan" in html and 'lang="id"' in html and "{%" not in html
    response = core_views.server_error(RequestFactory().get("/x/"))
    assert response.status_code == 500 and "Terjadi kesalahan" in response.content.decode()


# --- password change ------------------------------------------------------------------------------------------------


def test_password_change_through_the_page(world):
    user = world.users["regency_operator"]
    client = Client()
    client.force_login(user)
    assert 'href="/akun/password_change/"' in client.get("/").content.decode()
    page = client.get("/akun/password_change/")
    assert page.status_code == 200 and "Ganti kata sandi" in page.content.decode()
    weak = client.post(
        "/akun/password_change/", {"old_password": PASSWORD, "new_password1": "87654329", "new_password2": "87654329"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors
    new = "teh-manis-samarinda-7"
    done = client.post(
        "/akun/password_change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/akun/password_change/done/"
    assert "Kata sandi Anda sudah diganti." in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get("/pekerja/").status_code == 200  # still logged in after the change


def test_client_ip_uses_the_proxy_entry_and_ignores_garbage(settings):
    from sijaga.core.net import client_ip

    factory = RequestFactory()
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    assert client_ip(factory.get("/", REMOTE_ADDR="")) is None  # axes stores NULL, not text PostgreSQL refuses
    settings.PROXY_COUNT = 1
    spoofed = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(spoofed) == "203.0.113.9"
    assert client_ip(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="bukan-ip")) == "127.0.0.1"
    assert client_ip(factory.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"  # no header: the socket address
