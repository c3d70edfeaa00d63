from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "sijaga.budget"
    label = "budget"
    verbose_name = "Anggaran"
