import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class ImportsConfig(AppConfig):
    name = "sijaga.imports"
    label = "imports"
    verbose_name = "Unggah massal"

    def ready(self) -> None:
        # The reaper runs whenever the task worker starts a task: a batch whose worker died (no heartbeat for
        # IMPORT_STALL_MINUTES) is re-queued once, then marked failed (security review F2).
        from django.tasks.signals import task_started

        task_started.connect(_reap, dispatch_uid="sijaga.imports.reap_stalled")


def _reap(sender, **kwargs) -> None:
    from sijaga.imports.services import reap_stalled

    try:
        reap_stalled()
    except Exception:  # the reaper must never break the task it runs before; it is logged, not swallowed
        logger.exception("reaping stalled import batches failed")
