from django.contrib.auth import views as auth_views
from django.urls import path

from consular.portal import account_views, help_views, pwa, travel_views, views

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
    path("signup/", account_views.signup_view, name="signup"),
    path("signup/sent/", account_views.signup_sent, name="signup_sent"),
    path("signup/resend/", account_views.signup_resend, name="signup_resend"),
    path("signup/verify/<str:token>/", account_views.signup_verify, name="signup_verify"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", account_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/done/", account_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
]
