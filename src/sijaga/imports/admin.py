from django.contrib import admin

from sijaga.accounts.admin_scope import ScopedAdmin
from sijaga.imports.models import ImportBatch, ImportEvent


class EventInline(admin.TabularInline):
    model = ImportEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "status", "by", "message")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdmin):
    """Read-only record of every bulk upload (who, when, file hash, counts)."""

    audit_type = "import"
    list_display = (
        "uploaded_at",
        "kind",
        "file_name",
        "region",
        "payer",
        "uploaded_by",
        "status",
        "read",
        "created",
        "rejected",
    )
    list_filter = ("kind", "status", "channel", "dry_run")
    search_fields = ("file_name", "file_sha256")
    inlines = [EventInline]
    readonly_fields = [f.name for f in ImportBatch._meta.fields if f.name not in ("file_path", "report_path")]
    exclude = ("file_path", "report_path")

    def has_add_permission(self, request):
        return False
