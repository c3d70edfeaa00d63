from django.urls import path

from sijaga.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("templat.<str:fmt>", views.template_download, name="template"),
    path("pilih-sasaran/", views.target_options, name="target_options"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/impor/", views.confirm, name="confirm"),
    path("<uuid:pk>/ulang/", views.retry, name="retry"),
    path("<uuid:pk>/laporan.xlsx", views.report, name="report"),
]
