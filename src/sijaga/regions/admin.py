from django.contrib import admin

from sijaga.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions come from the official decree via `sijaga load_regions`; the admin only shows them."""

    list_display = ("code", "name", "kind", "level", "is_current")
    list_filter = ("level", "kind", "is_current")
    search_fields = ("code", "name")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
