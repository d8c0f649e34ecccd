from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "consular.cases"
    label = "cases"
    verbose_name = "Protection cases and hotline"

    def ready(self) -> None:
        from consular.cases.rehash import name_keys_rehash
        from consular.core.keys import REHASHERS

        if name_keys_rehash not in REHASHERS:
            REHASHERS.append(name_keys_rehash)
