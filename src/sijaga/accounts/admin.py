from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sijaga.accounts.admin_scope import ScopedAdmin
from sijaga.accounts.models import AccessLog, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("SiJaga", {"fields": ("role", "regions")}))
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    filter_horizontal = ("regions",)

    def has_module_permission(self, request):
        return request.user.is_superuser


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin):
    """Scoped like everything else: the log of a region's users, for that region's auditors and above."""

    list_display = ("at", "user", "action", "channel", "object_type", "object_id", "record_count")
    list_filter = ("action", "channel", "object_type")
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return admin.ModelAdmin.has_module_permission(self, request)

    def has_view_permission(self, request, obj=None):
        return admin.ModelAdmin.has_view_permission(self, request, obj)
