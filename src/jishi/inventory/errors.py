"""Errors of the inventory domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput


class OutOfStock(Conflict):
    default_code = "inventory.out_of_stock"
    default_message = _("Not enough stock.")


class InvalidQuantity(InvalidInput):
    default_code = "inventory.invalid_quantity"
    default_message = _("Stock is a whole number from 0 to 1,000,000.")


class StockStateBroken(Conflict):
    """A release or sale found fewer units reserved than the order holds: a bug, never user input."""

    default_code = "inventory.reservation_missing"
    default_message = _("The order's reserved stock is missing.")
