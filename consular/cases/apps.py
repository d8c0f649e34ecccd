from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "consular.cases"
    label = "cases"
    verbose_name = "Protection cases and hotline"
