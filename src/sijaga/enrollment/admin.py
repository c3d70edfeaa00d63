from django.contrib import admin

from sijaga.core.admin_scope import ScopedAdmin
from sijaga.enrollment import services
from sijaga.enrollment.models import Membership, MembershipEvent, Payer


@admin.register(Payer)
class PayerAdmin(ScopedAdmin):
    scoped_queryset = staticmethod(services.payers_for)
    list_display = ("code", "name", "kind", "funding_source", "region", "is_active")
    list_filter = ("kind", "funding_source", "is_active")
    search_fields = ("code", "name")
    raw_id_fields = ("region",)


class EventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "by", "from_status", "to_status", "reason", "end_reason")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    """Read-mostly: status changes go through the service (history + rules), not through this form."""

    scoped_queryset = staticmethod(services.memberships_for)
    audit_type = "membership"
    list_display = ("number", "worker", "payer", "segment", "status", "start_date")
    list_filter = ("status", "segment")
    search_fields = ("number", "worker__nik", "worker__full_name")
    inlines = [EventInline]
    readonly_fields = [f.name for f in Membership._meta.fields]

    def has_add_permission(self, request):
        return False
