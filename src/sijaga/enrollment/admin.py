from django.contrib import admin

from sijaga.accounts.admin_scope import ScopedAdmin
from sijaga.enrollment import services
from sijaga.enrollment.models import Membership, MembershipEvent, Payer


def _save_payer(actor, obj, form, change):
    data = dict(form.cleaned_data)
    if not change:
        return services.create_payer(actor, data)
    return services.update_payer(actor, Payer.objects.get(pk=obj.pk), {f: data[f] for f in form.changed_data})


@admin.register(Payer)
class PayerAdmin(ScopedAdmin):
    audit_type = "payer"
    save_via = staticmethod(_save_payer)
    list_display = ("code", "name", "kind", "funding_source", "region", "is_active")
    list_filter = ("kind", "funding_source", "is_active")
    search_fields = ("code", "name")
    raw_id_fields = ("region",)
    exclude = ("jkk_risk_class",)  # set through the services/API (PAYER_FIELDS); the admin form stays as it was


class EventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "by", "kind", "from_status", "to_status", "reason", "end_reason", "changes")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    """Read-only: status and terms change through the services (history + rules), on the worker page or the API."""

    audit_type = "membership"
    list_display = ("number", "worker", "payer", "segment", "status", "start_date")
    list_filter = ("status", "segment")
    search_fields = ("number", "=worker__nik", "worker__full_name")
    inlines = [EventInline]
    readonly_fields = [f.name for f in Membership._meta.fields if f.name not in ("verify_token", "submission_key")]
    exclude = ("verify_token", "submission_key")
