"""The client's address, the same for login lockout (django-axes) and rate limits."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """`REMOTE_ADDR`, or behind `PROXY_COUNT` trusted proxies the address the outermost of them saw.

    Each proxy appends the address it received the request from to `X-Forwarded-For`, so with N proxies the client
    is the N-th entry from the right; entries further left were written by the client and prove nothing.
    """
    count = settings.PROXY_COUNT
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
