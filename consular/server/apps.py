from django.apps import AppConfig


class ServerConfig(AppConfig):
    """Process-level commands: serve, worker, demo. An interface: it may import every domain app."""

    name = "consular.server"
    label = "server"
