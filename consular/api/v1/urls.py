from django.urls import path

from consular.api.v1 import views

app_name = "v1"

urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("countries", views.CountryList.as_view(), name="countries"),
    path("missions", views.MissionList.as_view(), name="missions"),
    path("missions/<str:code>", views.MissionDetail.as_view(), name="mission"),
    path("jurisdiction", views.JurisdictionView.as_view(), name="jurisdiction"),
    path("me", views.MeView.as_view(), name="me"),
    path("users", views.UserList.as_view(), name="users"),
    path("users/<str:username>", views.UserDetail.as_view(), name="user"),
    path("audit", views.AuditList.as_view(), name="audit"),
]
