from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetsConfig(AppConfig):
    name = "jishi.pets"
    label = "pets"
    verbose_name = _("Pet trading")

    def ready(self) -> None:
        from jishi.catalog.services import IMAGE_CHECKS, SEARCH_WORDS
        from jishi.orders.services import AFTERSALES_WINDOWS, SHIP_CHECKS
        from jishi.payments.signals import orders_paid
        from jishi.pets.selectors import breed_search_words, breed_suggestions
        from jishi.pets.services.photos import photo_check
        from jishi.pets.services.sales import escrow_window, sales_open, ship_check
        from jishi.search.services import SUGGESTION_SOURCES

        if breed_search_words not in SEARCH_WORDS:
            SEARCH_WORDS.append(breed_search_words)
        if breed_suggestions not in SUGGESTION_SOURCES:
            SUGGESTION_SOURCES.append(breed_suggestions)
        if photo_check not in IMAGE_CHECKS:
            IMAGE_CHECKS.append(photo_check)
        if ship_check not in SHIP_CHECKS:
            SHIP_CHECKS.append(ship_check)
        if escrow_window not in AFTERSALES_WINDOWS:
            AFTERSALES_WINDOWS.append(escrow_window)
        orders_paid.connect(sales_open, dispatch_uid="jishi.pets.sales_open")
