from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "sijaga.enrollment"
    label = "enrollment"
    verbose_name = "Kepesertaan"

    def ready(self) -> None:
        # The worker list and export show each worker's current membership; the registry stays unaware of us.
        from sijaga.enrollment.presenters import MEMBERSHIP_COLUMNS, annotate_current_membership
        from sijaga.registry.presenters import register_columns

        register_columns(MEMBERSHIP_COLUMNS, annotate_current_membership)

        from sijaga.enrollment.views import memberships_panel
        from sijaga.registry.panels import Panel, register_panel

        register_panel(Panel("memberships", "enrollment/_memberships_panel.html", memberships_panel, order=10))

        # Bulk enrolment files: the import engine knows the kind only through its registry.
        from sijaga.enrollment.importing import EnrolmentKind
        from sijaga.imports.kinds import register

        register(EnrolmentKind())

        # A worker who moves may now live outside (or inside) a payer's region: `Membership.lives_elsewhere`.
        from sijaga.enrollment import elsewhere
        from sijaga.registry.signals import workers_changed

        workers_changed.connect(elsewhere.on_workers_changed, dispatch_uid="enrollment.elsewhere")

        # `sijaga partitions` keeps the membership history's monthly partitions (PostgreSQL).
        from sijaga.core.partitions import register
        from sijaga.enrollment.partitions import EVENTS

        register(EVENTS)
