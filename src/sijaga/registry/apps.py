from django.apps import AppConfig


class RegistryConfig(AppConfig):
    verbose_name = "Registri tenaga kerja"
    name = "sijaga.registry"
    label = "registry"

    def ready(self) -> None:
        # `sijaga partitions` keeps the worker history's monthly partitions (PostgreSQL).
        from sijaga.core.partitions import register
        from sijaga.registry.partitions import CHANGES

        register(CHANGES)
