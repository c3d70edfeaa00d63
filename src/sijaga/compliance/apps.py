from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "sijaga.compliance"
    label = "compliance"
    verbose_name = "Kepatuhan Inpres"
