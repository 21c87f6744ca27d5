"""Orders: one per merchant per checkout, their lines and their history.

An order copies what it needs at the moment it is placed (titles, prices,
the delivery address) so later edits to the catalog or the address book
never rewrite what was bought. Totals are integer fen and the database
checks that they add up.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jishi.core import crypto
from jishi.core.masking import mask_phone
from jishi.core.money import CURRENCY, MoneyField
from jishi.core.phrases import shown
from jishi.orders.states import ActorRole, EventKind, OrderKind, OrderStatus

PHONE_CONTEXT = "orders.receiver_phone"


class Fulfilment(models.TextChoices):
    """How the goods reach the buyer: delivered to an address, or collected at a leader's pickup point (自提)."""

    DELIVERY = "delivery", _("Delivery")
    PICKUP = "pickup", _("Pickup at a point")


class Order(models.Model):
    number = models.CharField(max_length=24, unique=True)
    # Every order of one checkout shares the number of the checkout, and is paid (or cancelled) with it.
    checkout_number = models.CharField(max_length=24, db_index=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=20, choices=OrderKind.choices, default=OrderKind.STANDARD)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    currency = models.CharField(max_length=3, default=CURRENCY)
    goods_minor = models.BigIntegerField()
    shipping_minor = models.BigIntegerField(default=0)
    # Coupons and promotions fill this; the total is always goods + shipping - discount.
    discount_minor = models.BigIntegerField(default=0)
    # The part of the discount the platform pays for (its coupons): the merchant is paid it by the platform.
    subsidy_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True)

    fulfilment = models.CharField(max_length=20, choices=Fulfilment.choices, default=Fulfilment.DELIVERY)
    # For a pickup: the point (community.PickupPoint), whose name and address the address fields copy.
    pickup_point_id = models.BigIntegerField(null=True, blank=True)
    receiver = models.CharField(max_length=40)
    receiver_phone_sealed = models.TextField()
    province = models.CharField(max_length=30)
    city = models.CharField(max_length=30)
    district = models.CharField(max_length=30)
    address_detail = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=6, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)

    placed_at = models.DateTimeField(auto_now_add=True)
    pay_by = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    # Receipt is confirmed for the buyer at this time if they have not confirmed it themselves.
    confirm_by = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The after-sales window closes and the order completes at this time.
    complete_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # An after-sales request is open: the order is not shipped, confirmed or completed (so not settled) meanwhile.
    on_hold = models.BooleanField(default=False)

    class Meta:
        ordering = ("-placed_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["buyer", "-placed_at"], name="orders_buyer_recent"),
            models.Index(fields=["merchant", "status", "-placed_at"], name="orders_merchant_status"),
            models.Index(fields=["status", "pay_by"], name="orders_unpaid_due"),
            models.Index(fields=["status", "confirm_by"], name="orders_confirm_due"),
            models.Index(fields=["status", "complete_at"], name="orders_complete_due"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(goods_minor__gte=0), name="orders_goods_gte_0"),
            models.CheckConstraint(condition=Q(shipping_minor__gte=0), name="orders_shipping_gte_0"),
            models.CheckConstraint(condition=Q(discount_minor__gte=0), name="orders_discount_gte_0"),
            models.CheckConstraint(
                condition=Q(total_minor=F("goods_minor") + F("shipping_minor") - F("discount_minor")),
                name="orders_total_adds_up",
            ),
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="orders_total_gte_0"),
            models.CheckConstraint(
                condition=Q(subsidy_minor__gte=0, subsidy_minor__lte=F("discount_minor")),
                name="orders_subsidy_within_discount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    goods = MoneyField("goods_minor")
    shipping = MoneyField("shipping_minor")
    discount = MoneyField("discount_minor")
    total = MoneyField("total_minor")

    @property
    def receiver_phone(self) -> str:
        return crypto.unseal(self.receiver_phone_sealed, context=PHONE_CONTEXT)

    @receiver_phone.setter
    def receiver_phone(self, value: str) -> None:
        self.receiver_phone_sealed = crypto.seal(value, context=PHONE_CONTEXT)

    @property
    def masked_receiver_phone(self) -> str:
        return mask_phone(self.receiver_phone)

    @property
    def in_fulfilment(self) -> bool:
        """Paid and not yet delivered: the window in which the shop may need to call the receiver."""
        return self.status in (OrderStatus.PAID, OrderStatus.SHIPPED)

    @property
    def address_line(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.address_detail}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    sku_label = models.CharField(max_length=120, blank=True)
    image = models.CharField(max_length=255, blank=True)
    unit_price_minor = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    # A promotion's share of this line; refunds by line never exceed total_minor.
    discount_minor = models.BigIntegerField(default=0)
    # The platform-funded part of that share: the line's commission base is total + subsidy.
    subsidy_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    weight_grams = models.PositiveIntegerField(default=0)
    # The limited price (限时折扣) this line's units were sold at, and how many of them: a buyer's limit counts these.
    limited_price_id = models.BigIntegerField(null=True, blank=True)
    limited_units = models.PositiveIntegerField(default=0)
    # The flash-sale item (秒杀) all of this line's units came from: they were held out of stock for it, so
    # the line reserves nothing, and a cancellation gives them back to the flash sale, not to the shelf.
    flash_item_id = models.BigIntegerField(null=True, blank=True)
    # Units of this line whose money went back, and units the buyer sent back that the shop received
    # (returned for a refund or exchanged); after-sales keeps both, in the transaction that settles a request.
    refunded_quantity = models.PositiveIntegerField(default=0)
    returned_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_line_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=F("quantity")), name="orders_line_refunded_lte_quantity"
            ),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=F("quantity")), name="orders_line_returned_lte_quantity"
            ),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="orders_line_price_gte_0"),
            models.CheckConstraint(
                condition=Q(total_minor=F("unit_price_minor") * F("quantity") - F("discount_minor")),
                name="orders_line_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_minor__gte=0, subsidy_minor__lte=F("discount_minor")),
                name="orders_line_subsidy_within_discount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"

    unit_price = MoneyField("unit_price_minor", currency="order.currency")
    total = MoneyField("total_minor", currency="order.currency")


class OrderAdjustment(models.Model):
    """One named step of the order's price (满200减30 −¥30.00, 店铺券 −¥10.00), as the buyer saw it at checkout.

    Its shares are in the lines' ``discount_minor``; a shipping step takes its amount off the shipping fee.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="adjustments")
    step = models.CharField(max_length=20)  # promotions.pricing.Step
    label = models.CharField(max_length=60)
    amount_minor = models.BigIntegerField()
    funded_by_platform = models.BooleanField(default=False)
    source_kind = models.CharField(max_length=20)  # limited_price, threshold, coupon
    source_id = models.BigIntegerField()

    class Meta:
        ordering = ("id",)
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gte=1), name="orders_adjustment_amount_gte_1"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["source_kind", "source_id"], name="orders_adjustment_source"),
        ]

    def __str__(self) -> str:
        return f"{self.label} -{self.amount_minor}"

    amount = MoneyField("amount_minor", currency="order.currency")


class OrderEvent(models.Model):
    """One step in an order's history: who moved it (or held or released it), from where to where, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    kind = models.CharField(max_length=10, choices=EventKind.choices, default=EventKind.STATUS)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    reason = models.CharField(max_length=200, blank=True)
    reason_phrase = models.JSONField(null=True, blank=True)  # core.phrases: the reason in any reader's language
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} → {self.to_status}"

    @property
    def reason_shown(self) -> str:
        return shown(self.reason, self.reason_phrase)
