from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "sijaga.benefits"
    label = "benefits"
    verbose_name = "Manfaat"

    def ready(self) -> None:
        # A payment (possibly dated before a death already recorded) re-judges the payer's cases once committed.
        from django.db.models.signals import post_save

        from sijaga.contributions.models import Payment

        post_save.connect(_payment_saved, sender=Payment, dispatch_uid="benefits_rejudge_on_payment")

        # Panels on the worker, payer and region pages: those apps stay unaware of us.
        from sijaga.benefits.views import payer_panel, region_panel, worker_panel
        from sijaga.enrollment.panels import PayerPanel, register_payer_panel
        from sijaga.regions.panels import RegionPanel, register_region_panel
        from sijaga.registry.panels import Panel, register_panel

        register_panel(Panel("benefits", "benefits/_worker_panel.html", worker_panel, order=30))
        register_payer_panel(PayerPanel("benefits", "benefits/_payer_panel.html", payer_panel, order=30))
        register_region_panel(RegionPanel("benefits", "benefits/_region_panel.html", region_panel, order=30))


def _payment_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    from django.db import transaction

    from sijaga.benefits.services import rejudge_payer

    payer_id = instance.payer_id
    transaction.on_commit(lambda: rejudge_payer(payer_id))
