import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")

# Fail at boot, not at the first login: with DEBUG off there is no development key to fall back on.
try:
    settings.SECRET_KEY  # noqa: B018
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured("SIJAGA_SECRET_KEY must be set when SIJAGA_DEBUG is off (docs/deployment.md)") from exc

application = get_wsgi_application()
