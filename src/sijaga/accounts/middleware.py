"""Builds the request's `Actor` once at the edge and maps scope misses to 404 on the web."""

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from sijaga.accounts.actor import Actor
from sijaga.accounts.throttle import Throttled
from sijaga.core.exceptions import NotFound


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.actor = Actor.from_request(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404())
        if isinstance(exception, Throttled):
            return HttpResponse(_("Terlalu banyak permintaan; coba lagi nanti."), status=429)
        return None


def actor_of(request) -> Actor:
    """The request's actor (the middleware sets it; the API builds it for its own channel)."""
    return Actor.from_request(request)
