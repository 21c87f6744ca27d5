"""Statuses of merchants, their applications and their invitations, and the moves between them.

Every move goes through ``core.states.move``; the machines are in ``services``.
"""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


# An operator suspends a merchant and reinstates it, each time with a reason.
MERCHANT_TRANSITIONS: Mapping[MerchantStatus, frozenset[MerchantStatus]] = {
    MerchantStatus.ACTIVE: frozenset({MerchantStatus.SUSPENDED}),
    MerchantStatus.SUSPENDED: frozenset({MerchantStatus.ACTIVE}),
}


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


APPLICATION_TRANSITIONS: Mapping[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.PENDING: frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


INVITATION_TRANSITIONS: Mapping[InvitationStatus, frozenset[InvitationStatus]] = {
    InvitationStatus.PENDING: frozenset({InvitationStatus.ACCEPTED, InvitationStatus.REVOKED}),
    InvitationStatus.ACCEPTED: frozenset(),
    InvitationStatus.REVOKED: frozenset(),
}
