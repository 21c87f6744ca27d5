"""Payout status and the moves between them; every move goes through ``core.states.move``."""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved, being paid")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


PAYOUT_TRANSITIONS: Mapping[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.REQUESTED: frozenset({PayoutStatus.APPROVED, PayoutStatus.REJECTED}),
    PayoutStatus.APPROVED: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.PAID: frozenset(),
    PayoutStatus.REJECTED: frozenset(),
    PayoutStatus.FAILED: frozenset(),
}
