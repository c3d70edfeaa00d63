from django.urls import path

from sijaga.budget import views

app_name = "budget"
urlpatterns = [
    path("", views.index, name="index"),
    path("simulasi/", views.simulate, name="simulate"),
    path("beli/", views.buys, name="buys"),
    path("rencana/<int:plan_id>/", views.plan_detail, name="plan"),
    path("alokasi/baru/", views.allocation_new, name="allocation_new"),
    path("alokasi/<int:allocation_id>/", views.allocation_detail, name="allocation"),
    path("alokasi/<int:allocation_id>/tinjau/", views.allocation_review, name="allocation_review"),
    path("alokasi/<int:allocation_id>/bukti", views.allocation_evidence, name="allocation_evidence"),
    path("daftar/", views.lists, name="lists"),
    path("daftar.<str:fmt>", views.lists_export, name="lists_export"),
]
