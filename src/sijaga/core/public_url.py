"""The public base URL printed in card QR codes (placeholder; see settings SIJAGA_PUBLIC_URL)."""

from django.conf import settings


def public_base_url(request=None) -> str:
    configured = getattr(settings, "PUBLIC_URL", "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"
