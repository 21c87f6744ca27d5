"""A shop's automatic promotions: 满减 / 满折 tiers and limited prices (限时折扣), with what each has cost."""

from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import (
    Amount,
    BodyId,
    DataOut,
    Id,
    IsoDateTime,
    MoneyOut,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import requires
from jishi.promotions import selectors, services
from jishi.promotions.api import CostOut, cost_out
from jishi.promotions.models import LimitedPrice, TemplateStatus, ThresholdPromotion
from jishi.promotions.permissions import SHOP_PROMOTIONS

router = Router(tags=["merchant"], auth=SIGNED_IN)


class TierIn(StrictIn):
    threshold: Amount | None = Field(default=None, description="满 ¥…")
    quantity: Annotated[int, Field(strict=True)] | None = Field(default=None, description="or 满 N 件")
    off: Amount | None = Field(default=None, description="减 ¥…")
    percent_off: Annotated[int, Field(strict=True)] | None = Field(default=None, description="or % off (10 is 9折)")


class TierOut(Schema):
    threshold: MoneyOut | None
    quantity: int | None
    off: MoneyOut | None
    percent_off: int | None


class ThresholdIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=40, examples=["满200减30"])]
    tiers: Annotated[list[TierIn], Field(min_length=1, max_length=5)]
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    category_ids: Annotated[list[BodyId], Field(max_length=50)] = []
    product_ids: Annotated[list[BodyId], Field(max_length=200)] = []


class ThresholdOut(DataOut):
    id: int
    name: str
    tiers: list[TierOut]
    category_ids: list[int]
    product_ids: list[int]
    starts_at: str
    ends_at: str
    running: bool
    status: str
    cost: CostOut


class LimitedPriceIn(StrictIn):
    sku_id: BodyId
    price: Amount
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    per_user_limit: Annotated[int, Field(strict=True)] | None = None
    label: Annotated[str, Field(min_length=1, max_length=20)] = "限时折扣"


class LimitedPriceOut(DataOut):
    id: int
    sku_id: int
    product_id: int
    title: str
    label: str
    list_price: MoneyOut
    price: MoneyOut
    per_user_limit: int | None
    starts_at: str
    ends_at: str
    running: bool
    status: str
    cost: CostOut


def _money(minor: int | None) -> MoneyOut | None:
    return money_out(Money(minor, CURRENCY)) if minor is not None else None


def _running(offer: ThresholdPromotion | LimitedPrice) -> bool:
    return offer.status == TemplateStatus.ACTIVE and offer.starts_at <= timezone.now() < offer.ends_at


def _threshold_out(promotion: ThresholdPromotion, costs: dict[int, selectors.Cost]) -> ThresholdOut:
    return ThresholdOut(
        id=promotion.pk,
        name=promotion.name,
        tiers=[
            TierOut(
                threshold=_money(tier["threshold_minor"]),
                quantity=tier["quantity"],
                off=_money(tier["off_minor"]),
                percent_off=tier["percent_off"],
            )
            for tier in promotion.tiers
        ],
        category_ids=promotion.category_ids,
        product_ids=promotion.product_ids,
        starts_at=promotion.starts_at.isoformat(),
        ends_at=promotion.ends_at.isoformat(),
        running=_running(promotion),
        status=promotion.status,
        cost=cost_out(costs, promotion.pk),
    )


def _limited_out(limited: LimitedPrice, costs: dict[int, selectors.Cost]) -> LimitedPriceOut:
    sku = limited.sku
    return LimitedPriceOut(
        id=limited.pk,
        sku_id=sku.pk,
        product_id=sku.product_id,
        title=sku.product.title,
        label=limited.label,
        list_price=money_out(Money(sku.price_minor, limited.currency)),
        price=money_out(limited.price),
        per_user_limit=limited.per_user_limit,
        starts_at=limited.starts_at.isoformat(),
        ends_at=limited.ends_at.isoformat(),
        running=_running(limited),
        status=limited.status,
        cost=cost_out(costs, limited.pk),
    )


@router.get("/promotions/thresholds", response={200: list[ThresholdOut], **errors(401, 403)})
@requires(SHOP_PROMOTIONS)
def thresholds(request: HttpRequest) -> list[ThresholdOut]:
    """The shop's 满减 / 满折, newest first, with the paid orders each took money off and how much."""
    promotions = list(selectors.thresholds_of_merchant(actor_of(request)))
    costs = selectors.costs_of("threshold", [p.pk for p in promotions])
    return [_threshold_out(promotion, costs) for promotion in promotions]


@router.post("/promotions/thresholds", response={201: ThresholdOut, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def threshold_create(request: HttpRequest, payload: ThresholdIn) -> Status:
    """Start a 满减 (满200减30, 满300减50) or 满折 (满2件 10 % off) over the shop's goods or some categories or
    products of them. Tiers reach further for more; 422 with the field for tiers that do not, amounts out of range,
    an end before the start, or another shop's products."""
    tiers = [
        services.TierInput(
            threshold=parse_amount(tier.threshold, "tiers") if tier.threshold is not None else None,
            quantity=tier.quantity,
            off=parse_amount(tier.off, "tiers") if tier.off is not None else None,
            percent_off=tier.percent_off,
        )
        for tier in payload.tiers
    ]
    promotion = services.threshold_promotion_create(
        actor=actor_of(request),
        data=services.ThresholdPromotionInput(
            name=payload.name,
            tiers=tiers,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            category_ids=payload.category_ids,
            product_ids=payload.product_ids,
        ),
    )
    return Status(201, _threshold_out(promotion, {}))


@router.post("/promotions/thresholds/{promotion_id}/stop", response={204: None, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def threshold_stop(request: HttpRequest, promotion_id: Id) -> Status:
    """End the 满减 now; orders placed with it keep their discount."""
    services.threshold_promotion_stop(actor=actor_of(request), promotion_id=promotion_id)
    return Status(204, None)


@router.get("/promotions/limited-prices", response={200: list[LimitedPriceOut], **errors(401, 403)})
@requires(SHOP_PROMOTIONS)
def limited_prices(request: HttpRequest) -> list[LimitedPriceOut]:
    """The shop's limited prices, newest first, with what each has cost."""
    prices = list(selectors.limited_prices_of_merchant(actor_of(request)))
    costs = selectors.costs_of("limited_price", [p.pk for p in prices])
    return [_limited_out(limited, costs) for limited in prices]


@router.post("/promotions/limited-prices", response={201: LimitedPriceOut, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def limited_price_create(request: HttpRequest, payload: LimitedPriceIn) -> Status:
    """Put one of the shop's SKUs on a lower price for a time (限时折扣), optionally with a limit per buyer.
    422 for a price not below the SKU's, a window that overlaps another limited price of the SKU, or a limit out
    of range; 404 for another shop's SKU."""
    limited = services.limited_price_create(
        actor=actor_of(request),
        data=services.LimitedPriceInput(
            sku_id=payload.sku_id,
            price=parse_amount(payload.price, "price"),
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            per_user_limit=payload.per_user_limit,
            label=payload.label,
        ),
    )
    return Status(201, _limited_out(selectors.limited_price_get(limited.pk), {}))


@router.post("/promotions/limited-prices/{promotion_id}/stop", response={204: None, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def limited_price_stop(request: HttpRequest, promotion_id: Id) -> Status:
    """End the limited price now."""
    services.limited_price_stop(actor=actor_of(request), promotion_id=promotion_id)
    return Status(204, None)
