"""Reads of the inventory domain."""

from django.db.models import Exists, F, OuterRef, Q

from jishi.inventory.models import Stock


def available_for_skus(sku_ids: list[int]) -> dict[int, int]:
    """Units available to buy (quantity − reserved) per SKU id, in one query."""
    return {
        sku_id: quantity - reserved
        for sku_id, quantity, reserved in Stock.objects.filter(sku_id__in=sku_ids).values_list(
            "sku_id", "quantity", "reserved"
        )
    }


def product_in_stock_expression(product_ref: str = "pk") -> Exists:
    """An ``Exists`` that is true when any active SKU of the outer product has units available."""
    return Exists(
        Stock.objects.filter(
            Q(sku__product_id=OuterRef(product_ref)), Q(sku__is_active=True), quantity__gt=F("reserved")
        )
    )
