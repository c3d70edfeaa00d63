from django.contrib import admin

from sijaga.accounts.admin_scope import ScopedAdmin
from sijaga.registry import services
from sijaga.registry.models import Worker


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
    list_display = ("full_name", "nik", "category", "domicile", "created_at")
    list_filter = ("category", "gender")
    search_fields = ("=nik", "full_name")
    raw_id_fields = ("domicile",)
    readonly_fields = ("nik", "created_at", "updated_at", "created_by")

    def get_fields(self, request, obj=None):
        """Fields hidden from the role by the masking policy are not on the form at all."""
        from sijaga.accounts.admin_scope import admin_actor
        from sijaga.registry.presenters import WORKER_POLICY

        hidden = WORKER_POLICY.hidden_fields(admin_actor(request))
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_list_display(self, request):
        """The NIK column through the masking policy (roles that see it masked do not reach the admin at all;
        the policy is applied anyway, so a change of roles cannot open a leak)."""
        from sijaga.accounts.admin_scope import admin_actor
        from sijaga.registry.presenters import WORKER_POLICY

        actor = admin_actor(request)

        @admin.display(description="NIK")
        def nik(obj) -> str:
            return WORKER_POLICY.present(actor, "nik", obj.nik)

        return ("full_name", nik, "category", "domicile", "created_at")
