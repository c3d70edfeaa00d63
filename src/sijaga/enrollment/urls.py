from django.urls import path

from sijaga.enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("daftar/", views.enrol, name="enrol"),
    path("tambah/<int:worker_pk>/", views.add_membership, name="add"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/kartu.pdf", views.card, name="card"),
    path("pembayar/", views.payer_list, name="payers"),
    path("pembayar/pilih/", views.payer_options, name="payer_options"),
    path("pembayar/tambah/", views.payer_edit, name="payer_add"),
    path("pembayar/<int:pk>/ubah/", views.payer_edit, name="payer_edit"),
    path("pembayar/<int:pk>/", views.payer_detail, name="payer_detail"),
]
