from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "consular.notify"
    label = "notify"
    verbose_name = "Notifications"
