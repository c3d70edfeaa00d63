from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "sijaga.coverage"
    label = "coverage"
    verbose_name = "Cakupan"
