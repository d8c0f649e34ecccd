from django.contrib.auth import views as auth_views
from django.urls import path

from consular.portal import help_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("missions/", views.missions, name="missions"),
    path("missions/<str:code>/", views.mission, name="mission"),
    path("help/", help_views.help_request, name="help"),
    path("help/places/", help_views.help_subdivisions, name="help_places"),
    path("help/sent/", help_views.help_sent, name="help_sent"),
    path("help/status/", help_views.help_status, name="help_status"),
    path("help/status/request/", help_views.help_status_details, name="help_status_details"),
    path("help/status/forget/", help_views.help_forget, name="help_forget"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
