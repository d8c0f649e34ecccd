from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "consular.api"
    label = "api"
