import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class ComplianceConfig(AppConfig):
    name = "sijaga.compliance"
    label = "compliance"
    verbose_name = "Kepatuhan Inpres"

    def ready(self) -> None:
        # Like the import reaper: whenever the task worker starts a task, a report whose runner died (no progress for
        # REPORT_STALL_MINUTES) is marked failed, so it never shows "Diproses" for ever.
        from django.tasks.signals import task_started

        task_started.connect(_reap, dispatch_uid="sijaga.compliance.reap_stalled_reports")


def _reap(sender, **kwargs) -> None:
    from sijaga.compliance.services import reap_stalled_reports

    try:
        reap_stalled_reports()
    except Exception:  # the reaper must never break the task it runs before; it is logged, not swallowed
        logger.exception("reaping stalled reports failed")
