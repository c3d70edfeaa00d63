from django.urls import path

from sijaga.coverage import views

app_name = "coverage"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("wilayah/<str:code>/", views.region, name="region"),
    path("tabel.<str:fmt>", views.table_data, name="table"),
    path("tren.<str:fmt>", views.trend_data, name="trend_data"),
    path("peta.json", views.geo, name="geo"),
    path("peringkat/", views.ranking, name="ranking"),
    path("tertinggal/", views.lagging, name="lagging"),
    path("sasaran/", views.targets, name="targets"),
    path("publik/", views.public, name="public"),
    path("publik/tabel.<str:fmt>", views.public_table, name="public_table"),
]
