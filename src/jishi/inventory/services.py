"""Writes of the inventory domain.

Every change is a guarded UPDATE (the condition lives inside the write, so it
holds on SQLite, where SELECT ... FOR UPDATE does nothing) plus a movement row.
"""

from typing import Any

from django.db import transaction

from jishi.inventory.errors import InvalidQuantity, OutOfStock
from jishi.inventory.locks import lock_stocks
from jishi.inventory.models import MovementReason, Stock, StockMovement

MAX_QUANTITY = 1_000_000


def _check(quantity: int) -> None:
    if not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(field="stock")


@transaction.atomic
def stock_initialise(*, actor: Any, sku_id: int, quantity: int) -> Stock:
    """Create the stock row of a new SKU. Idempotent: an existing row is returned unchanged."""
    _check(quantity)
    stock, created = Stock.objects.get_or_create(sku_id=sku_id, defaults={"quantity": quantity})
    if created and quantity:
        StockMovement.objects.create(
            sku_id=sku_id, quantity_delta=quantity, reason=MovementReason.INITIAL, actor=_user(actor)
        )
    return stock


@transaction.atomic
def stock_set(*, actor: Any, sku_id: int, quantity: int) -> Stock:
    """Set the on-hand quantity of a SKU as counted by the merchant.

    The new quantity may not fall below what unpaid orders have reserved:
    raises OutOfStock rather than oversell. Setting the same quantity twice
    records nothing the second time.
    """
    _check(quantity)
    stock_initialise(actor=actor, sku_id=sku_id, quantity=0)
    stock = lock_stocks([sku_id])[sku_id]
    previous = stock.quantity
    if previous == quantity:
        return stock
    updated = Stock.objects.filter(pk=sku_id, reserved__lte=quantity).update(quantity=quantity)
    if updated != 1:
        raise OutOfStock(field="stock", params={"sku_id": sku_id})
    StockMovement.objects.create(
        sku_id=sku_id, quantity_delta=quantity - previous, reason=MovementReason.ADJUSTMENT, actor=_user(actor)
    )
    stock.refresh_from_db()
    return stock


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
