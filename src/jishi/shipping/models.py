"""Shipping: fee templates (what a merchant charges to deliver, by province) and parcel tracking."""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.money import CURRENCY, OptionalMoneyField


class FeeBasis(models.TextChoices):
    ITEM = "item", _("Per item")
    WEIGHT = "weight", _("Per kg")


class FeeTemplate(models.Model):
    """A merchant's delivery charges. A merchant without a template delivers free of charge."""

    merchant = models.OneToOneField("merchants.Merchant", on_delete=models.CASCADE, related_name="fee_template")
    basis = models.CharField(max_length=10, choices=FeeBasis.choices, default=FeeBasis.ITEM)
    currency = models.CharField(max_length=3, default=CURRENCY)
    # Orders whose goods total reaches this amount ship free; null: never free.
    free_above_minor = models.BigIntegerField(null=True, blank=True)
    # GB/T 2260 province codes ("650000") the merchant does not deliver to; checkout refuses addresses there.
    not_served = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(free_above_minor__isnull=True) | Q(free_above_minor__gte=0),
                name="shipping_free_above_gte_0",
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} ({self.basis})"

    free_above = OptionalMoneyField("free_above_minor")


class FeeRule(models.Model):
    """The fee for some provinces: ``first_fee`` for the first item (or kg), ``extra_fee`` for each one after.

    The rule with no provinces is the template's default for every province
    no other rule names.
    """

    template = models.ForeignKey(FeeTemplate, on_delete=models.CASCADE, related_name="rules")
    # GB/T 2260 province codes ("440000"); empty for the default rule.
    provinces = models.JSONField(default=list, blank=True)
    first_fee_minor = models.BigIntegerField()
    extra_fee_minor = models.BigIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(first_fee_minor__gte=0), name="shipping_first_fee_gte_0"),
            models.CheckConstraint(condition=Q(extra_fee_minor__gte=0), name="shipping_extra_fee_gte_0"),
        ]

    def __str__(self) -> str:
        return ",".join(self.provinces) or "*"


class TrackingStatus(models.TextChoices):
    """Where a parcel is, as the timeline shows it (快递100's ``state`` codes map onto these)."""

    COLLECTED = "collected", pgettext_lazy("parcel", "Collected")
    IN_TRANSIT = "in_transit", pgettext_lazy("parcel", "In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", pgettext_lazy("parcel", "Out for delivery")
    DELIVERED = "delivered", pgettext_lazy("parcel", "Signed for")
    PROBLEM = "problem", pgettext_lazy("parcel", "Problem")
    RETURNED = "returned", pgettext_lazy("parcel", "Returned")


class SubscriptionState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("tracking", "Waiting to subscribe")
    SUBSCRIBED = "subscribed", pgettext_lazy("tracking", "Subscribed")
    FAILED = "failed", pgettext_lazy("tracking", "Not tracked")
    ENDED = "ended", pgettext_lazy("tracking", "Tracking ended")


class TrackingSubscription(models.Model):
    """An order's parcel followed at a tracking aggregator, which calls back with each new event.

    One per shipped order; two orders sent in one parcel have a subscription each with the same number.
    """

    order_id = models.BigIntegerField(unique=True)
    carrier_code = models.CharField(max_length=20, blank=True)  # 快递100's company code; empty: not a listed one
    number = models.CharField(max_length=40, db_index=True)
    adapter = models.CharField(max_length=20)
    state = models.CharField(max_length=20, choices=SubscriptionState.choices, default=SubscriptionState.PENDING)
    last_error = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.carrier_code} {self.number}"


class TrackingEvent(models.Model):
    """One step of a parcel's journey as the courier reported it. A repeated callback adds nothing."""

    subscription = models.ForeignKey(TrackingSubscription, on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    description = models.CharField(max_length=500)
    location = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-time", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("subscription", "time", "description"), name="shipping_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.status}"


class SandboxParcel(models.Model):
    """The sandbox courier's own books: the journey it scripted for a parcel, and how far it has told it.

    This is the aggregator's side, kept here so the demo and the tests have one that calls back like 快递100.
    """

    subscription = models.OneToOneField(TrackingSubscription, on_delete=models.CASCADE, related_name="sandbox")
    callback_url = models.CharField(max_length=300)
    # [{"at": ISO time, "state": 快递100 state code, "context": text, "area": place}], in time order.
    script = models.JSONField(default=list)
    sent = models.PositiveSmallIntegerField(default=0)  # steps already called back (answered)
    next_at = models.DateTimeField(null=True, blank=True, db_index=True)  # the next step is due; null: done
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.sent}/{len(self.script)}"
