from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "sijaga.coverage"
    label = "coverage"
    verbose_name = "Cakupan"

    def ready(self) -> None:
        from sijaga.coverage import receivers
        from sijaga.coverage.importing import TargetKind
        from sijaga.enrollment.signals import memberships_changed
        from sijaga.imports.kinds import register
        from sijaga.registry.signals import workers_changed

        memberships_changed.connect(receivers.on_memberships_changed, dispatch_uid="coverage.memberships")
        workers_changed.connect(receivers.on_workers_changed, dispatch_uid="coverage.workers")
        register(TargetKind())
