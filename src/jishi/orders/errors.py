"""Errors of the orders domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class OrderNotFound(NotFound):
    default_code = "orders.not_found"
    default_message = _("Order not found.")


class InvalidTransition(Conflict):
    default_code = "orders.invalid_transition"
    default_message = _("The order cannot move to that status from where it is.")


class InvalidShipment(InvalidInput):
    default_code = "orders.invalid_shipment"
    default_message = _("Give the carrier and the tracking number.")


class OrderOnHold(Conflict):
    default_code = "orders.on_hold"
    default_message = _("An after-sales request is open on this order; settle it first.")


class PhoneNotShown(Conflict):
    default_code = "orders.phone_not_shown"
    default_message = _("The receiver's number is shown only while the order is being fulfilled.")
