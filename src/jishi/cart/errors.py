"""Errors of the cart domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import InvalidInput, NotFound


class CartLineNotFound(NotFound):
    default_code = "cart.line_not_found"
    default_message = _("This cart line does not exist.")


class InvalidCartQuantity(InvalidInput):
    default_code = "cart.invalid_quantity"
    default_message = _("The quantity of a line is a whole number from 1 to 99.")
