from django.contrib import admin
from django.urls import include, path

from sijaga.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("akun/", include("django.contrib.auth.urls")),
    path("wilayah/", include("sijaga.regions.urls")),
    path("", include("sijaga.core.urls")),
]
