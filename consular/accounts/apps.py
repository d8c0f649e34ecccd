from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "consular.accounts"
    label = "accounts"

    def ready(self) -> None:
        from consular.accounts import auth_audit

        auth_audit.connect()
