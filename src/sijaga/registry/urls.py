from django.urls import path

from sijaga.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.worker_list, name="list"),
    path("ekspor.xlsx", views.worker_export, name="export"),
    path("cek-nik/", views.nik_check, name="nik_check"),
    path("pilih-domisili/", views.domicile_options, name="domicile_options"),
    path("<int:pk>/", views.worker_detail, name="detail"),
    path("<int:pk>/ubah/", views.worker_edit, name="edit"),
]
