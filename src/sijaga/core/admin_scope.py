"""Admin integration of the region scope: the admin lists only what the user's scope allows."""

from django.contrib import admin

from sijaga.accounts.services import log_access, scope_for


class ScopedAdmin(admin.ModelAdmin):
    """Subclasses name the scoped queryset function of their app's services (`scoped_queryset`)."""

    scoped_queryset = None  # callable(user) -> QuerySet
    audit_type: str | None = None

    def get_queryset(self, request):
        qs = type(self).scoped_queryset(request.user)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def changelist_view(self, request, extra_context=None):
        if self.audit_type:
            log_access(request.user, "search", self.audit_type, channel="admin", query=request.GET.urlencode())
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.audit_type:
            log_access(request.user, "view", self.audit_type, object_id, channel="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return scope_for(request.user).can_write and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # personal-data history is never deleted from the admin
