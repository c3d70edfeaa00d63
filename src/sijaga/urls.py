from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from sijaga.api import api
from sijaga.enrollment import views as enrollment_views

# the admin carries SiJaga's name and look (templates/admin/base_site.html, static sijaga/admin.css)
admin.site.site_header = _("Administrasi SiJaga")
admin.site.site_title = _("Administrasi SiJaga")
admin.site.index_title = _("Pengelolaan data")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("akun/", include("django.contrib.auth.urls")),
    path("wilayah/", include("sijaga.regions.urls")),
    path("pekerja/", include("sijaga.registry.urls")),
    path("kepesertaan/", include("sijaga.enrollment.urls")),
    path("unggah/", include("sijaga.imports.urls")),
    path("iuran/", include("sijaga.contributions.urls")),
    path("manfaat/", include("sijaga.benefits.urls")),
    path("anggaran/", include("sijaga.budget.urls")),
    path("cakupan/", include("sijaga.coverage.urls")),
    path("kepatuhan/", include("sijaga.compliance.urls")),
    path("v/<str:token>/", enrollment_views.verify, name="verify"),
    path("", include("sijaga.core.urls")),
    path("", include("sijaga.portal.urls")),
]

handler400 = "sijaga.core.views.bad_request"
handler403 = "sijaga.core.views.permission_denied"
handler404 = "sijaga.core.views.page_not_found"
handler500 = "sijaga.core.views.server_error"
