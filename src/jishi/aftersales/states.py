"""After-sales kinds, statuses and the moves between them.

Whose turn it is follows from the status: the merchant answers a request
and receives returned goods, the buyer ships goods back and may escalate a
rejection, an operator decides an arbitration. Every move is in
``TRANSITIONS`` and goes through the kernel, ``core.states.move``.
"""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REFUND = "refund", _("Refund only (not shipped)")
    RETURN = "return", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    # 已收货仅退款: money back for delivered goods the buyer keeps (a damaged part, a pet's health guarantee).
    CLAIM = "claim", _("Compensation, keeping the goods")


# The kinds settled with money alone: accepting one refunds it at once, nothing comes back.
MONEY_ONLY = frozenset({Kind.REFUND, Kind.CLAIM})


class Status(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the shop")
    AWAITING_RETURN = "awaiting_return", _("Waiting for the buyer to send the goods back")
    RETURN_SHIPPED = "return_shipped", _("Goods on their way back")
    REJECTED = "rejected", _("Rejected by the shop")
    ARBITRATION = "arbitration", _("Platform arbitration")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Replacement sent")
    CLOSED = "closed", _("Closed")


OPEN = frozenset({Status.REQUESTED, Status.AWAITING_RETURN, Status.RETURN_SHIPPED, Status.REJECTED, Status.ARBITRATION})

TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    # To arbitration straight away only when the shop stays silent and has given no return address yet.
    Status.REQUESTED: frozenset(
        {Status.REFUNDED, Status.AWAITING_RETURN, Status.REJECTED, Status.CLOSED, Status.ARBITRATION}
    ),
    Status.AWAITING_RETURN: frozenset({Status.RETURN_SHIPPED, Status.CLOSED}),
    Status.RETURN_SHIPPED: frozenset({Status.REFUNDED, Status.EXCHANGED, Status.REJECTED, Status.ARBITRATION}),
    Status.REJECTED: frozenset({Status.ARBITRATION, Status.CLOSED}),
    Status.ARBITRATION: frozenset({Status.REFUNDED, Status.AWAITING_RETURN, Status.RETURN_SHIPPED, Status.CLOSED}),
    Status.REFUNDED: frozenset(),
    Status.EXCHANGED: frozenset(),
    Status.CLOSED: frozenset(),
}


class Party(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Shop")
    OPERATOR = "operator", _("Platform")
    SYSTEM = "system", _("System")


class Reason(models.TextChoices):
    """Why the buyer asks, as the pages offer it; stored as the code and shown in the reader's language.

    The API also takes a reason in the buyer's own words, kept as written.
    """

    NOT_NEEDED = "not_needed", _("No longer needed")
    WRONG_ITEM = "wrong_item", _("Wrong item or option")
    DAMAGED = "damaged", _("Damaged or defective")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    MISSING_ITEMS = "missing_items", _("Missing items")
    LATE = "late", _("Not shipped in time")
    OTHER = "other", _("Other")
