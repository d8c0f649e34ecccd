from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "consular.core"
    label = "core"
    verbose_name = "Core"
