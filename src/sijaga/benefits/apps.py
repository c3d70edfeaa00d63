from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "sijaga.benefits"
    label = "benefits"
    verbose_name = "Manfaat"
