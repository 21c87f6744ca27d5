"""Writes of the cart domain.

Every operation is scoped to a :class:`CartOwner`: a line id from someone
else's cart is not found (404), whatever the id.
"""

import secrets
from typing import Any

from django.db import transaction

from jishi.cart.errors import CartLineNotFound, InvalidCartQuantity
from jishi.cart.models import MAX_LINE_QUANTITY, Cart, CartLine
from jishi.cart.owner import CartOwner
from jishi.cart.selectors import cart_lines_for
from jishi.catalog.selectors import sku_for_purchase


def check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidCartQuantity(field="quantity")
    return quantity


def _cart_for_writing(owner: CartOwner) -> Cart:
    if owner.user is not None:
        cart, _ = Cart.objects.get_or_create(user=owner.user)
        return cart
    if owner.guest_token:
        existing = Cart.objects.filter(token=owner.guest_token).first()
        if existing is not None:
            return existing
    return Cart.objects.create(token=secrets.token_urlsafe(24))


@transaction.atomic
def cart_line_add(*, owner: CartOwner, sku_id: int, quantity: int) -> CartLine:
    """Put ``quantity`` of a purchasable SKU into the owner's cart (adding to a line already there).

    A guest without a cart gets one; the returned line's ``cart.token`` is what
    their session must keep. The line's reference price becomes the current
    price. Raises SkuNotFound (404) for a SKU that cannot be bought now,
    InvalidCartQuantity (422) when the line would leave 1..99.
    """
    check_quantity(quantity)
    sku = sku_for_purchase(sku_id)
    cart = _cart_for_writing(owner)
    line = CartLine.objects.filter(cart=cart, sku=sku).first()
    total = quantity + (line.quantity if line else 0)
    if total > MAX_LINE_QUANTITY:
        raise InvalidCartQuantity(field="quantity", params={"in_cart": total - quantity})
    if line is None:
        line = CartLine(cart=cart, sku=sku)
    line.quantity = total
    line.price_minor_added = sku.price_minor
    line.currency = sku.currency
    line.save()
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def cart_line_set_quantity(*, owner: CartOwner, line_id: int, quantity: int) -> CartLine:
    """Set a line's quantity (1..99). Raises CartLineNotFound, InvalidCartQuantity."""
    check_quantity(quantity)
    line = cart_lines_for(owner).filter(pk=line_id).first()
    if line is None:
        raise CartLineNotFound(field="line_id")
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_line_remove(*, owner: CartOwner, line_id: int) -> None:
    """Remove a line. Raises CartLineNotFound (also for a line already removed)."""
    deleted, _ = cart_lines_for(owner).filter(pk=line_id).delete()
    if not deleted:
        raise CartLineNotFound(field="line_id")


@transaction.atomic
def cart_merge(*, user: Any, guest_token: str) -> int:
    """Move a guest cart into ``user``'s cart at log-in; returns how many lines moved.

    A SKU in both carts keeps the larger of the two quantities (the buyer
    added it twice, they did not mean to double it), capped at 99. The guest
    cart is deleted. Merging a token that no longer exists does nothing.
    """
    guest = Cart.objects.filter(token=guest_token).first()
    if guest is None:
        return 0
    cart, _ = Cart.objects.get_or_create(user=user)
    mine = {line.sku_id: line for line in cart.lines.all()}
    moved = 0
    for line in guest.lines.all():
        existing = mine.get(line.sku_id)
        if existing is None:
            CartLine.objects.create(
                cart=cart,
                sku_id=line.sku_id,
                quantity=line.quantity,
                price_minor_added=line.price_minor_added,
                currency=line.currency,
            )
        elif line.quantity > existing.quantity:
            existing.quantity = min(line.quantity, MAX_LINE_QUANTITY)
            existing.save(update_fields=["quantity"])
        moved += 1
    guest.delete()
    return moved


def cart_lines_remove_ordered(*, user: Any, sku_ids: list[int]) -> None:
    """Drop the lines a checkout just ordered from the user's cart (the checkout service calls it)."""
    CartLine.objects.filter(cart__user=user, sku_id__in=sku_ids).delete()
