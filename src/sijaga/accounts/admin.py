from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "channel", "object_type", "object_id", "record_count")
    list_filter = ("action", "channel", "object_type")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
