from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CartConfig(AppConfig):
    name = "jishi.cart"
    label = "cart"
    verbose_name = _("Cart")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from jishi.cart.signals import merge_guest_cart

        user_logged_in.connect(merge_guest_cart, dispatch_uid="jishi.cart.merge_guest_cart")
