from django.urls import path

from sijaga.contributions import views

app_name = "contributions"
urlpatterns = [
    path("tarif/", views.rates, name="rates"),
    path("hitung/", views.calculator, name="calculator"),
    path("tagihan/<int:payer_id>/<str:month>.xlsx", views.statement, name="statement"),
    path("tunggakan/", views.arrears, name="arrears"),
    path("bayar/", views.record_payment, name="pay"),
]
