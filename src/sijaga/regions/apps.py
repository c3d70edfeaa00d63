from django.apps import AppConfig


class RegionsConfig(AppConfig):
    verbose_name = "Wilayah"
    name = "sijaga.regions"
    label = "regions"
