from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "sijaga.benefits"
    label = "benefits"
    verbose_name = "Manfaat"

    def ready(self) -> None:
        # Money applied to a payer's bills (a payment on the page or API, a bulk payment file, a credit used by a bill
        # run; possibly dated before an event already recorded) re-judges the payer's cases once committed.
        from sijaga.contributions.signals import payments_allocated

        payments_allocated.connect(_payments_allocated, dispatch_uid="benefits_rejudge_on_payment")

        # Panels on the worker, payer and region pages: those apps stay unaware of us.
        from sijaga.benefits.views import payer_panel, region_panel, worker_panel
        from sijaga.enrollment.panels import PayerPanel, register_payer_panel
        from sijaga.regions.panels import RegionPanel, register_region_panel
        from sijaga.registry.panels import Panel, register_panel

        register_panel(Panel("benefits", "benefits/_worker_panel.html", worker_panel, order=30))
        register_payer_panel(PayerPanel("benefits", "benefits/_payer_panel.html", payer_panel, order=30))
        register_region_panel(RegionPanel("benefits", "benefits/_region_panel.html", region_panel, order=30))

        # Benefit cases from a BPJS file: the import engine knows the kind only by its registry.
        from sijaga.benefits.importing import BenefitCaseKind
        from sijaga.imports.kinds import register

        register(BenefitCaseKind())


def _payments_allocated(sender, payer_ids, **kwargs) -> None:
    from django.db import transaction

    from sijaga.benefits.services import rejudge_payer

    for payer_id in payer_ids:
        transaction.on_commit(lambda payer_id=payer_id: rejudge_payer(payer_id))
