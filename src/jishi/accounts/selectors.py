"""Reads of the accounts domain. Every selector that returns personal rows takes the actor."""

from __future__ import annotations

from django.db.models import QuerySet

from jishi.accounts import errors
from jishi.accounts.models import PHONE_CONTEXT, Address, KycStatus, RealNameVerification, User
from jishi.accounts.permissions import KYC_REVIEW
from jishi.accounts.validators import classify_identifier
from jishi.core import crypto
from jishi.core.permissions import check


def user_get_with_roles(user_id: int) -> User | None:
    """The user with its merchant membership joined (one query), or None."""
    return User.objects.select_related("membership__merchant").filter(pk=user_id).first()


def user_find_by_identifier(identifier: str) -> User | None:
    """Find a user by e-mail address or mobile number. Raises InvalidInput for a malformed identifier."""
    kind, value = classify_identifier(identifier)
    users = User.objects.select_related("membership__merchant")
    if kind == "email":
        return users.filter(email=value).first()
    return users.filter(phone_index=crypto.blind_index(value, context=PHONE_CONTEXT)).first()


def address_list_for(actor: User) -> QuerySet[Address]:
    """The actor's own addresses, default first."""
    return Address.objects.filter(user=actor)


def address_get_for(actor: User, address_id: int) -> Address:
    """One of the actor's addresses; anyone else's is not found. Raises AddressNotFound."""
    address = Address.objects.filter(user=actor, pk=address_id).first()
    if address is None:
        raise errors.AddressNotFound
    return address


def kyc_current_for(actor: User) -> RealNameVerification | None:
    """The actor's latest verification, whatever its status."""
    return RealNameVerification.objects.filter(user=actor).first()


def kyc_queue_for(actor: User, *, status: str = KycStatus.PENDING) -> QuerySet[RealNameVerification]:
    """Verifications for review, oldest first. Operators with the KYC review permission only."""
    check(actor, KYC_REVIEW)
    return RealNameVerification.objects.filter(status=status).select_related("user").order_by("submitted_at", "id")


def kyc_get_for_review(actor: User, verification_id: int) -> RealNameVerification:
    check(actor, KYC_REVIEW)
    verification = RealNameVerification.objects.select_related("user").filter(pk=verification_id).first()
    if verification is None:
        raise errors.KycNotFound
    return verification
