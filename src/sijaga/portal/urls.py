from django.urls import path

from sijaga.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sehat/", views.health, name="health"),
    path("audit/", views.access_log, name="access_log"),
]
