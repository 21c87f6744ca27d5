"""Stock per SKU and the movements that changed it."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Stock(models.Model):
    """On-hand ``quantity`` and the part of it ``reserved`` by unpaid orders.

    The database refuses a negative quantity, a negative reservation and a
    reservation above the quantity, whatever the code above it does.
    """

    sku = models.OneToOneField("catalog.Sku", on_delete=models.CASCADE, primary_key=True, related_name="stock")
    quantity = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inventory_quantity_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_reserved_gte_0"),
            models.CheckConstraint(condition=Q(reserved__lte=F("quantity")), name="inventory_reserved_lte_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.available}/{self.quantity}"

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class MovementReason(models.TextChoices):
    ADJUSTMENT = "adjustment", _("Adjustment")
    INITIAL = "initial", _("Initial stock")
    RESERVE = "reserve", _("Reserved for an order")
    RELEASE = "release", _("Released by a cancelled order")
    SALE = "sale", _("Sold (order paid)")
    RETURN = "return", _("Back in stock (refunded or returned)")
    FLASH_HOLD = "flash_hold", _("Held for a flash sale")
    FLASH_RELEASE = "flash_release", _("Back from a flash sale")


class StockMovement(models.Model):
    """One change of a SKU's stock: by how much, why, and by whom."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="stock_movements")
    quantity_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=20, choices=MovementReason.choices)
    # The order number for reservations, releases and sales; ``flash:<item id>`` for a flash sale's quota.
    reference = models.CharField(max_length=64, blank=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.sku_id} {self.quantity_delta:+d} ({self.reason})"
