from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "consular.alerts"
    label = "alerts"
    verbose_name = "Safety alerts"

    def ready(self) -> None:
        from consular.alerts.checkins import checkins_purge
        from consular.travel.retention import purge_hook_register

        purge_hook_register(checkins_purge)
