from django.urls import path

from sijaga.contributions import views

app_name = "contributions"
urlpatterns = [
    path("tarif/", views.rates, name="rates"),
    path("hitung/", views.calculator, name="calculator"),
    path("tagihan/<int:payer_id>/<str:month>.xlsx", views.statement, name="statement"),
    path("tagihan/<int:payer_id>/<str:month>.pdf", views.statement_pdf, name="statement_pdf"),
    path("tunggakan/", views.arrears, name="arrears"),
    path("bayar/", views.record_payment, name="pay"),
    path("wilayah/<str:code>.<str:fmt>", views.region_summary, name="region_summary"),
]
