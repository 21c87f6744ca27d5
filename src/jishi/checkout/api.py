"""Checkout API: price the cart, place the orders (with Idempotency-Key), cancel an unpaid checkout."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.responses import Status
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.cart.api import CartLineOut, line_out
from jishi.catalog.schemas import MerchantRefOut
from jishi.checkout import services
from jishi.core.api import BodyId, MoneyOut, PublicNumber, Router, StrictIn, errors, money_out
from jishi.core.permissions import AUTHENTICATED, requires
from jishi.orders import selectors as order_selectors
from jishi.orders.schemas import OrderDetailOut, OrderOut, order_detail_out, order_out
from jishi.payments.api import PaymentOut, payment_out
from jishi.promotions.pricing import TierHint

router = Router(tags=["checkout"], auth=SIGNED_IN)
orders_router = Router(tags=["orders"], auth=SIGNED_IN)


class BuyNowIn(StrictIn):
    sku_id: BodyId
    quantity: Annotated[int, Field(ge=1, le=99, strict=True)]
    flash_item_id: Annotated[
        BodyId | None, Field(description="Buy it in this flash sale (秒杀), at its price; no other discount")
    ] = None
    team_campaign_id: Annotated[
        BodyId | None, Field(description="Buy it in this 拼团 campaign at its group price; no other discount")
    ] = None
    team_id: Annotated[
        BodyId | None, Field(description="Join this group of the campaign; open a new one if left out")
    ] = None

    @model_validator(mode="after")
    def _one_offer(self) -> "BuyNowIn":
        if self.flash_item_id is not None and self.team_campaign_id is not None:
            raise PydanticCustomError("one_offer", "send flash_item_id or team_campaign_id, not both")
        if self.team_id is not None and self.team_campaign_id is None:
            raise PydanticCustomError("team_without_campaign", "team_id needs team_campaign_id")
        return self


class QuoteIn(StrictIn):
    address_id: BodyId
    sku_ids: Annotated[
        list[BodyId] | None,
        Field(max_length=200, description="The ticked cart lines, by their SKU ids; the whole cart when left out"),
    ] = None
    buy_now: Annotated[BuyNowIn | None, Field(description="Buy one SKU now instead; the cart is left alone")] = None
    coupon_ids: Annotated[
        list[BodyId] | None,
        Field(max_length=20, description="The coupons to use (an empty list: none); the best ones when left out"),
    ] = None
    pickup_merchant_ids: Annotated[
        list[BodyId],
        Field(
            max_length=50,
            description="Shops whose orders are collected at the buyer's pickup point (社区团购 自提), "
            "at the community price and without a delivery fee",
        ),
    ] = []
    points: Annotated[
        int,
        Field(ge=0, le=10**9, description="Points to spend (积分抵扣): at most the balance and their share"),
    ] = 0

    @model_validator(mode="after")
    def _one_source(self) -> "QuoteIn":
        if self.sku_ids is not None and self.buy_now is not None:
            raise PydanticCustomError("one_source", "send sku_ids or buy_now, not both")
        return self

    def basket(self) -> dict[str, Any]:
        buy_now = self.buy_now and services.BuyNow(
            sku_id=self.buy_now.sku_id,
            quantity=self.buy_now.quantity,
            flash_item_id=self.buy_now.flash_item_id,
            team_campaign_id=self.buy_now.team_campaign_id,
            team_id=self.buy_now.team_id,
        )
        return {
            "sku_ids": self.sku_ids,
            "buy_now": buy_now,
            "coupon_ids": self.coupon_ids,
            "pickup_merchant_ids": self.pickup_merchant_ids,
            "points": self.points,
        }


class PlaceIn(QuoteIn):
    fingerprint: Annotated[str, Field(min_length=1, max_length=64, description="From the quote the buyer saw")]
    note: Annotated[str, Field(max_length=200)] = ""


class AdjustmentOut(Schema):
    step: str = Field(description="unit_price, threshold, merchant_coupon, platform_coupon, points or shipping")
    label: str
    amount: MoneyOut


class TierHintOut(Schema):
    label: str
    missing: MoneyOut | None = Field(description="How much more of the promotion's goods earns its next tier")
    missing_quantity: int | None = Field(description="Or how many more items")
    next_off: MoneyOut | None
    next_percent_off: int | None


class CouponChoiceOut(Schema):
    id: int
    label: str
    merchant_id: int | None
    used: bool


class QuoteGroupOut(Schema):
    merchant: MerchantRefOut
    lines: list[CartLineOut]
    goods: MoneyOut
    shipping: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    adjustments: list[AdjustmentOut]
    next_tiers: list[TierHintOut]


class QuoteOut(Schema):
    address_id: int
    groups: list[QuoteGroupOut]
    excluded: list[CartLineOut]
    goods: MoneyOut
    shipping: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    coupons: list[CouponChoiceOut] = Field(description="The buyer's usable coupons; those used are marked")
    points: int = Field(description="The points spent")
    points_balance: int = Field(description="The buyer's points")
    points_most: int = Field(description="The most points this checkout takes (0 for a flash-sale or group buy)")
    fingerprint: str


class PlacementOut(Schema):
    checkout_number: str
    payment: PaymentOut
    orders: list[OrderOut]


class CancelIn(StrictIn):
    reason: Annotated[str, Field(max_length=200)] = ""


def _hint_out(hint: TierHint) -> TierHintOut:
    return TierHintOut(
        label=hint.label,
        missing=money_out(hint.missing) if hint.missing is not None else None,
        missing_quantity=hint.missing_quantity,
        next_off=money_out(hint.tier.off) if hint.tier.off is not None else None,
        next_percent_off=hint.tier.percent_off,
    )


def quote_out(quote: services.Quote) -> QuoteOut:
    used = {coupon.source.id for coupon in quote.coupons}
    return QuoteOut(
        address_id=quote.address.pk,
        groups=[
            QuoteGroupOut(
                merchant=MerchantRefOut(id=group.merchant.pk, name=group.merchant.name),
                lines=[line_out(line) for line in group.lines],
                goods=money_out(group.goods),
                shipping=money_out(group.shipping),
                discount=money_out(group.discount),
                total=money_out(group.total),
                adjustments=[
                    AdjustmentOut(step=a.step, label=a.label, amount=money_out(a.amount))
                    for a in group.priced.adjustments
                ],
                next_tiers=[_hint_out(hint) for hint in group.priced.hints],
            )
            for group in quote.groups
        ],
        excluded=[line_out(line) for line in quote.excluded],
        goods=money_out(quote.goods),
        shipping=money_out(quote.shipping),
        discount=money_out(quote.discount),
        total=money_out(quote.total),
        coupons=[
            CouponChoiceOut(id=c.source.id, label=c.label, merchant_id=c.merchant_id, used=c.source.id in used)
            for c in quote.wallet
        ],
        points=quote.points,
        points_balance=quote.points_balance,
        points_most=quote.points_most,
        fingerprint=quote.fingerprint,
    )


@router.post("/quote", response={200: QuoteOut, **errors(401, 403, 404, 409)})
@requires(AUTHENTICATED)
def checkout_quote(request: HttpRequest, payload: QuoteIn) -> QuoteOut:
    """Price the cart (or the ticked lines, or one SKU bought now) for one of the buyer's addresses.

    Goods, shipping per merchant, each promotion and coupon as a named adjustment, how much more earns a
    满减's next tier, total, and the fingerprint placing must send back. Without ``coupon_ids`` the buyer's
    best coupons are used. 422 ``promotions.coupon_not_applicable`` / ``promotions.coupons_not_combinable``
    for a choice that cannot apply, 409 ``promotions.coupon_unavailable`` for one used, expired or not theirs.
    """
    return quote_out(
        services.checkout_quote(actor=actor_of(request), address_id=payload.address_id, **payload.basket())
    )


@router.post("/place", response={201: PlacementOut, **errors(401, 403, 404, 409)})
@requires(AUTHENTICATED)
def checkout_place(request: HttpRequest, payload: PlaceIn) -> Status:
    """Place one order per merchant under one payment; prices come from the server, never the client.

    Send an ``Idempotency-Key`` (as with every write): the same key and body
    return the first result (header ``Idempotent-Replayed: true``), the same
    key with another body is 422 ``idempotency.key_reused``. 409
    ``checkout.cart_changed`` when the cart no longer matches the quote's
    fingerprint, 409 ``inventory.out_of_stock`` when stock ran out.
    """
    actor = actor_of(request)
    placement = services.checkout_place(
        actor=actor,
        address_id=payload.address_id,
        fingerprint=payload.fingerprint,
        note=payload.note,
        **payload.basket(),
    )
    return Status(
        201,
        PlacementOut(
            checkout_number=placement.checkout_number,
            payment=payment_out(placement.intent),
            orders=[order_out(order) for order in placement.orders],  # as written: no second read
        ),
    )


@orders_router.post("/{number}/cancel", response={200: list[OrderDetailOut], **errors(401, 403, 404, 409)})
@requires(AUTHENTICATED)
def order_cancel(request: HttpRequest, number: PublicNumber, payload: CancelIn) -> list[OrderDetailOut]:
    """Cancel an unpaid order and the other orders paid with it; their stock is released. Paid orders are 409."""
    actor = actor_of(request)
    orders = services.checkout_cancel(actor=actor, order_number=number, reason=payload.reason)
    return [order_detail_out(order_selectors.order_get_for_buyer(actor, order.number)) for order in orders]
