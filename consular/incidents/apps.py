from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "consular.incidents"
    label = "incidents"
    verbose_name = "Major incidents"

    def ready(self) -> None:
        from consular.core.keys import REHASHERS
        from consular.incidents.services import person_name_keys_rehash

        if person_name_keys_rehash not in REHASHERS:
            REHASHERS.append(person_name_keys_rehash)
