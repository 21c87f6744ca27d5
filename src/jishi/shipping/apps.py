from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShippingConfig(AppConfig):
    name = "jishi.shipping"
    label = "shipping"
    verbose_name = _("Shipping")

    def ready(self) -> None:
        from jishi.orders.services import CARRIER_GUESSES
        from jishi.orders.signals import order_shipped
        from jishi.shipping.carriers import detected_name
        from jishi.shipping.services import parcel_follow

        if detected_name not in CARRIER_GUESSES:
            CARRIER_GUESSES.append(detected_name)
        order_shipped.connect(parcel_follow, dispatch_uid="jishi.shipping.parcel_follow")
