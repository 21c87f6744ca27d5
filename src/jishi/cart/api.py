"""Cart API: the signed-in user's cart, or a guest's (kept in the browser session)."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.responses import Status

from jishi.accounts.auth import ANYONE
from jishi.cart import selectors, services
from jishi.cart.owner import owner_of, remember_guest_cart
from jishi.cart.selectors import CartLineView
from jishi.catalog.schemas import MerchantRefOut
from jishi.core.api import BodyId, Id, MoneyOut, Router, StrictIn, errors, money_out
from jishi.core.permissions import PUBLIC, requires

router = Router(tags=["cart"], auth=ANYONE)
# Signing in is optional here: the empty requirement tells clients (and schemathesis) so.
OPTIONAL_SIGN_IN: dict[str, Any] = {"security": [{}, {"BearerToken": []}, {"GuestSession": []}]}

Quantity = Annotated[int, Field(ge=1, le=99, strict=True, description="1 to 99")]


class CartLineOut(Schema):
    id: int | None = Field(description="The cart line; null in a quote for a SKU bought now, which is not in the cart")
    sku_id: int
    product_id: int
    title: str
    sku_label: str
    merchant: MerchantRefOut
    quantity: int
    unit_price: MoneyOut
    price_when_added: MoneyOut
    price_changed: bool
    available: int
    out_of_stock: bool
    purchasable: bool
    line_total: MoneyOut
    image_url: str | None


class CartOut(Schema):
    lines: list[CartLineOut]
    count: int
    total: MoneyOut


class CartLineAddIn(StrictIn):
    sku_id: BodyId
    quantity: Quantity = 1


class CartLineUpdateIn(StrictIn):
    quantity: Quantity


def line_out(view: CartLineView) -> CartLineOut:
    thumbnail = view.thumbnail
    merchant = view.product.merchant
    return CartLineOut(
        id=view.line.pk,
        sku_id=view.sku.pk,
        product_id=view.product.pk,
        title=view.product.title,
        sku_label=view.sku.label,
        merchant=MerchantRefOut(id=merchant.pk, name=merchant.name),
        quantity=view.quantity,
        unit_price=money_out(view.unit_price),
        price_when_added=money_out(view.price_added),
        price_changed=view.price_changed,
        available=max(0, view.available),
        out_of_stock=view.out_of_stock,
        purchasable=view.purchasable,
        line_total=money_out(view.total),
        image_url=thumbnail.thumbnail.url if thumbnail else None,
    )


def _cart(request: HttpRequest) -> CartOut:
    view = selectors.cart_view(owner_of(request))
    return CartOut(lines=[line_out(line) for line in view.lines], count=view.count, total=money_out(view.total))


@router.get("", response={200: CartOut, **errors(401, 403)}, openapi_extra=OPTIONAL_SIGN_IN)
@requires(PUBLIC)
def cart_detail(request: HttpRequest) -> CartOut:
    """The cart priced now: lines whose price changed since they were added, or that are short of stock, are flagged."""
    return _cart(request)


@router.post("/lines", response={201: CartOut, **errors(401, 403, 404)}, openapi_extra=OPTIONAL_SIGN_IN)
@requires(PUBLIC)
def cart_line_add(request: HttpRequest, payload: CartLineAddIn) -> Status:
    """Add a published SKU (adding to its line if it is there). 404 for a SKU that cannot be bought."""
    line = services.cart_line_add(owner=owner_of(request), sku_id=payload.sku_id, quantity=payload.quantity)
    remember_guest_cart(request, line.cart.token)
    return Status(201, _cart(request))


@router.patch("/lines/{line_id}", response={200: CartOut, **errors(401, 403, 404)}, openapi_extra=OPTIONAL_SIGN_IN)
@requires(PUBLIC)
def cart_line_update(request: HttpRequest, line_id: Id, payload: CartLineUpdateIn) -> CartOut:
    services.cart_line_set_quantity(owner=owner_of(request), line_id=line_id, quantity=payload.quantity)
    return _cart(request)


@router.delete("/lines/{line_id}", response={200: CartOut, **errors(401, 403, 404)}, openapi_extra=OPTIONAL_SIGN_IN)
@requires(PUBLIC)
def cart_line_remove(request: HttpRequest, line_id: Id) -> CartOut:
    services.cart_line_remove(owner=owner_of(request), line_id=line_id)
    return _cart(request)
