"""Merchants, their staff, their applications to open, and their qualifications.

A merchant comes into being only when an operator approves an application
(or an operator creates one directly). Staff act through roles, and each
role carries a fixed set of capabilities. Qualifications (licences, animal
business permits) expire: listings in categories that need one are taken
off sale when the merchant's last valid one lapses.
"""

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.core import crypto
from jishi.core.storage import UnguessableName, private_storage
from jishi.merchants.roles import StaffRole
from jishi.merchants.states import ApplicationStatus, InvitationStatus, MerchantStatus


class MerchantKind(models.TextChoices):
    SHOP = "shop", _("Shop")
    PET_SHOP = "pet_shop", _("Pet shop")
    BREEDER = "breeder", _("Breeder")
    BRAND = "brand", _("Brand")
    # Pet sellers who are not businesses: a person rehoming their own animals, and animal rescues.
    INDIVIDUAL = "individual", _("Private seller")
    RESCUE = "rescue", _("Rescue organisation")


class Merchant(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MerchantKind.choices, default=MerchantKind.SHOP)
    status = models.CharField(_("status"), max_length=20, choices=MerchantStatus.choices, default=MerchantStatus.ACTIVE)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Where buyers send goods back (店铺退货地址): a contact's name and phone with the street, so sealed.
    return_address_sealed = models.TextField(_("return address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    return_address = crypto.SealedText("return_address_sealed", context="merchants.return_address")

    @property
    def is_active(self) -> bool:
        return self.status == MerchantStatus.ACTIVE


class Membership(models.Model):
    """A user's staff role at one merchant. A user works for at most one merchant."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=StaffRole.choices, default=StaffRole.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["merchant"], condition=models.Q(role="owner"), name="merchants_one_owner_per_merchant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"


class SubjectType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company")


class MerchantApplication(models.Model):
    """A user's request to open a merchant, reviewed by an operator.

    A company gives its name, its unified social credit code (GB 32100),
    its business licence and its legal representative; an individual needs
    an approved real-name verification instead. A user has at most one
    pending application.
    """

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    shop_name = models.CharField(_("shop name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=MerchantKind.choices)
    subject_type = models.CharField(_("applying as"), max_length=20, choices=SubjectType.choices)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    company_name = models.CharField(_("company name"), max_length=100, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    licence_image = models.ImageField(
        _("business licence"), upload_to=UnguessableName("licences"), storage=private_storage, blank=True
    )
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING)
    rejection_reason = models.CharField(max_length=200, blank=True)
    merchant = models.OneToOneField(
        Merchant, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-submitted_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["applicant"], condition=models.Q(status="pending"), name="merchants_one_pending_application"
            )
        ]

    def __str__(self) -> str:
        return self.shop_name


class QualificationKind(models.TextChoices):
    ANIMAL_BUSINESS_PERMIT = "animal_business_permit", _("Animal business permit")
    FOOD_BUSINESS_LICENCE = "food_business_licence", _("Food business licence")


# Merchant kinds that must hold a qualification whatever they sell.
KIND_QUALIFICATIONS: Mapping[str, frozenset[QualificationKind]] = {
    MerchantKind.PET_SHOP: frozenset({QualificationKind.ANIMAL_BUSINESS_PERMIT}),
    MerchantKind.BREEDER: frozenset({QualificationKind.ANIMAL_BUSINESS_PERMIT}),
}


class Qualification(models.Model):
    """A permit or licence: handed in with an application, kept by the merchant it opened."""

    application = models.ForeignKey(
        MerchantApplication, null=True, blank=True, on_delete=models.CASCADE, related_name="qualifications"
    )
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("qualification"), max_length=40, choices=QualificationKind.choices)
    number = models.CharField(_("permit number"), max_length=40)
    authority = models.CharField(_("issuing authority"), max_length=100)
    expires_on = models.DateField(_("valid until"))
    image = models.ImageField(
        _("scan"), upload_to=UnguessableName("qualifications"), storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("kind", "-expires_on")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def expired(self) -> bool:
        return self.expires_on < timezone.localdate()


class CategoryRequirement(models.Model):
    """Listing in this category (and those below it) needs a valid qualification of this kind."""

    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=QualificationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["category", "kind"], name="merchants_one_requirement_per_category_kind")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.kind}"


class Invitation(models.Model):
    """An owner's invitation for a phone number or e-mail address to join the merchant with a role."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    # The blind index of the invited phone number or e-mail address (never stored in clear).
    contact_index = models.CharField(max_length=64)
    contact_masked = models.CharField(max_length=60)
    role = models.CharField(max_length=20, choices=StaffRole.choices)
    status = models.CharField(max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["merchant", "contact_index"],
                condition=models.Q(status="pending"),
                name="merchants_one_pending_invitation_per_contact",
            ),
            models.CheckConstraint(condition=~models.Q(role="owner"), name="merchants_invitation_not_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_masked} → {self.merchant_id} ({self.role})"
