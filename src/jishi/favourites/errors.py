"""Errors of the favourites domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import NotFound


class ProductUnavailable(NotFound):
    default_code = "favourites.product_not_found"
    default_message = _("This product is not on sale.")


class ShopNotFound(NotFound):
    default_code = "favourites.shop_not_found"
    default_message = _("Shop not found.")
