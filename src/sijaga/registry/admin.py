from django.contrib import admin

from sijaga.accounts.admin_scope import ScopedAdmin
from sijaga.registry import services
from sijaga.registry.models import Worker
from sijaga.registry.rules import mask_nik


def _save_worker(actor, obj, form, change):
    if not change:
        data = {f: form.cleaned_data[f] for f in form.cleaned_data}
        return services.create_worker(actor, data)
    data = {f: form.cleaned_data[f] for f in form.changed_data if f in form.cleaned_data}
    return services.update_worker(actor, Worker.objects.get(pk=obj.pk), data, reason="admin")


@admin.register(Worker)
class WorkerAdmin(ScopedAdmin):
    audit_type = "worker"
    save_via = staticmethod(_save_worker)
    list_display = ("full_name", "nik_shown", "category", "domicile", "created_at")
    list_filter = ("category", "gender")
    search_fields = ("=nik", "full_name")
    raw_id_fields = ("domicile",)
    readonly_fields = ("nik", "created_at", "updated_at", "created_by")

    @admin.display(description="NIK")
    def nik_shown(self, obj) -> str:
        return mask_nik(obj.nik)
