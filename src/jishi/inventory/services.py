"""Writes of the inventory domain.

Every change is a guarded UPDATE (the condition lives inside the write, so it
holds on SQLite, where SELECT ... FOR UPDATE does nothing) plus a movement row.
"""

from collections import Counter
from collections.abc import Iterable, Mapping

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from jishi.core.actors import Actor, signed_in
from jishi.core.transactions import after_commit
from jishi.inventory.errors import InvalidQuantity, OutOfStock, StockStateBroken
from jishi.inventory.locks import lock_stocks
from jishi.inventory.models import MovementReason, Stock, StockMovement
from jishi.inventory.selectors import SOLD_OUT_SECONDS, sold_out_key

MAX_QUANTITY = 1_000_000


def _back_on_sale(sku_ids: Iterable[int]) -> None:
    """Units came back: buyers are no longer refused early. Now, and again once the change commits
    (a reservation failing meanwhile may have flagged the SKU again)."""
    keys = [sold_out_key(sku_id) for sku_id in sku_ids]
    cache.delete_many(keys)
    after_commit(cache.delete_many, keys)


def _refuse_short(sku_id: int, quantity: int) -> OutOfStock:
    """The error for a SKU short of ``quantity``; with nothing at all left, the SKU is flagged sold out."""
    if not Stock.objects.filter(pk=sku_id, quantity__gt=F("reserved")).exists():
        cache.set(sold_out_key(sku_id), 1, SOLD_OUT_SECONDS)
    return OutOfStock(field="quantity", params={"sku_id": sku_id, "requested": quantity})


def _check(quantity: int) -> None:
    if not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(field="stock")


@transaction.atomic
def stock_initialise(*, actor: Actor, sku_id: int, quantity: int) -> Stock:
    """Create the stock row of a new SKU. Idempotent: an existing row is returned unchanged."""
    _check(quantity)
    stock, created = Stock.objects.get_or_create(sku_id=sku_id, defaults={"quantity": quantity})
    if created and quantity:
        StockMovement.objects.create(
            sku_id=sku_id, quantity_delta=quantity, reason=MovementReason.INITIAL, actor=signed_in(actor)
        )
    return stock


@transaction.atomic
def stock_set(*, actor: Actor, sku_id: int, quantity: int) -> Stock:
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
        sku_id=sku_id, quantity_delta=quantity - previous, reason=MovementReason.ADJUSTMENT, actor=signed_in(actor)
    )
    if quantity > previous:
        _back_on_sale([sku_id])
    stock.refresh_from_db()
    return stock


# Stock changes for several orders at once: order reference → (sku_id, quantity) lines.
OrderLines = Mapping[str, Iterable[tuple[int, int]]]


def _plan(lines: OrderLines) -> tuple[list[tuple[int, int]], list[tuple[str, int, int]]]:
    """Totals per SKU in SKU order (every writer takes row locks in the same order, so none deadlock)
    and the movement rows to write."""
    totals: Counter[int] = Counter()
    movements = []
    for reference, order_lines in lines.items():
        for sku_id, quantity in order_lines:
            if quantity <= 0:
                raise InvalidQuantity(field="quantity")
            totals[sku_id] += quantity
            movements.append((reference, sku_id, quantity))
    return sorted(totals.items()), movements


def _record(movements: list[tuple[str, int, int]], *, reason: str, actor: Actor, sign: int, sold: bool) -> None:
    StockMovement.objects.bulk_create(
        StockMovement(
            sku_id=sku_id,
            quantity_delta=-quantity if sold else 0,
            reserved_delta=sign * quantity,
            reason=reason,
            reference=reference,
            actor=signed_in(actor),
        )
        for reference, sku_id, quantity in movements
    )


def stock_reserve(
    *, actor: Actor, lines: OrderLines, savepoint: bool = True, reason: str = MovementReason.RESERVE
) -> None:
    """Reserve the lines of unpaid orders (or a flash sale's quota, ``reason`` FLASH_HOLD): all of them or none.

    The availability check is the WHERE clause of the UPDATE, so two buyers
    can never both take the last unit, on PostgreSQL or on SQLite. Raises
    OutOfStock (409) naming the first SKU that is short. ``savepoint=False``
    is for a caller whose own transaction rolls back whole on that error
    (two statements fewer).
    """
    totals, movements = _plan(lines)
    with transaction.atomic(savepoint=savepoint):
        for sku_id, quantity in totals:
            updated = Stock.objects.filter(pk=sku_id, quantity__gte=F("reserved") + quantity).update(
                reserved=F("reserved") + quantity
            )
            if updated != 1:
                raise _refuse_short(sku_id, quantity)
        _record(movements, reason=reason, actor=actor, sign=1, sold=False)


@transaction.atomic
def stock_release(*, actor: Actor, lines: OrderLines, reason: str = MovementReason.RELEASE) -> None:
    """Give back what unpaid orders reserved (they were cancelled or timed out), or what a flash sale held."""
    totals, movements = _plan(lines)
    for sku_id, quantity in totals:
        if Stock.objects.filter(pk=sku_id, reserved__gte=quantity).update(reserved=F("reserved") - quantity) != 1:
            raise StockStateBroken(params={"sku_id": sku_id})
    _record(movements, reason=reason, actor=actor, sign=-1, sold=False)
    _back_on_sale(sku_id for sku_id, _ in totals)


def stock_commit(*, actor: Actor, lines: OrderLines, savepoint: bool = True) -> None:
    """Turn the reservations of paid orders into sales: quantity and reserved both drop.

    The movements are written first and the stock rows, which every buyer
    of the SKU writes, last. ``savepoint=False`` is for a caller whose own
    transaction rolls back whole on an error, as for :func:`stock_reserve`.
    """
    totals, movements = _plan(lines)
    with transaction.atomic(savepoint=savepoint):
        _record(movements, reason=MovementReason.SALE, actor=actor, sign=-1, sold=True)
        for sku_id, quantity in totals:
            updated = Stock.objects.filter(pk=sku_id, reserved__gte=quantity, quantity__gte=quantity).update(
                quantity=F("quantity") - quantity, reserved=F("reserved") - quantity
            )
            if updated != 1:
                raise StockStateBroken(params={"sku_id": sku_id})


@transaction.atomic
def stock_return(*, actor: Actor, lines: OrderLines) -> None:
    """Put sold units back on sale: their refund was made before shipping, or the buyer sent them back."""
    totals, movements = _plan(lines)
    for sku_id, quantity in totals:
        if Stock.objects.filter(pk=sku_id).update(quantity=F("quantity") + quantity) != 1:
            raise StockStateBroken(params={"sku_id": sku_id})
    StockMovement.objects.bulk_create(
        StockMovement(
            sku_id=sku_id,
            quantity_delta=quantity,
            reserved_delta=0,
            reason=MovementReason.RETURN,
            reference=reference,
            actor=signed_in(actor),
        )
        for reference, sku_id, quantity in movements
    )
    _back_on_sale(sku_id for sku_id, _ in totals)


def stock_hold(*, actor: Actor, sku_id: int, quantity: int, reference: str) -> None:
    """Take ``quantity`` of a SKU out of sale for a flash sale's quota (held as reserved). Raises OutOfStock."""
    stock_reserve(actor=actor, lines={reference: [(sku_id, quantity)]}, reason=MovementReason.FLASH_HOLD)


def stock_unhold(*, actor: Actor, sku_id: int, quantity: int, reference: str) -> None:
    """Put units a flash sale held but did not sell back on sale."""
    stock_release(actor=actor, lines={reference: [(sku_id, quantity)]}, reason=MovementReason.FLASH_RELEASE)
