"""The one NinjaAPI instance: every app contributes a router; OpenAPI docs at /api/docs."""

from ninja import NinjaAPI

from sijaga.regions.api import router as regions_router

api = NinjaAPI(
    title="SiJaga API",
    version="1",
    description="API SiJaga — Inpres 2/2021 Optimalisasi Jaminan Sosial Ketenagakerjaan.",
    urls_namespace="api",
)
api.add_router("/regions/", regions_router)
