from django.urls import path

from consular.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit, name="audit"),
]
