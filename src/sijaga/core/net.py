"""The client's address, the same for login lockout (django-axes) and rate limits."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """`REMOTE_ADDR`, or behind `PROXY_COUNT` trusted proxies the address the outermost of them saw; None when there
    is no valid address (an in-process request, a Unix socket), which django-axes accepts.

    Each proxy appends the address it received the request from to `X-Forwarded-For`, so with N proxies the client
    is the N-th entry from the right; entries further left were written by the client and prove nothing.
    """
    count = settings.PROXY_COUNT
    if count:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count and (address := _valid(hops[-count])):
            return address
    return _valid(request.META.get("REMOTE_ADDR") or "")
