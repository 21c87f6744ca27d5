"""Shipping fee templates: what a merchant charges to deliver, by province."""

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
