"""Reads of the shipping domain: templates and the fee for one parcel."""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from jishi.core import regions
from jishi.core.money import Money
from jishi.shipping.models import FeeBasis, FeeTemplate


@dataclass(frozen=True)
class Parcel:
    """What one merchant ships in one order."""

    items: int
    grams: int
    goods_total: Money


def fee_templates_for(merchant_ids: Iterable[int]) -> dict[int, FeeTemplate]:
    """The templates of these merchants with their rules (two queries); merchants without one are absent."""
    templates = FeeTemplate.objects.filter(merchant_id__in=set(merchant_ids)).prefetch_related("rules")
    return {template.merchant_id: template for template in templates}


def fee_template_for_merchant(merchant_id: int) -> FeeTemplate | None:
    return fee_templates_for([merchant_id]).get(merchant_id)


def shipping_fee(template: FeeTemplate | None, *, province: str, parcel: Parcel) -> Money:
    """The delivery fee for ``parcel`` to ``province`` (any GB/T 2260 code inside it, or its name).

    No template, or goods at or above the free threshold: free. By weight,
    every started kilogram counts and the first costs ``first_fee``.
    """
    currency = parcel.goods_total.currency
    if template is None:
        return Money.zero(currency)
    free_above = template.free_above
    if free_above is not None and parcel.goods_total >= free_above:
        return Money.zero(currency)
    found = regions.province_named(province) or regions.province_of(province)
    key = found.code if found is not None else ""
    rules = list(template.rules.all())
    rule = next((r for r in rules if key in r.provinces), None) or next((r for r in rules if not r.provinces), None)
    if rule is None:
        return Money.zero(currency)
    units = parcel.items if template.basis == FeeBasis.ITEM else max(1, math.ceil(parcel.grams / 1000))
    return Money(rule.first_fee_minor + rule.extra_fee_minor * max(0, units - 1), template.currency)
