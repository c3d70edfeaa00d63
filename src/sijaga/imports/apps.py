from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sijaga.imports"
    label = "imports"
    verbose_name = "Unggah massal"

    def ready(self) -> None:
        # The reaper runs whenever the task worker starts a task: a batch whose worker died (no heartbeat for
        # IMPORT_STALL_MINUTES) is re-queued once, then marked failed (security review F2).
        from sijaga.core.taskhooks import before_each_task

        before_each_task("sijaga.imports.services:reap_stalled")
