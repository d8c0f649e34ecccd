from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "consular.portal"
    label = "portal"
