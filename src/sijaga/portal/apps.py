from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top floor: home page and navigation, composed from the apps below (which never import it)."""

    name = "sijaga.portal"
    label = "portal"
    verbose_name = "Portal"
