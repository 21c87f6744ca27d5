from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetsConfig(AppConfig):
    name = "jishi.pets"
    label = "pets"
    verbose_name = _("Pet trading")

    def ready(self) -> None:
        from jishi.catalog.services import SEARCH_WORDS
        from jishi.pets.selectors import breed_search_words

        if breed_search_words not in SEARCH_WORDS:
            SEARCH_WORDS.append(breed_search_words)
