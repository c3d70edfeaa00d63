"""SiJaga's middleware: input guards, public-verification limits, language, and headers for private pages."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from sijaga.core.net import client_ip

VERIFY_PREFIXES = ("/v/", "/api/verify/")


def _short_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """JSON for the API, plain text elsewhere; never cached."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


class RejectNulMiddleware(MiddlewareMixin):
    """400 for a NUL byte (`%00`) in the path or query string, before any view passes it to the database
    (PostgreSQL text cannot hold NUL, so each such parameter used to end in a 500)."""

    def process_request(self, request: HttpRequest):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return _short_error(request, _("Permintaan tidak valid: alamat mengandung karakter NUL."), 400)
        return None


class PublicVerificationMiddleware(MiddlewareMixin):
    """The public verification page and API (`/v/…`, `/api/verify/…`): a per-address rate limit (429) and headers
    that keep the answer out of caches and search engines, whatever the view sets."""

    def process_request(self, request: HttpRequest):
        if not request.path.startswith(VERIFY_PREFIXES):
            return None
        limit = settings.VERIFY_RATE_LIMIT
        if not limit:
            return None
        window = int(time.time() // 60)
        key = f"sijaga:verify:{client_ip(request) or 'unknown'}:{window}"
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=120)
            count = 1
        if count > limit:
            response = _short_error(request, _("Terlalu banyak permintaan. Coba lagi sebentar lagi."), 429)
            response["Retry-After"] = str(60 - int(time.time()) % 60)
            return self.process_response(request, response)
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith(VERIFY_PREFIXES):
            response["Cache-Control"] = "no-store"
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class LanguageCookieMiddleware(MiddlewareMixin):
    """Indonesian unless the person chose English with the language switch (Django's `set_language`, remembered in
    the language cookie). Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: SiJaga is an
    Indonesian government system, and an English browser is no sign the operator wants English."""

    def process_request(self, request: HttpRequest):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            code = translation.get_supported_language_variant(code) if code else settings.LANGUAGE_CODE
        except LookupError:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Cookie",))
        return response


class PrivateResponseMiddleware(MiddlewareMixin):
    """`Cache-Control: no-store, private` on every response to a logged-in person (pages and exports carry personal
    data: no shared cache or browser history may keep them), and a Permissions-Policy on every response."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
