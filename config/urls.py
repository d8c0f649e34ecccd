from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from consular.api.errors import json_not_found, json_server_error
from consular.portal.views import page_not_found, server_error

urlpatterns = [
    path("api/", include("consular.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", include("consular.console.urls")),
    path("", include("consular.alerts.urls")),  # CAP and Atom feeds, public alerts pages
    path("", include("consular.portal.urls")),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return server_error(request)
