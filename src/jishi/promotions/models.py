"""Coupons: the templates shops and the platform issue, the codes they hand out, and the coupons buyers hold.

The limits live in the rows and their constraints: a template never gives
out more coupons than its quantity (``claimed_count <= total_quantity``),
a buyer never holds more of one template than its per-user limit (one row
per claim number, unique per template and buyer), and a coupon is used by
at most one checkout at a time (``checkout_number`` set only while used).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jishi.core.money import CURRENCY, MoneyField, OptionalMoneyField
from jishi.promotions.pricing import CouponKind


class TemplateStatus(models.TextChoices):
    ACTIVE = "active", _("Running")
    STOPPED = "stopped", _("Stopped")


class CouponTemplate(models.Model):
    """A coupon offer: what it takes off, on what, for how long, and how many may be claimed."""

    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="coupon_templates"
    )  # None: the platform's
    name = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=CouponKind.choices)
    currency = models.CharField(max_length=3, default=CURRENCY)
    amount_minor = models.BigIntegerField(null=True, blank=True)  # amount off; for a percentage, its cap
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    min_spend_minor = models.BigIntegerField(default=0)
    # What it covers: one shop (a platform coupon may name one), categories (with their descendants), products.
    scope_merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category_ids = models.JSONField(default=list, blank=True)
    product_ids = models.JSONField(default=list, blank=True)
    # When a claimed coupon can be used: a window, or a number of days from claiming.
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(null=True, blank=True)
    total_quantity = models.PositiveIntegerField()
    claimed_count = models.PositiveIntegerField(default=0)
    per_user_limit = models.PositiveSmallIntegerField(default=1)
    exclusive = models.BooleanField(default=False)
    claimable = models.BooleanField(default=True)  # shown to be claimed (领券); otherwise handed out by code only
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    amount = OptionalMoneyField("amount_minor")
    min_spend = MoneyField("min_spend_minor")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__lte=F("total_quantity")), name="promotions_template_claims_within_quantity"
            ),
            models.CheckConstraint(condition=Q(total_quantity__gte=1), name="promotions_template_quantity_gte_1"),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="promotions_template_per_user_gte_1"),
            models.CheckConstraint(condition=Q(min_spend_minor__gte=0), name="promotions_template_min_spend_gte_0"),
            models.CheckConstraint(
                condition=Q(amount_minor__isnull=True) | Q(amount_minor__gte=1), name="promotions_template_amount_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(percent_off__isnull=True) | Q(percent_off__gte=1, percent_off__lte=100),
                name="promotions_template_percent_1_100",
            ),
            models.CheckConstraint(
                condition=Q(valid_days__isnull=False) | Q(valid_until__isnull=False),
                name="promotions_template_has_validity",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status"], name="promotions_template_merchant"),
        ]

    def __str__(self) -> str:
        return self.name


class CouponCode(models.Model):
    """A code that gives one coupon of its template to whoever redeems it first (兑换码)."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=32, unique=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.template_id}:{self.code[:4]}…"


class Coupon(models.Model):
    """A coupon a buyer holds. Unused until a checkout takes it; given back if that checkout is cancelled unpaid."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coupons")
    claim_number = models.PositiveSmallIntegerField()  # 1 … the template's per-user limit
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    checkout_number = models.CharField(max_length=24, blank=True)  # the checkout using it; empty while unused
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "owner", "claim_number"], name="promotions_coupon_claim_once"),
            models.CheckConstraint(condition=Q(claim_number__gte=1), name="promotions_coupon_claim_number_gte_1"),
        ]
        indexes = [
            models.Index(fields=["owner", "valid_until"], name="promotions_coupon_wallet"),
            models.Index(fields=["checkout_number"], name="promotions_coupon_checkout"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}/{self.owner_id}/{self.claim_number}"

    @property
    def used(self) -> bool:
        return bool(self.checkout_number)


class ThresholdPromotion(models.Model):
    """A shop's 满减 / 满折 over a scope for a time: tiers such as 满200减30, 满300减50, or 满2件9折."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="threshold_promotions")
    name = models.CharField(max_length=40)
    # Each tier: threshold_minor or quantity (满 ¥ or 满 N 件), and off_minor or percent_off (减 ¥ or 打折).
    tiers = models.JSONField()
    category_ids = models.JSONField(default=list, blank=True)
    product_ids = models.JSONField(default=list, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="promotions_threshold_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "ends_at"], name="promotions_threshold_live"),
        ]

    def __str__(self) -> str:
        return self.name


class LimitedPrice(models.Model):
    """A SKU at a lower price for a time (限时折扣), with an optional limit of units per buyer."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="limited_prices")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="limited_prices")
    label = models.CharField(max_length=20)
    price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    per_user_limit = models.PositiveSmallIntegerField(null=True, blank=True)  # None: no limit
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    price = MoneyField("price_minor")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price_minor__gte=1), name="promotions_limited_price_gte_1"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="promotions_limited_ends_after_start"),
            models.CheckConstraint(
                condition=Q(per_user_limit__isnull=True) | Q(per_user_limit__gte=1),
                name="promotions_limited_limit_gte_1",
            ),
        ]
        indexes = [
            models.Index(fields=["sku", "status", "ends_at"], name="promotions_limited_live"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.sku_id}"


class FlashSession(models.Model):
    """A flash-sale slot (秒杀场次), e.g. 20:00–22:00: the platform's, filled with the shops' approved SKUs."""

    title = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    real_name_required = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("starts_at", "id")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="promotions_flash_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="promotions_flash_session_live")]

    def __str__(self) -> str:
        return self.title


class FlashItemStatus(models.TextChoices):
    APPLIED = "applied", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Session over")


class FlashItem(models.Model):
    """A shop's SKU in a session (报名): its flash price, the quota taken out of stock on approval, a limit per buyer.

    ``sold`` counts the units of orders not cancelled; it never passes the quota (the guard is the UPDATE's).
    """

    session = models.ForeignKey(FlashSession, on_delete=models.PROTECT, related_name="items")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="flash_items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="flash_items")
    price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    quota = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0)
    per_user_limit = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=FlashItemStatus.choices, default=FlashItemStatus.APPLIED)
    reason = models.CharField(max_length=200, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    price = MoneyField("price_minor")

    class Meta:
        ordering = ("session_id", "id")
        constraints = [
            models.CheckConstraint(condition=Q(price_minor__gte=1), name="promotions_flash_price_gte_1"),
            models.CheckConstraint(condition=Q(quota__gte=1), name="promotions_flash_quota_gte_1"),
            models.CheckConstraint(condition=Q(sold__lte=F("quota")), name="promotions_flash_sold_within_quota"),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="promotions_flash_per_user_gte_1"),
            models.UniqueConstraint(
                fields=["session", "sku"],
                condition=Q(status__in=["applied", "approved"]),
                name="promotions_flash_one_live_item_per_sku",
            ),
        ]
        indexes = [models.Index(fields=["status", "session"], name="promotions_flash_item_queue")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.sku_id}"

    @property
    def left(self) -> int:
        return self.quota - self.sold


class FlashBuyer(models.Model):
    """How many units of a flash item one buyer holds in orders not cancelled: the per-buyer guard's row."""

    item = models.ForeignKey(FlashItem, on_delete=models.CASCADE, related_name="buyers")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "buyer"], name="promotions_flash_buyer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.buyer_id}: {self.units}"


class FlashTake(models.Model):
    """The units one checkout took from a flash item; given back once if the checkout is cancelled unpaid."""

    item = models.ForeignKey(FlashItem, on_delete=models.PROTECT, related_name="takes")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checkout_number = models.CharField(max_length=24, db_index=True)
    units = models.PositiveIntegerField()
    given_back = models.BooleanField(default=False)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="promotions_flash_take_units_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.checkout_number}: {self.units} of {self.item_id}"
