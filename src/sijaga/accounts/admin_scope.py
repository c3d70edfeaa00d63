"""The admin under the same rules as every other channel (security review F11).

Reads start from `Model.objects.visible_to(actor)`; writes go through the owning app's service (`save_via`), which
checks role and scope and writes history, then the object is re-checked inside the transaction (NetBox's post-save
check). Roles that read masked data do not use the admin at all: its forms cannot mask field by field.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import audit


def admin_actor(request) -> Actor:
    return Actor.from_request(request, channel="admin")


class ScopedAdmin(admin.ModelAdmin):
    audit_type: str | None = None

    def get_queryset(self, request):
        qs = self.model._default_manager.visible_to(admin_actor(request))
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def has_module_permission(self, request):
        return not admin_actor(request).scope.masks_nik and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not admin_actor(request).scope.masks_nik and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.save_via is not None and admin_actor(request).can_write and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        actor = admin_actor(request)
        if self.save_via is None or not actor.can_write or actor.scope.masks_nik:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # personal-data history is never deleted from the admin

    def changelist_view(self, request, extra_context=None):
        if self.audit_type:
            audit(admin_actor(request), "search", self.audit_type, query=request.GET.urlencode()[:300])
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.audit_type and request.method == "GET":
            audit(admin_actor(request), "view", self.audit_type, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    #: `save_via(actor, obj, form, change) -> obj`: the service call that performs the write. None: read-only.
    save_via = None

    def save_model(self, request, obj, form, change):
        actor = admin_actor(request)
        try:
            with transaction.atomic():
                saved = type(self).save_via(actor, obj, form, change)
                if not self.model._default_manager.visible_to(actor).filter(pk=saved.pk).exists():
                    raise PermissionDenied
        except (PermissionDenied, ValidationError) as exc:
            # the admin has already validated the form; a refusal here is a scope or rule violation
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """Many-to-many and inlines are not edited through the admin (services own every write)."""
