from django.contrib import admin

from sijaga.core.admin_scope import ScopedAdmin
from sijaga.registry import services
from sijaga.registry.models import Worker


@admin.register(Worker)
class WorkerAdmin(ScopedAdmin):
    scoped_queryset = staticmethod(services.visible_workers)
    audit_type = "worker"
    list_display = ("full_name", "nik", "category", "domicile", "created_at")
    list_filter = ("category", "gender")
    search_fields = ("nik", "full_name")
    raw_id_fields = ("domicile",)
    readonly_fields = ("nik", "created_at", "updated_at", "created_by")
