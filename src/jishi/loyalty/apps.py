from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "jishi.loyalty"
    label = "loyalty"
    verbose_name = _("Member loyalty")

    def ready(self) -> None:
        from jishi.loyalty.services import order_completed, order_refunded
        from jishi.orders.signals import order_completed as completed
        from jishi.payments.signals import order_refunded as refunded

        completed.connect(order_completed, dispatch_uid="jishi.loyalty.order_completed")
        refunded.connect(order_refunded, dispatch_uid="jishi.loyalty.order_refunded")
