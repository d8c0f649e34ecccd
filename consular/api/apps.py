from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "consular.api"
    label = "api"

    def ready(self) -> None:
        from consular.api import schema  # noqa: F401  (registers the OpenAPI extensions)
