from django.apps import AppConfig


class TravelConfig(AppConfig):
    name = "consular.travel"
    label = "travel"
    verbose_name = "Trip registration"

    def ready(self) -> None:
        from consular.core.keys import REHASHERS
        from consular.travel.services import registrant_name_keys_rehash

        if registrant_name_keys_rehash not in REHASHERS:
            REHASHERS.append(registrant_name_keys_rehash)
