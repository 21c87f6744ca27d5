"""Merchants and their staff."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantKind(models.TextChoices):
    SHOP = "shop", _("Shop")
    PET_SHOP = "pet_shop", _("Pet shop")
    BREEDER = "breeder", _("Breeder")
    BRAND = "brand", _("Brand")


class MerchantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class StaffRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")


class Merchant(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MerchantKind.choices, default=MerchantKind.SHOP)
    status = models.CharField(_("status"), max_length=20, choices=MerchantStatus.choices, default=MerchantStatus.ACTIVE)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

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
