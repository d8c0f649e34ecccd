from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "consular.console"
    label = "console"
