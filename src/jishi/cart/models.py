"""Carts: one per signed-in user, one per guest browser session."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from jishi.core.money import CURRENCY, MoneyField

MAX_LINE_QUANTITY = 99


class Cart(models.Model):
    """A user's cart, or a guest's (found through ``token``, which the guest's session holds)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    token = models.CharField(max_length=40, null=True, blank=True, unique=True, default=None)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(token__isnull=True))
                | (Q(user__isnull=True) & Q(token__isnull=False)),
                name="cart_user_xor_guest_token",
            )
        ]

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    """A SKU and how many. ``price_minor_added`` is the price when the buyer added it, to flag changes."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField()
    price_minor_added = models.BigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-added_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_one_line_per_sku"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_LINE_QUANTITY), name="cart_quantity_1_to_99"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"

    price_added = MoneyField("price_minor_added")
