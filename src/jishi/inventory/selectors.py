"""Reads of the inventory domain."""

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q

from jishi.inventory.models import Stock

# How long a SKU found with nothing left is refused without asking the database (a flash sale's late
# buyers), unless stock comes back first: any release, return or restock clears it at once.
SOLD_OUT_SECONDS = 5


def sold_out_key(sku_id: int) -> str:
    return f"inventory:sold_out:{sku_id}"


def skus_sold_out(sku_ids: list[int]) -> list[int]:
    """Which of these SKUs a reservation found with nothing left moments ago: from the shared cache, no query."""
    if not sku_ids:
        return []
    found = cache.get_many([sold_out_key(sku_id) for sku_id in sku_ids])
    return [sku_id for sku_id in sku_ids if sold_out_key(sku_id) in found]


def stocked_sku_sql(product_column: str) -> str:
    """SQL for the id of one active SKU of ``product_column``'s product with units available, or NULL.

    For a page of rows: with its LIMIT, PostgreSQL cannot turn it into a
    hashed pass over every stock row (as it may an EXISTS), so it costs one
    index probe per row shown.
    """
    sku = Stock._meta.get_field("sku").related_model._meta.db_table
    # Table names come from the models, the column from the caller's own SQL.
    return (
        f"(SELECT s.sku_id FROM {Stock._meta.db_table} s JOIN {sku} k ON k.id = s.sku_id"  # noqa: S608
        f" WHERE k.product_id = {product_column} AND k.is_active AND s.quantity > s.reserved LIMIT 1)"
    )


def product_in_stock_expression() -> Exists:
    """An ``Exists`` that is true when any active SKU of the outer product has units available."""
    return Exists(
        Stock.objects.filter(Q(sku__product_id=OuterRef("pk")), Q(sku__is_active=True), quantity__gt=F("reserved"))
    )


def units_available(sku_id: int) -> int:
    """How many units of the SKU are on sale: on hand, less what unpaid orders and flash sales hold."""
    stock = Stock.objects.filter(pk=sku_id).values_list("quantity", "reserved").first()
    return stock[0] - stock[1] if stock else 0
