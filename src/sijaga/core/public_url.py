"""The base URL printed in QR codes and links that leave the site (membership cards)."""

from django.conf import settings
from django.http import HttpRequest

DEVELOPMENT_URL = "http://127.0.0.1:8000"


def public_base_url(request: HttpRequest | None = None) -> str:
    """`SIJAGA_PUBLIC_URL` when configured; else the scheme and host this request was served on; else the
    development address. Never ends with a slash, so `public_base_url(request) + reverse(...)` is a full URL.

    The request's host is one `ALLOWED_HOSTS` accepted. Production sets `SIJAGA_PUBLIC_URL` (a system check warns
    when DEBUG is off and it is unset), so a card printed from a background task says the same as one from a page.
    """
    if getattr(settings, "PUBLIC_URL_CONFIGURED", False):
        return settings.PUBLIC_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEVELOPMENT_URL
