from django.contrib.auth import views as auth_views
from django.urls import path

from consular.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("missions/", views.missions, name="missions"),
    path("missions/<str:code>/", views.mission, name="mission"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
