"""One-time codes sent by SMS or e-mail: issuing, throttling, checking and consuming them.

A code is 6 digits, good for 15 minutes, once, and for fewer than five wrong
guesses. Only keyed hashes are stored (``core.crypto.blind_index``): of the
code and of where it was sent. Services call these helpers; the helpers
assume the caller's transaction where they say so.

Requests are throttled per target (one a minute, five an hour) and per
client address (twenty an hour), and wrong guesses per client address, on
the same cache windows as log-in failures. A refused request is a 429 the
same for a known and an unknown target.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from jishi.accounts import errors
from jishi.accounts.models import MAX_CODE_ATTEMPTS, CodeChannel, CodePurpose, User, VerificationCode
from jishi.accounts.validators import classify_identifier, normalize_mobile
from jishi.core import crypto
from jishi.core.errors import InvalidInput, RateLimited
from jishi.core.masking import mask_email, mask_phone
from jishi.core.ratelimit import FailureWindow
from jishi.core.transactions import after_commit

CODE_TTL = dt.timedelta(minutes=15)
CODE_CONTEXT = "accounts.code"
TARGET_CONTEXT = "accounts.code_target"
# (scope, limit, window in seconds): what one target, and one client address, may ask for.
TARGET_PAUSE = ("code-target-pause", 1, 60)
TARGET_HOURLY = ("code-target", 5, 3600)
IP_HOURLY = ("code-ip", 20, 3600)
IP_GUESSES = ("code-guess-ip", 30, 3600)


@dataclass(frozen=True)
class Target:
    """Where a code goes: a normalised mainland mobile number or a lower-cased e-mail address."""

    channel: str
    value: str

    @property
    def index(self) -> str:
        return crypto.blind_index(f"{self.channel}:{self.value}", context=TARGET_CONTEXT)

    @property
    def masked(self) -> str:
        return mask_phone(self.value) if self.channel == CodeChannel.PHONE else mask_email(self.value)


def _email(value: str, field: str) -> str:
    address = value.strip().lower()
    try:
        validate_email(address)
    except DjangoValidationError as exc:
        raise InvalidInput(_("Enter a valid e-mail address."), code="accounts.invalid_email", field=field) from exc
    return address


def target_of(identifier: str, *, field: str = "identifier") -> Target:
    """The target an identifier (a mobile number or an e-mail address) names. Raises InvalidInput."""
    kind, value = classify_identifier(identifier)
    if kind == "email":
        return Target(CodeChannel.EMAIL, _email(value, field))
    return Target(CodeChannel.PHONE, value)


def target_for(channel: str, value: str, *, field: str = "value") -> Target:
    """The target of an explicit channel ("phone" or "email"). Raises InvalidInput."""
    if channel == CodeChannel.PHONE:
        return Target(CodeChannel.PHONE, normalize_mobile(value, field=field))
    if channel == CodeChannel.EMAIL:
        return Target(CodeChannel.EMAIL, _email(value, field))
    raise InvalidInput(
        _("Choose the mobile number or the e-mail address."), code="accounts.invalid_channel", field="channel"
    )


def _window(spec: tuple[str, int, int]) -> FailureWindow:
    scope, limit, seconds = spec
    return FailureWindow(scope, limit=limit, window_seconds=seconds)


def _spend(window: FailureWindow, key: str) -> None:
    """Count one try, then refuse it when the count passes the limit: counting first, so requests at the same
    moment cannot all pass a check made before any of them is counted."""
    if window.hit(key) > window.limit:
        raise RateLimited(retry_after=window.retry_after(key) or window.window, code="accounts.too_many_codes")


def throttle_request(target: Target, ip: str) -> None:
    """Count one code request against the target and the client address; RateLimited once either is spent."""
    # the client address first: a request it may not make spends nothing of the number's or address's quota
    for window, key in (
        (_window(IP_HOURLY), ip),
        (_window(TARGET_PAUSE), target.index),
        (_window(TARGET_HOURLY), target.index),
    ):
        _spend(window, key)


def _code_hash(purpose: str, target: Target, code: str) -> str:
    return crypto.blind_index(f"{purpose}\x00{target.index}\x00{code}", context=CODE_CONTEXT)


def issue(*, purpose: CodePurpose, target: Target, user: User | None) -> VerificationCode:
    """Store a new code for ``target`` (replacing the user's earlier live ones) and send it after commit.

    With no user (a reset asked for a phone or e-mail of no account) the same rows are written, but the
    stored hash is of a random secret no 6-digit code matches, and nothing is sent. Call inside a transaction.
    """
    now = timezone.now()
    VerificationCode.objects.filter(purpose=purpose, target_index=target.index, user=user, used_at__isnull=True).update(
        used_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    hashed = code if user is not None else secrets.token_hex(16)
    row = VerificationCode.objects.create(
        purpose=purpose,
        channel=target.channel,
        target_index=target.index,
        code_hash=_code_hash(purpose, target, hashed),
        user=user,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    if user is not None:
        after_commit(_send, purpose=purpose, target=target, code=code)
    return row


def _send(*, purpose: str, target: Target, code: str) -> None:
    minutes = int(CODE_TTL.total_seconds() // 60)
    if purpose == CodePurpose.PASSWORD_RESET:
        text = _("Your code to reset your password is %(code)s. It is valid for %(minutes)d minutes.")
    else:
        text = _("Your code to confirm this contact for your account is %(code)s. It is valid for %(minutes)d minutes.")
    text = "{} {}".format(text % {"code": code, "minutes": minutes}, _("Do not give it to anyone."))
    if target.channel == CodeChannel.PHONE:
        import_string(settings.JISHI_SMS_ADAPTER)().send(
            phone=target.value, text=f"【{settings.JISHI_SITE_NAME}】{text}"
        )
    else:
        send_mail(
            subject=f"[{settings.JISHI_SITE_NAME}] {_('Your verification code')}",
            message=text,
            from_email=None,
            recipient_list=[target.value],
        )


def check(*, purpose: CodePurpose, target: Target, code: str, ip: str, user: User | None = None) -> VerificationCode:
    """The live code for ``target`` (and ``user``) when ``code`` is right; it is not consumed yet.

    Every guess is counted before it is compared, in one conditional UPDATE committed at once (call this
    outside the transaction of the change): of guesses at the same moment at most five are ever compared, and
    a code that has had five is burnt. Guesses from one client address are counted the same way. Raises
    CodeExpired (no live code: expired, used, burnt or never asked for), CodeInvalid (a wrong code),
    RateLimited (too many guesses from this client address).
    """
    _spend(_window(IP_GUESSES), ip)
    live = VerificationCode.objects.filter(
        purpose=purpose,
        target_index=target.index,
        used_at__isnull=True,
        attempts__lt=MAX_CODE_ATTEMPTS,
        expires_at__gt=timezone.now(),
    )
    if user is not None:
        live = live.filter(user=user)
    row = live.first()
    if row is None or not live.filter(pk=row.pk).update(attempts=F("attempts") + 1):
        raise errors.CodeExpired(field="code")
    given = "".join((code or "").split())
    if not hmac.compare_digest(row.code_hash, _code_hash(purpose, target, given)):
        raise errors.CodeInvalid(field="code")
    return row


def consume(row: VerificationCode) -> None:
    """Mark a checked code used. The guard is in the UPDATE, so of two confirmations at once only one passes.

    Call inside the transaction that makes the change. Raises CodeExpired for the one that lost.
    """
    now = timezone.now()
    used = VerificationCode.objects.filter(pk=row.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if used != 1:
        raise errors.CodeExpired(field="code")
