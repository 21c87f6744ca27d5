"""Row locks on orders: the one place that takes them.

On SQLite ``select_for_update`` is a no-op, which is fine: transactions
there begin IMMEDIATE, so writers are serialised anyway.
"""

from jishi.orders.models import Order


def order_lock(order_id: int) -> None:
    """Hold the order's row until the transaction ends, so writers about its money queue one behind another."""
    Order.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True).first()
