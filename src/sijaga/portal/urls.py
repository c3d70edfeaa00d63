from django.urls import path

from sijaga.portal import views

urlpatterns = [path("", views.home, name="home")]
