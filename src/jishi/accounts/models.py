"""Users, API tokens, addresses and real-name verification.

Phone numbers and ID numbers are stored sealed (AES-GCM, ``core.crypto``)
with a keyed blind index beside them for look-ups; nothing here stores them
in clear.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from jishi.accounts.roles import OperatorRole
from jishi.accounts.states import KycStatus
from jishi.core import crypto
from jishi.core.masking import mask_email, mask_phone

PHONE_CONTEXT = "accounts.phone"
ID_NUMBER_CONTEXT = "accounts.id_number"
REAL_NAME_CONTEXT = "accounts.real_name"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> User:
        if not email and not phone:
            raise ValueError("a user needs an e-mail address or a mobile number")
        user = self.model(email=self.normalize_email(email).lower() if email else None, **extra)
        if phone:
            user.phone = phone
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("operator_role", OperatorRole.ADMIN)
        return self.create_user(email=email, password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True, null=True, blank=True)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    # Stored re-encoded (``core.images``): a JPEG of at most 400 px a side, with no metadata.
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    operator_role = models.CharField(_("operator role"), max_length=20, choices=OperatorRole.choices, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use Django's raw-data admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped to sign the user out everywhere: every session's auth hash includes it.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.masked_identifier

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash covers the password only; the generation lets an operator end every session.
        return salted_hmac(
            "jishi.accounts.User.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_sealed, context=PHONE_CONTEXT) if self.phone_sealed else ""

    @phone.setter
    def phone(self, value: str) -> None:
        if value:
            self.phone_sealed = crypto.seal(value, context=PHONE_CONTEXT)
            self.phone_index = crypto.blind_index(value, context=PHONE_CONTEXT)
        else:
            self.phone_sealed = ""
            self.phone_index = None

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone_sealed else ""

    @property
    def masked_email(self) -> str:
        return mask_email(self.email) if self.email else ""

    @property
    def masked_identifier(self) -> str:
        return self.masked_phone or self.masked_email

    @property
    def is_operator(self) -> bool:
        return bool(self.operator_role)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    name = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    receiver = models.CharField(_("receiver"), max_length=40)
    phone_sealed = models.TextField(editable=False)
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30, blank=True)
    # GB/T 2260 code of the district (or of the city, or province, where there is none below); empty only on
    # addresses written before codes were kept.
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    detail = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-is_default", "-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True), name="accounts_one_default_address"),
        ]

    def __str__(self) -> str:
        return f"{self.receiver} {self.province}{self.city}{self.district}"

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_sealed, context=PHONE_CONTEXT)

    @phone.setter
    def phone(self, value: str) -> None:
        self.phone_sealed = crypto.seal(value, context=PHONE_CONTEXT)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class RealNameVerification(models.Model):
    """A real-name (KYC) submission. A user has at most one pending or approved at a time."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verifications")
    real_name_sealed = models.TextField(editable=False)
    real_name_masked = models.CharField(max_length=40)
    id_number_sealed = models.TextField(editable=False)
    id_number_index = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(max_length=18)
    status = models.CharField(max_length=10, choices=KycStatus.choices, default=KycStatus.PENDING)
    rejection_reason = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-submitted_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status__in=["pending", "approved"]), name="accounts_one_live_kyc_per_user"
            ),
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=Q(status__in=["pending", "approved"]),
                name="accounts_id_number_used_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name_masked} {self.id_number_masked}"

    @property
    def real_name(self) -> str:
        return crypto.unseal(self.real_name_sealed, context=REAL_NAME_CONTEXT)

    @property
    def id_number(self) -> str:
        return crypto.unseal(self.id_number_sealed, context=ID_NUMBER_CONTEXT)


class CodePurpose(models.TextChoices):
    PASSWORD_RESET = "password_reset", _("password reset")
    CONTACT_CHANGE = "contact_change", _("contact change")


class CodeChannel(models.TextChoices):
    PHONE = "phone", _("mobile number")
    EMAIL = "email", _("e-mail")


MAX_CODE_ATTEMPTS = 5


class VerificationCode(models.Model):
    """A one-time code sent by SMS or e-mail: to reset a forgotten password, or to prove a new phone or e-mail.

    Neither the code nor where it went is stored: only keyed hashes of both (``core.crypto.blind_index``).
    A code is good once, until ``expires_at``, and for fewer than ``MAX_CODE_ATTEMPTS`` wrong guesses;
    ``used_at`` is set by the conditional UPDATE that consumes it (or when a newer code replaces it).
    A reset asked for a phone or e-mail of no account is stored too, with no user and a hash no code
    matches, so both cases do the same work and answer alike.
    """

    purpose = models.CharField(max_length=20, choices=CodePurpose.choices)
    channel = models.CharField(max_length=10, choices=CodeChannel.choices)
    target_index = models.CharField(max_length=64, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["purpose", "target_index", "-created_at"], name="accounts_code_lookup")
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(attempts__lte=MAX_CODE_ATTEMPTS), name="accounts_code_attempts_at_most_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.channel} #{self.pk}"
