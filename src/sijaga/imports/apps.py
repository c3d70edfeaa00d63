from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sijaga.imports"
    label = "imports"
    verbose_name = "Unggah massal"
