"""Login throttling (django-axes) that also lets code without an HTTP request authenticate."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out username and address pair (axes), and steps aside when there is no request.

    Every login over HTTP (the login page, the admin) passes the request, so it is throttled. `authenticate()` without
    a request only happens in-process (Django's test client `login()`, a shell): there is no address to throttle, and
    axes would raise instead of letting the next backend check the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page for a locked-out login (429), in the person's language, saying how long to wait."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
    response["Cache-Control"] = "no-store"
    return response
