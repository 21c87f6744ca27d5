"""A merchant's team after joining: roles, removal, leaving, and passing the ownership on.

Re-exported from ``merchants.services``. A member's merchant is read from
their membership row on every request (the session keeps only the user's
id, and nothing caches the merchant), so a removal or a role change takes
effect on the member's very next request.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.services import password_confirm
from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.errors import InvalidInput, PermissionDenied
from jishi.core.permissions import check
from jishi.core.phrases import phrase
from jishi.merchants import selectors
from jishi.merchants.errors import (
    MemberNotFound,
    OwnerCannotLeave,
    OwnerProtected,
    TransferNeedsManager,
)
from jishi.merchants.locks import membership_lock, team_lock
from jishi.merchants.models import Membership, Merchant
from jishi.merchants.permissions import MERCHANT_MEMBER, MERCHANT_TEAM
from jishi.merchants.roles import StaffRole
from jishi.notifications.services import notify

TEAM_LINK = "/merchant/"


def _locked_team(actor: Actor) -> tuple[Merchant, dict[int, Membership]]:
    """The actor's merchant and its memberships, locked; PermissionDenied unless the actor still owns it.

    The permission check before the transaction read the actor's membership
    as the request loaded it; this reads it again under the lock.
    """
    merchant = selectors.merchant_for(actor)
    team = team_lock(merchant.pk)
    mine = team.get(user_of(actor).pk)
    if mine is None or mine.role != StaffRole.OWNER:
        raise PermissionDenied
    return merchant, team


def _member(team: dict[int, Membership], user_id: int) -> Membership:
    membership = team.get(user_id)
    if membership is None:
        raise MemberNotFound(field="user_id")
    return membership


def member_role_set(*, actor: Actor, user_id: int, role: str) -> Membership:
    """Make a member of the owner's shop a manager or staff. Audited.

    Idempotent: the role a member already has changes nothing. The owner's
    own role changes only by transferring the ownership. Raises
    PermissionDenied, InvalidInput, MemberNotFound, OwnerProtected.
    """
    check(actor, MERCHANT_TEAM)
    if role not in (StaffRole.MANAGER, StaffRole.STAFF):
        raise InvalidInput(_("Choose manager or staff."), code="merchants.invalid_role", field="role")
    with transaction.atomic():
        merchant, team = _locked_team(actor)
        membership = _member(team, user_id)
        if membership.role == StaffRole.OWNER:
            raise OwnerProtected(field="role")
        before = membership.role
        if before == role:
            return membership
        Membership.objects.filter(pk=membership.pk).update(role=role)
        membership.role = role
        audit.record(
            actor=actor,
            action="merchant.staff_role",
            target=merchant,
            before={"user": user_id, "role": before},
            after={"user": user_id, "role": role},
        )
    return membership


def member_remove(*, actor: Actor, user_id: int) -> None:
    """Take a member (not the owner) off the owner's shop; they lose its data on their next request. Audited.

    The member is told. Raises PermissionDenied, MemberNotFound (also for
    someone already removed), OwnerProtected.
    """
    check(actor, MERCHANT_TEAM)
    with transaction.atomic():
        merchant, team = _locked_team(actor)
        membership = _member(team, user_id)
        if membership.role == StaffRole.OWNER:
            raise OwnerProtected(field="user_id")
        membership.delete()
        audit.record(
            actor=actor,
            action="merchant.staff_remove",
            target=merchant,
            before={"user": user_id, "role": membership.role},
        )
        notify(
            user_id,
            "merchant_team",
            phrase(gettext_lazy("You were removed from the team of %(name)s"), name=merchant.name),
            link="/",
        )


def member_leave(*, actor: Actor) -> None:
    """Leave the shop the actor works for (a suspended one too); the owner cannot. Audited.

    Raises PermissionDenied (works for no shop), OwnerCannotLeave.
    """
    check(actor, MERCHANT_MEMBER)
    user = user_of(actor)
    with transaction.atomic():
        membership = membership_lock(user.pk)
        if membership is None:  # left a moment ago, or was removed
            raise PermissionDenied
        if membership.role == StaffRole.OWNER:
            raise OwnerCannotLeave
        membership.delete()
        audit.record(
            actor=actor,
            action="merchant.staff_leave",
            target=membership.merchant,
            before={"user": user.pk, "role": membership.role},
        )


def ownership_transfer(*, actor: Actor, user_id: int, password: str) -> Membership:
    """Pass the ownership of the actor's shop to one of its managers; the owner becomes a manager. Audited.

    The owner re-enters their password first (throttled like a log-in). Both
    roles change in one transaction, with the team's rows locked and the
    actor's ownership read again under the lock, so two transfers at once
    leave exactly one owner: the second finds the actor is no longer it (and
    a database constraint allows one owner per merchant). Returns the new
    owner's membership.

    Raises PermissionDenied, InvalidInput (wrong password), RateLimited,
    MemberNotFound, TransferNeedsManager.
    """
    check(actor, MERCHANT_TEAM)
    if not password_confirm(user=user_of(actor), password=password):
        raise InvalidInput(_("The password is wrong."), code="merchants.reauthentication_failed", field="password")
    with transaction.atomic():
        merchant, team = _locked_team(actor)
        successor = _member(team, user_id)
        if successor.role != StaffRole.MANAGER:
            raise TransferNeedsManager(field="user_id")
        owner = team[user_of(actor).pk]
        # The old owner steps down first: the constraint allows one owner per merchant at any moment.
        Membership.objects.filter(pk=owner.pk).update(role=StaffRole.MANAGER)
        Membership.objects.filter(pk=successor.pk).update(role=StaffRole.OWNER)
        owner.role, successor.role = StaffRole.MANAGER, StaffRole.OWNER
        audit.record(
            actor=actor,
            action="merchant.ownership_transfer",
            target=merchant,
            before={"owner": owner.user_id},
            after={"owner": successor.user_id},
        )
        notify(
            successor.user_id,
            "merchant_team",
            phrase(gettext_lazy("You are now the owner of %(name)s"), name=merchant.name),
            link=TEAM_LINK,
        )
    return successor
