"""The only place in inventory that takes row locks.

On SQLite ``select_for_update`` is a no-op, which is fine: transactions
there begin IMMEDIATE, so writers are already serialised.
"""

from jishi.inventory.models import Stock


def lock_stocks(sku_ids: list[int]) -> dict[int, Stock]:
    """Lock the stock rows of these SKUs in primary-key order (no deadlocks between two lockers)."""
    rows = Stock.objects.select_for_update().filter(pk__in=sorted(set(sku_ids))).order_by("pk")
    return {row.pk: row for row in rows}
