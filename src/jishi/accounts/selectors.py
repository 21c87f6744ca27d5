"""Reads of the accounts domain. Every selector that returns personal rows takes the actor."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from jishi.accounts import errors
from jishi.accounts.models import PHONE_CONTEXT, Address, RealNameVerification, User
from jishi.accounts.permissions import AUDIT_VIEW, KYC_REVIEW, ROLE_GRANT, USER_MANAGE
from jishi.accounts.states import KycStatus
from jishi.accounts.validators import classify_identifier
from jishi.core import crypto
from jishi.core.errors import InvalidInput
from jishi.core.models import AuditEntry
from jishi.core.permissions import check


def user_get_with_roles(user_id: int) -> User | None:
    """The user with its merchant membership joined (one query), or None."""
    return User.objects.select_related("membership__merchant").filter(pk=user_id).first()


def phone_index(phone: str) -> str:
    """The blind index a normalised mobile number is looked up by (users, invitations)."""
    return crypto.blind_index(phone, context=PHONE_CONTEXT)


def user_find_by_identifier(identifier: str) -> User | None:
    """Find a user by e-mail address or mobile number. Raises InvalidInput for a malformed identifier."""
    kind, value = classify_identifier(identifier)
    users = User.objects.select_related("membership__merchant")
    if kind == "email":
        return users.filter(email=value).first()
    return users.filter(phone_index=phone_index(value)).first()


def contact_holder(channel: str, value: str) -> int | None:
    """The id of the account whose mobile number (``channel="phone"``) or e-mail address is ``value``, if any.

    ``value`` is already normalised (an 11-digit number, a lower-cased address).
    """
    users = (
        User.objects.filter(phone_index=phone_index(value)) if channel == "phone" else User.objects.filter(email=value)
    )
    return users.values_list("pk", flat=True).first()


def user_find_by_identifier_or_none(identifier: str) -> User | None:
    """Like :func:`user_find_by_identifier`, but a malformed identifier is simply no user."""
    try:
        return user_find_by_identifier(identifier)
    except InvalidInput:
        return None


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


def real_name_verified(user_id: int) -> bool:
    """Whether the user's real name has been verified (an approved verification)."""
    return RealNameVerification.objects.filter(user_id=user_id, status=KycStatus.APPROVED).exists()


def same_person(one: int, other: int) -> bool:
    """Whether two accounts look like one person: the phone of one is a receiver phone of the other's addresses,
    or both ever submitted the same ID number (whatever became of it). For refusing self-referral."""
    users = {user.pk: user for user in User.objects.filter(pk__in=[one, other])}
    phones = {pk: user.phone for pk, user in users.items() if user.phone_sealed}
    for pk, address in ((a.user_id, a) for a in Address.objects.filter(user_id__in=[one, other])):
        twin = other if pk == one else one
        if phones.get(twin) and address.phone == phones[twin]:
            return True
    identities = RealNameVerification.objects.filter(user_id__in=[one, other]).values_list("user_id", "id_number_index")
    seen: dict[str, set[int]] = {}
    for user_id, index in identities:
        seen.setdefault(index, set()).add(user_id)
    return any(len(owners) > 1 for owners in seen.values())


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


# The operator console ------------------------------------------------------------------------


def users_for_operator(actor: User, *, query: str = "", status: str = "") -> QuerySet[User]:
    """Users for support, newest first, found by e-mail (part of it), mobile number (whole) or id.

    Mobile numbers are only stored sealed, so a number matches through its blind index.
    """
    check(actor, USER_MANAGE)
    users = User.objects.select_related("membership__merchant").order_by("-date_joined", "-id")
    if status in {"active", "disabled"}:
        users = users.filter(is_active=status == "active")
    query = query.strip()
    if not query:
        return users
    if query.isdecimal() and len(query) < 11:
        return users.filter(pk=int(query))
    if is_phone_query(query):
        try:
            _kind, phone = classify_identifier(query)
        except InvalidInput:
            return users.none()
        return users.filter(phone_index=phone_index(phone))
    return users.filter(email__icontains=query.lower())


def is_phone_query(query: str) -> bool:
    """Whether an operator's user search looks for a mobile number (not an e-mail address or an id)."""
    query = query.strip()
    return bool(query) and "@" not in query and not (query.isdecimal() and len(query) < 11)


def user_get_for_operator(actor: User, user_id: int) -> User:
    check(actor, USER_MANAGE)
    user = User.objects.select_related("membership__merchant").filter(pk=user_id).first()
    if user is None:
        raise errors.UserNotFound
    return user


def audit_log(
    actor: User,
    *,
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    actor_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, filtered by action (prefix), target, actor and time."""
    check(actor, AUDIT_VIEW)
    entries = AuditEntry.objects.select_related("actor")
    if action:
        entries = entries.filter(action__startswith=action)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries


def audit_actions() -> list[str]:
    """The distinct actions recorded so far, for the console's filter."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


# Operator roles (administrators) ----------------------------------------------------------------


def operators_for(actor: User) -> QuerySet[User]:
    """Everyone holding an operator role, disabled accounts included, by role and then id. Administrators only."""
    check(actor, ROLE_GRANT)
    return User.objects.exclude(operator_role="").order_by("operator_role", "pk")


def user_find_for_role(actor: User, identifier: str) -> User:
    """The one user whose e-mail address or mobile number is exactly ``identifier``, for granting a role.

    A mobile number matches through its blind index (numbers are stored
    sealed); an e-mail address matches whole, whatever its case. Raises
    InvalidInput (malformed), IdentifierUnknown, PermissionDenied.
    """
    check(actor, ROLE_GRANT)
    kind, value = classify_identifier(identifier)
    users = User.objects.all()
    found = users.filter(email=value) if kind == "email" else users.filter(phone_index=phone_index(value))
    user = found.first()
    if user is None:
        raise errors.IdentifierUnknown(field="identifier")
    return user
