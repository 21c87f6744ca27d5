"""The favourites tables: a member's favourite products (收藏) with the price they were favourited at, the shops
they follow (关注店铺) and their browsing history (足迹), one row per product they looked at."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from jishi.core.money import CURRENCY, MoneyField, OptionalMoneyField


class Favourite(models.Model):
    """A product a member keeps (收藏), with its lowest SKU price when they did, and the price their last
    price-drop notice (降价提醒) named, so each drop is told once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3, default=CURRENCY)
    price_minor = models.BigIntegerField()  # the product's lowest active SKU price when it was favourited
    notified_price_minor = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    price = MoneyField("price_minor")
    notified_price = OptionalMoneyField("notified_price_minor")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="favourites_favourite_once"),
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="favourites_favourite_price_gte_0"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="favourites_favourite_newest"),
            models.Index(fields=["product"], name="favourites_favourite_product"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"


class ShopFollow(models.Model):
    """A shop a member follows (关注店铺)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_follows")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="favourites_follow_once")]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="favourites_follow_newest"),
            models.Index(fields=["merchant"], name="favourites_follow_merchant"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.merchant_id}"


class ProductView(models.Model):
    """A product in a member's browsing history (足迹): one row per member and product, moved to the latest view
    and counting the views."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_views")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField()
    views = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="favourites_view_once"),
            models.CheckConstraint(condition=Q(views__gte=1), name="favourites_view_views_gte_1"),
        ]
        indexes = [
            models.Index(fields=["user", "-viewed_at", "-id"], name="favourites_view_newest"),
            models.Index(fields=["viewed_at"], name="favourites_view_when"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} 👁 {self.product_id} ×{self.views}"
