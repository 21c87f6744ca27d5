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
    # A 拼团 order paid into a group that has not filled yet (待成团): not shippable, its money not settled.
    GROUPING = "grouping", _("Paid, waiting for the group to fill")
    PAID = "paid", _("Paid, awaiting shipment")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Refunded and closed")


TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.GROUPING, OrderStatus.CANCELLED}),
    OrderStatus.GROUPING: frozenset({OrderStatus.PAID, OrderStatus.CLOSED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CLOSED}),
    # Shipped and closed: nothing of it arrived (a pickup point's leader reported all of it short) and all was refunded.
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.CLOSED}),
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
    LEADER = "leader", _("Group leader")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    """What a row of the order's timeline records: a status move, or a hold put on or taken off."""

    STATUS = "status", _("Status")
    HELD = "held", _("On hold for after-sales")
    RELEASED = "released", _("Hold released")


class OrderKind(models.TextChoices):
    """How the order was bought."""

    STANDARD = "standard", _("Standard")
    FLASH = "flash", _("Flash sale")
    TEAM = "team", _("Group buy")
