from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "sijaga.compliance"
    label = "compliance"
    verbose_name = "Kepatuhan Inpres"

    def ready(self) -> None:
        # Like the import reaper: a report whose runner died (no progress for REPORT_STALL_MINUTES) is marked failed,
        # so it never shows "Diproses" for ever.
        from sijaga.core.taskhooks import before_each_task

        before_each_task("sijaga.compliance.services:reap_stalled_reports")
