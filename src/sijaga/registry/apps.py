from django.apps import AppConfig


class RegistryConfig(AppConfig):
    verbose_name = "Registri tenaga kerja"
    name = "sijaga.registry"
    label = "registry"
