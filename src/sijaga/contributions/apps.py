from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "sijaga.contributions"
    label = "contributions"
    verbose_name = "Iuran"
