"""Writes of the accounts domain: sign-up, log-in, tokens, addresses, real-name verification."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.accounts import codes, errors
from jishi.accounts.locks import active_admins_lock, user_lock
from jishi.accounts.models import (
    ID_NUMBER_CONTEXT,
    REAL_NAME_CONTEXT,
    Address,
    ApiToken,
    CodeChannel,
    CodePurpose,
    RealNameVerification,
    User,
)
from jishi.accounts.permissions import KYC_REVIEW, USER_MANAGE
from jishi.accounts.roles import OperatorRole
from jishi.accounts.selectors import address_get_for, contact_holder, kyc_get_for_review, user_find_by_identifier
from jishi.accounts.states import KYC_TRANSITIONS, KycStatus
from jishi.accounts.validators import classify_identifier, normalize_id_number, normalize_mobile
from jishi.core import audit, crypto, regions
from jishi.core.errors import InvalidInput, PermissionDenied, RateLimited
from jishi.core.images import InvalidImage, process_upload
from jishi.core.masking import mask_id_number
from jishi.core.permissions import AUTHENTICATED, check
from jishi.core.ratelimit import FailureWindow
from jishi.core.states import Machine, audited, move

MAX_ADDRESSES = 50
DISPLAY_NAME_MAX = 50
AVATAR_MAX_BYTES = 2 * 1024 * 1024
CODE_LIFETIME = codes.CODE_TTL


def _account_failures() -> FailureWindow:
    return FailureWindow(
        "login-account",
        limit=settings.JISHI_LOGIN_MAX_FAILURES_PER_ACCOUNT,
        window_seconds=settings.JISHI_LOGIN_WINDOW_SECONDS,
    )


def _ip_failures() -> FailureWindow:
    return FailureWindow(
        "login-ip", limit=settings.JISHI_LOGIN_MAX_FAILURES_PER_IP, window_seconds=settings.JISHI_LOGIN_WINDOW_SECONDS
    )


def _validate_password(password: str, user: User | None = None, *, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise errors.WeakPassword(" ".join(exc.messages), field=field) from exc


def user_sign_up(*, identifier: str, password: str, display_name: str = "") -> User:
    """Create a buyer account identified by an e-mail address or a mainland mobile number.

    Raises InvalidInput (bad identifier), WeakPassword, IdentifierTaken.
    """
    kind, value = classify_identifier(identifier)
    candidate = User(email=value if kind == "email" else None, display_name=display_name.strip())
    _validate_password(password, candidate)
    try:
        with transaction.atomic():
            if kind == "email":
                user = User.objects.create_user(email=value, password=password, display_name=candidate.display_name)
            else:
                user = User.objects.create_user(phone=value, password=password, display_name=candidate.display_name)
    except IntegrityError as exc:
        raise errors.IdentifierTaken(field="identifier") from exc
    return user


def user_log_in(*, identifier: str, password: str, ip: str) -> User:
    """Check credentials with throttling.

    After too many failures for one account or one IP address within the
    window, every attempt (right or wrong) gets RateLimited until the window
    ends. An unknown account and a wrong password raise the same
    InvalidCredentials.
    """
    accounts, ips = _account_failures(), _ip_failures()
    account_key = _account_key(identifier)
    for window, key in ((accounts, account_key), (ips, ip)):
        wait = window.retry_after(key)
        if wait is not None:
            raise RateLimited(retry_after=wait, code="auth.too_many_attempts")
    user = authenticate(None, username=identifier, password=password)
    if not isinstance(user, User):
        accounts.hit(account_key)
        ips.hit(ip)
        raise errors.InvalidCredentials
    accounts.reset(account_key)
    return user


def _account_key(identifier: str) -> str:
    """What a log-in failure counts against: the account, however its identifier was spelt.

    ``+86 138…``, ``86138…``, ``138 1234 1234`` and the account's e-mail address
    in capitals all count against one account; an identifier of no account
    counts as its normalised self, and a malformed one as its folded text.
    """
    try:
        kind, value = classify_identifier(identifier)
    except InvalidInput:
        return f"text:{identifier.strip().casefold()}"
    user = user_find_by_identifier(identifier)
    return f"user:{user.pk}" if user is not None else f"{kind}:{value}"


def password_confirm(*, user: User, password: str) -> bool:
    """Whether ``password`` is the user's, re-entered before a sensitive change.

    Failures count against the account with the log-in's own window, so a
    form that asks for the password again cannot be used to guess it. Raises
    RateLimited once the account is blocked.
    """
    accounts, key = _account_failures(), f"user:{user.pk}"
    wait = accounts.retry_after(key)
    if wait is not None:
        raise RateLimited(retry_after=wait, code="auth.too_many_attempts")
    if not user.check_password(password or ""):
        accounts.hit(key)
        return False
    accounts.reset(key)
    return True


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token; returns the row and the secret, which is shown only this once."""
    secret = f"jsk_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        digest=crypto.token_digest(secret),
        prefix=secret[:10],
        name=name[:60],
        expires_at=timezone.now() + dt.timedelta(days=settings.JISHI_API_TOKEN_TTL_DAYS),
    )
    return token, secret


def token_authenticate(secret: str) -> User | None:
    """The active user behind a live token, or None. Touches ``last_used_at`` at most once a minute."""
    token = (
        ApiToken.objects.select_related("user", "user__membership__merchant")
        .filter(digest=crypto.token_digest(secret), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, actor: User, secret: str | None = None, token_id: int | None = None) -> int:
    """Revoke one of the actor's tokens (by secret or id); returns how many were revoked (0 for a repeat).

    Raises TokenNotFound for an id that is not one of the actor's tokens.
    """
    tokens = ApiToken.objects.filter(user=actor)
    if secret is not None:
        tokens = tokens.filter(digest=crypto.token_digest(secret))
    elif token_id is not None:
        tokens = tokens.filter(pk=token_id)
        if not tokens.exists():
            raise errors.TokenNotFound(field="token_id")
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@dataclass(frozen=True)
class AddressInput:
    """An address; the place is ``region_code`` (GB/T 2260), or else the province, city and district by name."""

    receiver: str
    phone: str
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    postal_code: str = ""
    is_default: bool = False
    region_code: str = ""


def _clean_address(data: AddressInput) -> AddressInput:
    for field in ("receiver", "detail"):
        if not getattr(data, field).strip():
            raise InvalidInput(_("This field is required."), code="accounts.address_incomplete", field=field)
    if data.postal_code and not (data.postal_code.isdecimal() and len(data.postal_code) == 6):
        raise InvalidInput(_("A postal code has 6 digits."), code="accounts.invalid_postal_code", field="postal_code")
    if data.region_code:
        place = regions.place_of(data.region_code.strip())
    else:
        place = regions.place(data.province, data.city, data.district)
    return AddressInput(
        receiver=data.receiver.strip(),
        phone=normalize_mobile(data.phone),
        province=place.province.name,
        city=place.city.name if place.city else "",
        district=place.district.name if place.district else "",
        detail=data.detail.strip(),
        postal_code=data.postal_code,
        is_default=data.is_default,
        region_code=place.code,
    )


def _apply_address(address: Address, data: AddressInput) -> None:
    address.receiver = data.receiver
    address.phone = data.phone
    address.province = data.province
    address.city = data.city
    address.district = data.district
    address.region_code = data.region_code
    address.detail = data.detail
    address.postal_code = data.postal_code


@transaction.atomic
def address_create(*, actor: User, data: AddressInput) -> Address:
    """Add an address; the first one, or one marked default, becomes the default."""
    data = _clean_address(data)
    existing = Address.objects.filter(user=actor)
    count = existing.count()
    if count >= MAX_ADDRESSES:
        raise errors.TooManyAddresses
    make_default = data.is_default or count == 0
    if make_default:
        existing.filter(is_default=True).update(is_default=False)
    address = Address(user=actor, is_default=make_default)
    _apply_address(address, data)
    address.save()
    return address


@transaction.atomic
def address_update(*, actor: User, address_id: int, data: AddressInput) -> Address:
    """Replace an address's fields. Raises AddressNotFound for anyone else's address."""
    data = _clean_address(data)
    address = address_get_for(actor, address_id)
    if data.is_default and not address.is_default:
        Address.objects.filter(user=actor, is_default=True).update(is_default=False)
        address.is_default = True
    _apply_address(address, data)
    address.save()
    return address


@transaction.atomic
def address_delete(*, actor: User, address_id: int) -> None:
    """Delete an address; if it was the default, the newest remaining one becomes default."""
    address = address_get_for(actor, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=actor).order_by("-created_at", "-id").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True)


def kyc_submit(*, actor: User, real_name: str, id_number: str) -> RealNameVerification:
    """Submit a real-name verification for review.

    The ID number is validated (GB 11643 check digit and birth date),
    sealed, and indexed for duplicate detection. Raises InvalidInput,
    KycAlreadySubmitted, IdNumberInUse.
    """
    name = real_name.strip()
    if not 2 <= len(name) <= 30:
        raise InvalidInput(
            _("Enter the name as it is on the ID card."), code="accounts.invalid_name", field="real_name"
        )
    number = normalize_id_number(id_number)
    index = crypto.blind_index(number, context=ID_NUMBER_CONTEXT)
    live = RealNameVerification.objects.filter(status__in=[KycStatus.PENDING, KycStatus.APPROVED])
    if live.filter(user=actor).exists():
        raise errors.KycAlreadySubmitted
    if live.filter(id_number_index=index).exists():
        raise errors.IdNumberInUse(field="id_number")
    try:
        with transaction.atomic():
            verification = RealNameVerification.objects.create(
                user=actor,
                real_name_sealed=crypto.seal(name, context=REAL_NAME_CONTEXT),
                real_name_masked=name[0] + "*" * (len(name) - 1),
                id_number_sealed=crypto.seal(number, context=ID_NUMBER_CONTEXT),
                id_number_index=index,
                id_number_masked=mask_id_number(number),
            )
            audit.record(actor=actor, action="kyc.submit", target=verification, after={"status": "pending"})
    except IntegrityError as exc:  # a concurrent submission won the unique constraint
        raise errors.IdNumberInUse(field="id_number") from exc
    return verification


KYC: Machine[RealNameVerification, KycStatus] = Machine(
    status=KycStatus, transitions=KYC_TRANSITIONS, invalid=errors.KycNotPending, record=audited("kyc")
)


def _kyc_decide(*, actor: User, verification_id: int, status: KycStatus, reason: str) -> RealNameVerification:
    check(actor, KYC_REVIEW)
    with transaction.atomic():
        verification = kyc_get_for_review(actor, verification_id)
        fields = {"rejection_reason": reason, "reviewed_at": timezone.now(), "reviewed_by": actor}
        move(KYC, verification, status, actor=actor, reason=reason, fields=fields)
    return verification


def kyc_approve(*, actor: User, verification_id: int) -> RealNameVerification:
    """Approve a pending verification. Idempotent. Raises PermissionDenied, KycNotFound, KycNotPending."""
    return _kyc_decide(actor=actor, verification_id=verification_id, status=KycStatus.APPROVED, reason="")


def kyc_reject(*, actor: User, verification_id: int, reason: str) -> RealNameVerification:
    """Reject a pending verification with a reason the user sees. Idempotent."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the rejection."), code="accounts.reason_required", field="reason")
    return _kyc_decide(actor=actor, verification_id=verification_id, status=KycStatus.REJECTED, reason=reason[:200])


# Self-service: password, forgotten password, contact details, profile -------------------------------


def password_change(*, actor: User, current_password: str, new_password: str, keep_token: str | None = None) -> User:
    """Change the actor's password after checking the current one (throttled like log-in).

    Every other session ends (the session generation moves on: the page keeps its own session with
    ``update_session_auth_hash``) and every API token is revoked but ``keep_token``, the one the request
    came with. Audited. Raises WrongPassword, RateLimited, WeakPassword.
    """
    check(actor, AUTHENTICATED)
    if not password_confirm(user=actor, password=current_password):
        raise errors.WrongPassword(field="current_password")
    _validate_password(new_password, actor, field="new_password")
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        revoked = _end_sessions(actor, keep_token=keep_token)
        audit.record(actor=actor, action="accounts.password_changed", target=actor, after={"tokens_revoked": revoked})
    actor.refresh_from_db(fields=["session_generation"])
    return actor


def password_reset_request(*, identifier: str, ip: str) -> None:
    """Send a reset code to a mobile number or e-mail address, if it is an active account's.

    Whether or not it is, the same rows are written and the same nothing is answered, so the answer does
    not tell who has an account. Throttled per target and per client address. Raises InvalidInput (a
    malformed identifier), RateLimited.
    """
    target = codes.target_of(identifier)
    codes.throttle_request(target, ip)
    user = user_find_by_identifier(target.value)
    with transaction.atomic():
        codes.issue(
            purpose=CodePurpose.PASSWORD_RESET,
            target=target,
            user=user if user is not None and user.is_active else None,
        )


def password_reset_confirm(*, identifier: str, code: str, new_password: str, ip: str) -> User:
    """Set a new password with the code sent to ``identifier``; every session and API token ends.

    The code is good once: it is marked used by a conditional UPDATE inside the change, so of two
    confirmations at once only one succeeds. A wrong code counts against it (five burn it) and changes
    nothing else. Audited. Raises CodeInvalid, CodeExpired, WeakPassword, RateLimited, InvalidInput.
    """
    target = codes.target_of(identifier)
    row = codes.check(purpose=CodePurpose.PASSWORD_RESET, target=target, code=code, ip=ip)
    user = row.user
    if user is None:  # no code of an unknown target ever matches; kept for the type checker
        raise errors.CodeInvalid(field="code")
    _validate_password(new_password, user, field="new_password")
    with transaction.atomic():
        # the number or address must still be this active account's: a code sent to a contact it has since
        # given up (or to an account disabled since) resets nothing
        user = user_lock(user.pk)
        if user is None or not user.is_active or contact_holder(target.channel, target.value) != user.pk:
            raise errors.CodeExpired(field="code")
        codes.consume(row)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoked = _end_sessions(user)
        audit.record(
            actor=user,
            action="accounts.password_reset",
            target=user,
            after={"channel": row.channel, "tokens_revoked": revoked},
        )
    _account_failures().reset(f"user:{user.pk}")
    user.refresh_from_db(fields=["session_generation"])
    return user


def contact_change_request(*, actor: User, channel: str, value: str, password: str, ip: str) -> str:
    """Send a code to a new mobile number or e-mail address for the actor, after their password.

    Returns the number or address as it will be stored (normalised). Raises WrongPassword, RateLimited,
    InvalidInput, ContactUnchanged, IdentifierTaken (another account's).
    """
    check(actor, AUTHENTICATED)
    target = codes.target_for(channel, value)
    if not password_confirm(user=actor, password=password):
        raise errors.WrongPassword(field="password")
    codes.throttle_request(target, ip)  # before saying whether a number is taken: not for asking again and again
    _refuse_taken(actor, target)
    with transaction.atomic():
        codes.issue(purpose=CodePurpose.CONTACT_CHANGE, target=target, user=actor)
    return target.value


def _refuse_taken(actor: User, target: codes.Target) -> None:
    current = actor.phone if target.channel == CodeChannel.PHONE else actor.email
    if current == target.value:
        raise errors.ContactUnchanged(field="value")
    holder = contact_holder(target.channel, target.value)
    if holder is not None and holder != actor.pk:
        raise errors.IdentifierTaken(field="value")


def contact_change_confirm(*, actor: User, channel: str, value: str, code: str, ip: str) -> User:
    """Make the new mobile number or e-mail address the actor's, with the code sent to it. Audited.

    Raises CodeInvalid, CodeExpired, RateLimited, InvalidInput, ContactUnchanged, IdentifierTaken.
    """
    check(actor, AUTHENTICATED)
    target = codes.target_for(channel, value)
    row = codes.check(purpose=CodePurpose.CONTACT_CHANGE, target=target, code=code, ip=ip, user=actor)
    try:
        with transaction.atomic():
            user = user_lock(actor.pk)
            if user is None:
                raise errors.UserNotFound
            _refuse_taken(user, target)
            codes.consume(row)
            field = "phone" if target.channel == CodeChannel.PHONE else "email"
            before = user.masked_phone if field == "phone" else user.masked_email
            setattr(user, field, target.value)
            user.save(update_fields=["phone_sealed", "phone_index"] if field == "phone" else ["email"])
            audit.record(
                actor=actor,
                action=f"accounts.{field}_changed",
                target=user,
                before={field: before},
                after={field: target.masked},
            )
    except IntegrityError as exc:  # another account took it between the check and the write
        raise errors.IdentifierTaken(field="value") from exc
    actor.phone_sealed, actor.phone_index, actor.email = user.phone_sealed, user.phone_index, user.email
    return user


def profile_update(*, actor: User, display_name: str) -> User:
    """Set the actor's nickname (display name), up to 50 characters; empty shows the masked phone or e-mail."""
    check(actor, AUTHENTICATED)
    name = " ".join(display_name.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidInput(
            _("A nickname has at most %(n)d characters.") % {"n": DISPLAY_NAME_MAX},
            code="accounts.display_name_too_long",
            field="display_name",
        )
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(display_name=name)
    actor.display_name = name
    return actor


def avatar_set(*, actor: User, upload: Any) -> User:
    """Replace the actor's avatar with an uploaded image, sniffed and re-encoded before anything is written.

    The stored file is a JPEG of at most 400 px with no metadata; the old file is deleted after commit.
    Raises InvalidImage (not a JPEG, PNG or WebP, corrupt, or larger than 2 MB).
    """
    check(actor, AUTHENTICATED)
    if upload is None:
        raise InvalidImage(field="avatar")
    if (upload.size or 0) > AVATAR_MAX_BYTES:
        raise InvalidImage(
            _("The image is larger than %(mb)d MB.") % {"mb": AVATAR_MAX_BYTES // (1024 * 1024)},
            code="accounts.avatar_too_large",
            field="avatar",
        )
    try:
        processed = process_upload(bytes(upload.read()), name_stem=uuid.uuid4().hex)
    except InvalidImage as exc:
        raise InvalidImage(exc.message, code=exc.code, field="avatar") from exc
    return _replace_avatar(actor, processed.thumbnail)


def avatar_remove(*, actor: User) -> User:
    """Remove the actor's avatar (the initial of their name shows instead). Idempotent."""
    check(actor, AUTHENTICATED)
    return _replace_avatar(actor, None)


def _replace_avatar(actor: User, content: Any) -> User:
    with transaction.atomic():
        user = user_lock(actor.pk)
        if user is None:
            raise errors.UserNotFound
        old, storage = user.avatar.name, user.avatar.storage
        if content is None:
            user.avatar = ""
        else:
            user.avatar.save(content.name or "avatar.jpg", content, save=False)
        user.save(update_fields=["avatar"])
        if old and old != user.avatar.name:
            transaction.on_commit(lambda: storage.delete(old))
    actor.avatar = user.avatar.name
    return actor


# User management (support and admin operators) --------------------------------------------------


def _end_sessions(user: User, *, keep_token: str | None = None) -> int:
    """Sign ``user`` out everywhere: every session's hash goes stale and every API token is revoked.

    ``keep_token`` (a secret) is spared: the token of the request that asked. Returns how many were revoked.
    """
    User.objects.filter(pk=user.pk).update(session_generation=models.F("session_generation") + 1)
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if keep_token:
        tokens = tokens.exclude(digest=crypto.token_digest(keep_token))
    return tokens.update(revoked_at=timezone.now())


def _managed_user(actor: User, user_id: int) -> User:
    check(actor, USER_MANAGE)
    user = user_lock(user_id)
    if user is None:
        raise errors.UserNotFound
    if user.pk == actor.pk or (user.operator_role and actor.operator_role != OperatorRole.ADMIN):
        raise errors.UserProtected
    return user


@transaction.atomic
def user_set_active(*, actor: User, user_id: int, active: bool, reason: str) -> User:
    """Disable (signing the user out everywhere) or enable an account. Audited with the reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(code="accounts.reason_required", message=_("Give a reason."), field="reason")
    # Administrators' rows first (the order operator_role_set locks in): two administrators disabling each other at
    # once queue here, and the second finds itself disabled, so the platform always keeps one.
    admins = {admin.pk for admin in active_admins_lock()} if not active else set()
    user = _managed_user(actor, user_id)
    if user.is_active == active:
        return user
    if user.pk in admins and actor.pk not in admins:  # disabled meanwhile by the administrator they meant to disable
        raise PermissionDenied
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _end_sessions(user)
    audit.record(
        actor=actor,
        action="accounts.user_enabled" if active else "accounts.user_disabled",
        target=user,
        before={"is_active": not active},
        after={"is_active": active},
        reason=reason,
    )
    return user


@transaction.atomic
def user_sign_out_everywhere(*, actor: User, user_id: int, reason: str) -> int:
    """End all of a user's sessions and revoke their API tokens; returns how many tokens were revoked."""
    user = _managed_user(actor, user_id)
    revoked = _end_sessions(user)
    audit.record(
        actor=actor,
        action="accounts.user_signed_out",
        target=user,
        after={"tokens_revoked": revoked},
        reason=reason.strip(),
    )
    return revoked


from jishi.accounts.operators import operator_role_set  # noqa: E402, F401 (operator roles live there)
