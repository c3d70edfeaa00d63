from django.urls import path

from sijaga.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("skor.<str:fmt>", views.scorecard_export, name="scorecard_export"),
    path("wilayah/<str:code>/<int:year>/", views.checklist, name="checklist"),
    path("isian/<int:pk>/verifikasi/", views.verify, name="verify"),
    path("bukti/<int:pk>/", views.evidence, name="evidence"),
    path("inpres/", views.inpres, name="inpres"),
    path("rapat/", views.meetings, name="meetings"),
    path("rapat/<int:pk>/", views.meeting, name="meeting"),
    path("tindak-lanjut/<int:pk>/", views.action, name="action"),
    path("laporan/", views.reports, name="reports"),
    path("laporan/<int:pk>/", views.report, name="report"),
    path("laporan/<int:pk>/ulang/", views.report_retry, name="report_retry"),
    path("laporan/<int:pk>.<str:fmt>", views.report_file, name="report_file"),
]
