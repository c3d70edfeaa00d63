from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "Inti"
    name = "sijaga.core"
    label = "core"

    def ready(self):
        from sijaga.core import checks  # noqa: F401 - registers the system checks
