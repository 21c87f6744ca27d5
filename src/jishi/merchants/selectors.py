"""Reads of the merchants domain."""

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from jishi.accounts.permissions import OPERATOR
from jishi.core.actors import Actor, user_of
from jishi.core.errors import PermissionDenied
from jishi.core.permissions import AUTHENTICATED, check
from jishi.merchants.errors import ApplicationNotFound, InvitationNotFound, MerchantNotFound
from jishi.merchants.models import (
    CategoryRequirement,
    Invitation,
    Membership,
    Merchant,
    MerchantApplication,
    Qualification,
)
from jishi.merchants.permissions import APPLICATION_REVIEW, MERCHANT_APPLY, MERCHANT_TEAM, active_membership
from jishi.merchants.roles import StaffRole
from jishi.merchants.states import ApplicationStatus, InvitationStatus, MerchantStatus


def merchant_of(actor: Actor) -> Merchant | None:
    """The active merchant the actor works for, or None."""
    membership = active_membership(actor)
    return membership.merchant if membership else None


def merchant_for(actor: Actor) -> Merchant:
    """The active merchant the actor works for; PermissionDenied (403) when there is none."""
    merchant = merchant_of(actor)
    if merchant is None:
        raise PermissionDenied
    return merchant


def merchant_public_list() -> QuerySet[Merchant]:
    return Merchant.objects.filter(status=MerchantStatus.ACTIVE)


def merchant_public_get(merchant_id: int) -> Merchant:
    merchant = merchant_public_list().filter(pk=merchant_id).first()
    if merchant is None:
        raise MerchantNotFound
    return merchant


def merchant_owner(merchant: Merchant) -> Any:
    """The merchant's owner (a user), or None."""
    membership = Membership.objects.select_related("user").filter(merchant=merchant, role=StaffRole.OWNER).first()
    return membership.user if membership else None


def merchant_owner_id(merchant_id: int) -> int | None:
    """The id of the merchant's owner, or None: enough to address a message, without reading the merchant."""
    owners = Membership.objects.filter(merchant_id=merchant_id, role=StaffRole.OWNER)
    return owners.values_list("user_id", flat=True).first()


def merchant_owner_id_of(merchant_id: str) -> Subquery:
    """:func:`merchant_owner_id` as an annotation, for a query whose ``merchant_id`` field names the merchant."""
    owners = Membership.objects.filter(merchant_id=OuterRef(merchant_id), role=StaffRole.OWNER)
    return Subquery(owners.values("user_id")[:1])


def applications_of(actor: Actor) -> QuerySet[MerchantApplication]:
    """The actor's own applications, newest first."""
    check(actor, MERCHANT_APPLY)
    return MerchantApplication.objects.filter(applicant=user_of(actor)).prefetch_related("qualifications")


def application_queue(actor: Actor, *, status: str = ApplicationStatus.PENDING) -> QuerySet[MerchantApplication]:
    """Applications for review, oldest first."""
    check(actor, APPLICATION_REVIEW)
    applications = MerchantApplication.objects.filter(status=status).select_related("applicant")
    return applications.prefetch_related("qualifications").order_by("submitted_at", "id")


def application_get_for_review(actor: Actor, application_id: int) -> MerchantApplication:
    check(actor, APPLICATION_REVIEW)
    application = (
        MerchantApplication.objects.select_related("applicant")
        .prefetch_related("qualifications")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise ApplicationNotFound
    return application


def merchants_for_operator(actor: Actor, *, query: str = "", status: str = "") -> QuerySet[Merchant]:
    check(actor, OPERATOR)
    merchants = Merchant.objects.all()
    if query:
        merchants = merchants.filter(name__icontains=query)
    return merchants.filter(status=status) if status else merchants


def merchant_get_for_operator(actor: Actor, merchant_id: int) -> Merchant:
    check(actor, OPERATOR)
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise MerchantNotFound
    return merchant


def invitations_open(indexes: set[str]) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        contact_index__in=indexes, status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
    ).select_related("merchant")


def invitation_for(actor: Actor, invitation_id: int, indexes: set[str]) -> Invitation:
    """An open invitation addressed to the actor; anyone else's is InvitationNotFound (404)."""
    check(actor, AUTHENTICATED)
    invitation = invitations_open(indexes).filter(pk=invitation_id).first()
    if invitation is None:
        raise InvitationNotFound
    return invitation


def team_of(actor: Actor) -> QuerySet[Membership]:
    check(actor, MERCHANT_TEAM)
    return Membership.objects.filter(merchant=merchant_of(actor)).select_related("user").order_by("created_at")


def requirements_of(category: Any) -> set[str]:
    """Qualification kinds needed to list in ``category`` (set on it or on any category above it)."""
    return set(
        CategoryRequirement.objects.filter(category_id__in=category.ancestor_ids()).values_list("kind", flat=True)
    )


def valid_qualification_kinds(merchant_id: int, day: dt.date) -> set[str]:
    return set(
        Qualification.objects.filter(merchant_id=merchant_id, expires_on__gte=day).values_list("kind", flat=True)
    )


def category_requirements() -> QuerySet[CategoryRequirement]:
    return CategoryRequirement.objects.select_related("category")


def merchants_holding(kind: str, day: dt.date) -> QuerySet[Any]:
    """Merchant ids with a valid qualification of ``kind`` on ``day`` (a subquery)."""
    return Qualification.objects.filter(kind=kind, expires_on__gte=day, merchant__isnull=False).values("merchant_id")
