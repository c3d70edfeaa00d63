from django.urls import path

from sijaga.benefits import views

app_name = "benefits"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("kasus.<str:fmt>", views.case_list, name="list_export"),
    path("dibayar/", views.paid_report, name="paid"),
    path("dibayar.<str:fmt>", views.paid_report, name="paid_export"),
    path("catat/<int:worker_pk>/", views.record, name="record"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/klaim/", views.claim, name="claim"),
]
