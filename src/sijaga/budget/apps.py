from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "sijaga.budget"
    label = "budget"
    verbose_name = "Anggaran"

    def ready(self) -> None:
        # APBDes allocations of a regency's villages arrive as one file: the import engine knows the kind only by
        # its registry.
        from sijaga.budget.importing import ApbdesKind
        from sijaga.imports.kinds import register

        register(ApbdesKind())
