"""SiJaga's own system checks (`sijaga check`, and before `runserver`/`migrate`), registered in CoreConfig.ready."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from sijaga.config import env


@register(Tags.security)
def public_url_check(app_configs, **kwargs):
    if settings.DEBUG or settings.PUBLIC_URL_CONFIGURED:
        return []
    return [
        Warning(
            "SIJAGA_PUBLIC_URL is not set while DEBUG is off.",
            hint="Set it to the HTTPS address citizens reach (https://sijaga.example.go.id): QR codes on membership "
            "cards printed outside a request would otherwise point at http://127.0.0.1:8000.",
            id="sijaga.W001",
        )
    ]


@register()
def deprecated_variables_check(app_configs, **kwargs):
    if env("SIJAGA_VAR_DIR") is None:
        return []
    return [
        Warning(
            "SIJAGA_VAR_DIR is deprecated.",
            hint="Rename it to SIJAGA_DATA_DIR (SIJAGA_VAR_DIR is read only when SIJAGA_DATA_DIR is unset).",
            id="sijaga.W002",
        )
    ]
