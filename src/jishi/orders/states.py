"""Order status and the moves between them.

``delivered`` means the buyer has the goods (they confirmed receipt, or the
confirmation window after shipping passed); ``completed`` means the
after-sales window after delivery has closed too, so the merchant's money
can be settled. ``closed`` means everything the buyer paid was refunded
through after-sales (before shipping, or after the goods came back): there
is nothing left to ship or to settle.
"""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid, awaiting shipment")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Refunded and closed")


TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CLOSED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.COMPLETED, OrderStatus.CLOSED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.CLOSED: frozenset(),
}


class ActorRole(models.TextChoices):
    """Who moved an order, as the timeline shows it."""

    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant")
    OPERATOR = "operator", _("Operator")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    """What a row of the order's timeline records: a status move, or a hold put on or taken off."""

    STATUS = "status", _("Status")
    HELD = "held", _("On hold for after-sales")
    RELEASED = "released", _("Hold released")


class OrderKind(models.TextChoices):
    """How the order was bought; group buys add their kinds here."""

    STANDARD = "standard", _("Standard")
    FLASH = "flash", _("Flash sale")
