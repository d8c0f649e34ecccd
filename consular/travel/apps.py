from django.apps import AppConfig


class TravelConfig(AppConfig):
    name = "consular.travel"
    label = "travel"
    verbose_name = "Trip registration"
