from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "sijaga.contributions"
    label = "contributions"
    verbose_name = "Iuran"

    def ready(self) -> None:
        # The worker page shows contributions; the registry stays unaware of us.
        from sijaga.contributions.views import contributions_panel
        from sijaga.registry.panels import Panel, register_panel

        register_panel(Panel("contributions", "contributions/_worker_panel.html", contributions_panel, order=20))

        # The region page shows billed, paid and arrears; the regions app stays unaware of us.
        from sijaga.contributions.views import region_panel
        from sijaga.regions.panels import RegionPanel, register_region_panel

        register_region_panel(RegionPanel("contributions", "contributions/_region_panel.html", region_panel, order=20))

        # Payment files (BPJS reconciliation or bank statements): the import engine knows the kind only by its registry.
        from sijaga.contributions.importing import PaymentKind
        from sijaga.imports.kinds import register

        register(PaymentKind())

        # `sijaga partitions` creates the bill lines' coming months too (kept for ever: no retention setting).
        from sijaga.contributions.partitions import LINES
        from sijaga.core.partitions import register as register_table

        register_table(LINES)
