from django.contrib.auth import views as auth_views
from django.urls import path

from consular.portal import help_views, pwa, travel_views, views

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
    path("travel/", travel_views.trips, name="travel"),
    path("travel/new/", travel_views.trip_new, name="travel_new"),
    path("travel/places/", travel_views.places, name="travel_places"),
    path("travel/<uuid:registration_id>/cancel/", travel_views.trip_cancel, name="travel_cancel"),
    path("travel/<uuid:registration_id>/push/", pwa.push_subscribe, name="travel_push"),
    path("travel/<uuid:registration_id>/push/remove/", pwa.push_unsubscribe, name="travel_push_remove"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
