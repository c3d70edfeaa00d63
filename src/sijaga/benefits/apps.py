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


def _payment_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    from django.db import transaction

    from sijaga.benefits.services import rejudge_payer

    payer_id = instance.payer_id
    transaction.on_commit(lambda: rejudge_payer(payer_id))
