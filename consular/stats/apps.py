from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "consular.stats"
    label = "stats"
    verbose_name = "Statistics"
