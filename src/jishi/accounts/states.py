"""Real-name verification status and the moves between them; every move goes through ``core.states.move``."""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class KycStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


KYC_TRANSITIONS: Mapping[KycStatus, frozenset[KycStatus]] = {
    KycStatus.PENDING: frozenset({KycStatus.APPROVED, KycStatus.REJECTED}),
    KycStatus.APPROVED: frozenset(),
    KycStatus.REJECTED: frozenset(),
}
