from django.urls import path

from consular.alerts import checkin_views, feeds

urlpatterns = [
    path("feeds/cap/<str:alert_id>.xml", feeds.cap_alert, name="alerts_cap"),
    path("feeds/alerts.atom", feeds.atom_all, name="alerts_atom"),
    path("feeds/alerts/<str:country>.atom", feeds.atom_country, name="alerts_atom_country"),
    path("alerts/<str:country>/", feeds.country_page, name="alerts_country"),
    path("checkin/<str:token>/", checkin_views.checkin, name="alerts_checkin"),
]
