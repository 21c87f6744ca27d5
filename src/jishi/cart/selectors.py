"""Reads of the cart domain: the cart as the buyer sees it, priced now."""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum

from jishi.cart.models import CartLine
from jishi.cart.owner import CartOwner
from jishi.catalog.models import ProductImage, Sku
from jishi.catalog.selectors import sku_is_purchasable
from jishi.core.money import CURRENCY, Money


@dataclass(frozen=True)
class CartLineView:
    line: CartLine
    unit_price: Money
    price_added: Money
    available: int
    purchasable: bool

    @property
    def sku(self) -> Any:
        return self.line.sku

    @property
    def product(self) -> Any:
        return self.line.sku.product

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def price_changed(self) -> bool:
        return self.unit_price != self.price_added

    @property
    def out_of_stock(self) -> bool:
        return self.available < self.line.quantity

    @property
    def orderable(self) -> bool:
        return self.purchasable and not self.out_of_stock

    @property
    def total(self) -> Money:
        return self.unit_price * self.line.quantity

    @property
    def thumbnail(self) -> ProductImage | None:
        """The product's first image (its thumbnail and alt text, read with the line)."""
        name = getattr(self.line, "first_thumbnail", None)
        return ProductImage(thumbnail=name, alt=getattr(self.line, "first_image_alt", "") or "") if name else None


@dataclass
class MerchantGroup:
    merchant: Any
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def subtotal(self) -> Money:
        return Money.total((line.total for line in self.lines if line.orderable), CURRENCY)


@dataclass
class CartView:
    groups: list[MerchantGroup]

    @property
    def lines(self) -> list[CartLineView]:
        return [line for group in self.groups for line in group.lines]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total(self) -> Money:
        return Money.total((group.subtotal for group in self.groups), CURRENCY)


def cart_lines_for(owner: CartOwner) -> QuerySet[CartLine]:
    """The owner's lines; nothing for a guest without a cart."""
    if owner.user is not None:
        return CartLine.objects.filter(cart__user=owner.user)
    if owner.guest_token:
        return CartLine.objects.filter(cart__token=owner.guest_token)
    return CartLine.objects.none()


def _first_image(product_id: str) -> dict[str, Subquery]:
    """The first image's thumbnail and alt text of each row's product, as subqueries of the same statement."""
    images = ProductImage.objects.filter(product_id=OuterRef(product_id)).order_by("position", "id")
    return {
        "first_thumbnail": Subquery(images.values("thumbnail")[:1]),
        "first_image_alt": Subquery(images.values("alt")[:1]),
    }


def _grouped(lines: list[CartLine]) -> CartView:
    groups: dict[int, MerchantGroup] = {}
    for line in lines:
        sku = line.sku
        stock = getattr(sku, "stock", None)
        view = CartLineView(
            line=line,
            unit_price=sku.price,
            price_added=line.price_added,
            available=stock.available if stock is not None else 0,
            purchasable=sku_is_purchasable(sku),
        )
        merchant = sku.product.merchant
        groups.setdefault(merchant.pk, MerchantGroup(merchant=merchant)).lines.append(view)
    return CartView(groups=list(groups.values()))


def cart_view(owner: CartOwner, *, sku_ids: Collection[int] | None = None) -> CartView:
    """The owner's lines (only those of ``sku_ids`` when given) with current prices and stock, grouped by merchant.

    One query, any size.
    """
    lines = cart_lines_for(owner)
    if sku_ids is not None:
        lines = lines.filter(sku_id__in=sku_ids)
    lines = lines.select_related("sku__product__merchant", "sku__product__category", "sku__stock").order_by(
        "sku__product__merchant__name", "-added_at", "-id"
    )
    return _grouped(list(lines.annotate(**_first_image("sku__product_id"))))


def buy_now_view(sku_id: int, quantity: int) -> CartView:
    """One SKU and quantity priced like a cart line, without touching the cart (立即购买). One query."""
    skus = Sku.objects.filter(pk=sku_id).select_related("product__merchant", "product__category", "stock")
    lines = []
    for sku in skus.annotate(**_first_image("product_id")):
        line = CartLine(sku=sku, quantity=quantity, price_minor_added=sku.price_minor)
        line.first_thumbnail, line.first_image_alt = sku.first_thumbnail, sku.first_image_alt  # type: ignore[attr-defined]
        lines.append(line)
    return _grouped(lines)


def cart_count(owner: CartOwner) -> int:
    """Units in the cart, for the header badge (one query)."""
    return int(cart_lines_for(owner).aggregate(total=Sum("quantity"))["total"] or 0)
