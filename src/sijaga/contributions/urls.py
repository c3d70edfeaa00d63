from django.urls import path

from sijaga.contributions import views

app_name = "contributions"
urlpatterns = [
    path("tarif/", views.rates, name="rates"),
    path("hitung/", views.calculator, name="calculator"),
]
