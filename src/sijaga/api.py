"""The one NinjaAPI instance: every app contributes a router; OpenAPI docs at /api/docs.

Domain exceptions map to HTTP here, once: out-of-scope and missing look the same (404), rule violations are 422
with per-field messages, and forbidden actions are 403. A malformed multipart body is a 400 and an oversized upload a
413, wherever they are noticed (ninja's CSRF check already reads the form). Anything else unhandled reaches Django's
`handler500`, which answers JSON under /api/ (`sijaga.core.views.server_error`).
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from sijaga.accounts.throttle import Throttled
from sijaga.benefits.api import router as benefits_router
from sijaga.budget.api import router as budget_router
from sijaga.compliance.api import router as compliance_router
from sijaga.contributions.api import router as contributions_router
from sijaga.core.exceptions import NotFound
from sijaga.coverage.api import router as coverage_router
from sijaga.enrollment.api import payers_router, projects_router, public_router
from sijaga.enrollment.api import router as memberships_router
from sijaga.imports.api import router as imports_router
from sijaga.regions.api import router as regions_router
from sijaga.registry.api import router as workers_router
from sijaga.registry.services import DuplicateNik

api = NinjaAPI(
    title="SiJaga API",
    version="1",
    description="API SiJaga — Inpres 2/2021 Optimalisasi Jaminan Sosial Ketenagakerjaan.",
    urls_namespace="api",
)
api.add_router("/regions/", regions_router)
api.add_router("/workers/", workers_router)
api.add_router("/payers/", payers_router)
api.add_router("/memberships/", memberships_router)
api.add_router("/projects/", projects_router)
api.add_router("/imports/", imports_router)
api.add_router("/verify/", public_router)
api.add_router("/contributions/", contributions_router)
api.add_router("/benefits/", benefits_router)
api.add_router("/budget/", budget_router)
api.add_router("/coverage/", coverage_router)
api.add_router("/compliance/", compliance_router)


@api.exception_handler(Throttled)
def throttled(request, exc: Throttled):
    return api.create_response(request, {"detail": "Terlalu banyak permintaan; coba lagi nanti."}, status=429)


@api.exception_handler(NotFound)
def not_found(request, exc: NotFound):
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(DuplicateNik)
def duplicate_nik(request, exc: DuplicateNik):
    """409; the existing worker's id only when the caller may open it (no cross-region existence oracle)."""
    from sijaga.accounts.actor import Actor
    from sijaga.registry.models import Worker

    existing = exc.existing
    actor = Actor.from_request(request, channel="api")
    visible = existing is not None and Worker.objects.visible_to(actor).filter(pk=existing.pk).exists()
    return api.create_response(
        request,
        {"detail": exc.message_dict, "existing_worker_id": existing.pk if visible else None},
        status=409,
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request, exc: MultiPartParserError):
    request._mark_post_parse_error()  # the body is spent: nothing may try to parse it again
    return api.create_response(request, {"detail": _("Isi formulir (multipart) tidak valid.")}, status=400)


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc: RequestDataTooBig):
    from sijaga.core.uploads import UploadTooLarge

    request._mark_post_parse_error()
    message = str(exc) if isinstance(exc, UploadTooLarge) else _("Isi permintaan terlalu besar.")
    return api.create_response(request, {"detail": message}, status=413)
