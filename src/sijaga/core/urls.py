from django.urls import path

from sijaga.core import views

urlpatterns = [path("sehat/", views.health, name="health")]
