"""Reads of the inventory domain."""

from django.db.models import Exists, F, OuterRef, Q

from jishi.inventory.models import Stock


def products_in_stock(product_ids: list[int]) -> set[int]:
    """Which of these products have an active SKU with units available (one query)."""
    return set(
        Stock.objects.filter(
            sku__product_id__in=product_ids, sku__is_active=True, quantity__gt=F("reserved")
        ).values_list("sku__product_id", flat=True)
    )


def product_in_stock_expression() -> Exists:
    """An ``Exists`` that is true when any active SKU of the outer product has units available."""
    return Exists(
        Stock.objects.filter(Q(sku__product_id=OuterRef("pk")), Q(sku__is_active=True), quantity__gt=F("reserved"))
    )
