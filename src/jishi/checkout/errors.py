"""Errors of the checkout domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict


class NothingToOrder(Conflict):
    default_code = "checkout.nothing_to_order"
    default_message = _("There is nothing in the cart that can be ordered.")


class CartChanged(Conflict):
    default_code = "checkout.cart_changed"
    default_message = _("The cart or its prices changed since you reviewed them. Review the order again.")


class NotCancellable(Conflict):
    default_code = "checkout.not_cancellable"
    default_message = _("Only unpaid orders can be cancelled.")
