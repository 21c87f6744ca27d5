"""Coupons API: the coupons a buyer may claim, claiming and redeeming them, the wallet, a shop's own coupons, and
the platform's coupons and promotion costs for operators."""

import datetime as dt
from typing import Annotated, Any, Literal

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
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.promotions import selectors, services
from jishi.promotions.models import Coupon, CouponTemplate
from jishi.promotions.permissions import PLATFORM_PROMOTIONS, SHOP_PROMOTIONS

router = Router(tags=["coupons"])  # the claimable list is public; every other operation needs a signed-in buyer
wallet_router = Router(tags=["coupons"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)


class CostOut(Schema):
    orders: int = Field(description="Paid orders it took money off")
    amount: MoneyOut = Field(description="What it took off them (its issuer pays it)")


def cost_out(costs: dict[int, selectors.Cost], pk: int) -> CostOut:
    cost = costs.get(pk, selectors.NO_COST)
    return CostOut(orders=cost.orders, amount=money_out(cost.amount))


class CouponTemplateOut(DataOut):
    id: int
    name: str
    kind: str = Field(description="amount, percent or free_shipping")
    merchant_id: int | None = Field(description="The shop that issues it; null for the platform's")
    amount: MoneyOut | None = Field(description="Taken off; for a percentage, its cap")
    percent_off: int | None
    min_spend: MoneyOut
    valid_until: str | None
    valid_days: int | None = Field(description="Usable for so many days after claiming")
    per_user_limit: int
    exclusive: bool
    left: int = Field(description="How many may still be claimed")


class MerchantCouponTemplateOut(CouponTemplateOut):
    status: str
    claimable: bool
    total_quantity: int
    claimed: int
    used: int = Field(description="Claimed coupons a checkout has taken")
    cost: CostOut


class CouponOut(DataOut):
    id: int
    template: CouponTemplateOut
    valid_from: str
    valid_until: str
    used: bool


class RedeemIn(StrictIn):
    code: Annotated[str, Field(min_length=1, max_length=40)]


class CouponTemplateIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    kind: Literal["amount", "percent", "free_shipping"]
    amount: Amount | None = None
    percent_off: Annotated[int, Field(strict=True)] | None = None
    min_spend: Amount = "0"
    category_ids: Annotated[list[BodyId], Field(max_length=50)] = []
    product_ids: Annotated[list[BodyId], Field(max_length=200)] = []
    valid_from: IsoDateTime | None = None
    valid_until: IsoDateTime | None = None
    valid_days: Annotated[int, Field(strict=True)] | None = None
    total_quantity: Annotated[int, Field(strict=True)]
    per_user_limit: Annotated[int, Field(strict=True)] = 1
    exclusive: Annotated[bool, Field(strict=True)] = False
    claimable: Annotated[bool, Field(strict=True)] = True


class PlatformCouponTemplateIn(CouponTemplateIn):
    merchant_id: BodyId | None = Field(default=None, description="Only this shop's goods")


class CodesIn(StrictIn):
    count: Annotated[int, Field(strict=True)]


class CodesOut(Schema):
    codes: list[str]


def _template_input(payload: CouponTemplateIn, merchant_id: int | None = None) -> services.CouponTemplateInput:
    return services.CouponTemplateInput(
        name=payload.name,
        kind=payload.kind,
        amount=parse_amount(payload.amount, "amount") if payload.amount is not None else None,
        percent_off=payload.percent_off,
        min_spend=parse_amount(payload.min_spend, "min_spend"),
        scope_merchant_id=merchant_id,
        category_ids=payload.category_ids,
        product_ids=payload.product_ids,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        valid_days=payload.valid_days,
        total_quantity=payload.total_quantity,
        per_user_limit=payload.per_user_limit,
        exclusive=payload.exclusive,
        claimable=payload.claimable,
    )


def _template_fields(template: CouponTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "kind": template.kind,
        "merchant_id": template.merchant_id,
        "amount": money_out(template.amount) if template.amount is not None else None,
        "percent_off": template.percent_off,
        "min_spend": money_out(template.min_spend),
        "valid_until": template.valid_until.isoformat() if template.valid_until else None,
        "valid_days": template.valid_days,
        "per_user_limit": template.per_user_limit,
        "exclusive": template.exclusive,
        "left": template.total_quantity - template.claimed_count,
    }


def template_out(template: CouponTemplate) -> CouponTemplateOut:
    return CouponTemplateOut(**_template_fields(template))


def merchant_template_out(
    template: CouponTemplate, costs: dict[int, selectors.Cost] | None = None
) -> MerchantCouponTemplateOut:
    """The issuer's view; ``costs`` from :func:`selectors.coupon_costs` (none for a template just made or stopped)."""
    return MerchantCouponTemplateOut(
        **_template_fields(template),
        status=template.status,
        claimable=template.claimable,
        total_quantity=template.total_quantity,
        claimed=template.claimed_count,
        used=getattr(template, "used_count", 0),
        cost=cost_out(costs or {}, template.pk),
    )


def _issued(templates: Any) -> list[MerchantCouponTemplateOut]:
    templates = list(templates)
    costs = selectors.coupon_costs([t.pk for t in templates])
    return [merchant_template_out(t, costs) for t in templates]


def coupon_out(coupon: Coupon) -> CouponOut:
    return CouponOut(
        id=coupon.pk,
        template=template_out(coupon.template),
        valid_from=coupon.valid_from.isoformat(),
        valid_until=coupon.valid_until.isoformat(),
        used=coupon.used,
    )


@router.get("/coupons", response={200: list[CouponTemplateOut], **errors()})
@requires(PUBLIC)
def coupons_claimable(request: HttpRequest, merchant_id: Id | None = None) -> list[CouponTemplateOut]:
    """Coupons anyone may claim now: a shop's (``merchant_id``), or the platform's (the coupon centre)."""
    return [template_out(t) for t in selectors.claimable_templates(merchant_id=merchant_id, now=timezone.now())]


@wallet_router.post("/coupons/{template_id}/claim", response={201: CouponOut, **errors(401, 403, 404, 409)})
@requires(AUTHENTICATED)
def coupon_claim(request: HttpRequest, template_id: Id) -> Status:
    """Claim one (领券). 409 ``promotions.coupons_gone`` when none are left, ``promotions.coupon_limit`` at the
    per-buyer limit, ``promotions.coupon_not_claimable`` once stopped or over."""
    return Status(201, coupon_out(services.coupon_claim(actor=actor_of(request), template_id=template_id)))


@wallet_router.post("/coupons/redeem", response={201: CouponOut, **errors(401, 403, 404, 409, 429)})
@requires(AUTHENTICATED)
def coupon_redeem(request: HttpRequest, payload: RedeemIn) -> Status:
    """Turn a code into a coupon (兑换). 422 ``promotions.code_invalid``; wrong guesses are throttled (429)."""
    return Status(201, coupon_out(services.coupon_redeem(actor=actor_of(request), code=payload.code)))


@wallet_router.get("/me/coupons", response={200: list[CouponOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def wallet(request: HttpRequest, tab: selectors.WalletTab = selectors.WalletTab.UNUSED) -> list[CouponOut]:
    """The buyer's coupons: unused (未使用, soonest to expire first), used (已使用) or expired (已过期)."""
    return [coupon_out(c) for c in selectors.wallet_for(actor_of(request), tab, now=timezone.now())[:200]]


@merchant_router.get("/coupons", response={200: list[MerchantCouponTemplateOut], **errors(401, 403)})
@requires(SHOP_PROMOTIONS)
def merchant_coupons(request: HttpRequest) -> list[MerchantCouponTemplateOut]:
    """The shop's coupons, newest first, with how many were claimed and used and what they cost."""
    return _issued(selectors.template_list_for_merchant(actor_of(request)))


@merchant_router.post("/coupons", response={201: MerchantCouponTemplateOut, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def merchant_coupon_create(request: HttpRequest, payload: CouponTemplateIn) -> Status:
    """Issue a coupon of the shop. 422 with the field for an amount, a percentage, a window or a quantity out of
    range, or a product of another shop."""
    data = _template_input(payload)
    template = services.coupon_template_create(actor=actor_of(request), data=data)
    return Status(201, merchant_template_out(template))


@merchant_router.post("/coupons/{template_id}/stop", response={200: MerchantCouponTemplateOut, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def merchant_coupon_stop(request: HttpRequest, template_id: Id) -> MerchantCouponTemplateOut:
    """Stop the coupon being claimed; coupons already held stay usable."""
    return merchant_template_out(services.coupon_template_stop(actor=actor_of(request), template_id=template_id))


@merchant_router.post("/coupons/{template_id}/codes", response={201: CodesOut, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def merchant_coupon_codes(request: HttpRequest, template_id: Id, payload: CodesIn) -> Status:
    """Make 1 to 10,000 single-use codes for the coupon (兑换码), shown once: keep them."""
    codes = services.coupon_codes_issue(actor=actor_of(request), template_id=template_id, count=payload.count)
    return Status(201, CodesOut(codes=codes))


@operator_router.get("/coupons", response={200: list[MerchantCouponTemplateOut], **errors(401, 403)})
@requires(PLATFORM_PROMOTIONS)
def platform_coupons(request: HttpRequest) -> list[MerchantCouponTemplateOut]:
    """The platform's coupons, newest first, with how many were claimed and used and what they cost it."""
    return _issued(selectors.template_list_for_platform(actor_of(request)))


@operator_router.post("/coupons", response={201: MerchantCouponTemplateOut, **errors(401, 403, 404)})
@requires(PLATFORM_PROMOTIONS)
def platform_coupon_create(request: HttpRequest, payload: PlatformCouponTemplateIn) -> Status:
    """Issue a platform coupon (平台券), paid for by the platform: the shops are paid as if the buyer had paid. It
    may cover one shop's goods (``merchant_id``), categories or products. 422 as for a shop's coupon."""
    template = services.coupon_template_create(
        actor=actor_of(request), data=_template_input(payload, payload.merchant_id), platform=True
    )
    return Status(201, merchant_template_out(template))


@operator_router.post("/coupons/{template_id}/stop", response={200: MerchantCouponTemplateOut, **errors(401, 403, 404)})
@requires(PLATFORM_PROMOTIONS)
def platform_coupon_stop(request: HttpRequest, template_id: Id) -> MerchantCouponTemplateOut:
    """Stop the coupon being claimed; coupons already held stay usable."""
    return merchant_template_out(services.coupon_template_stop(actor=actor_of(request), template_id=template_id))


@operator_router.post("/coupons/{template_id}/codes", response={201: CodesOut, **errors(401, 403, 404)})
@requires(PLATFORM_PROMOTIONS)
def platform_coupon_codes(request: HttpRequest, template_id: Id, payload: CodesIn) -> Status:
    """Make 1 to 10,000 single-use codes for a platform coupon, shown once."""
    codes = services.coupon_codes_issue(actor=actor_of(request), template_id=template_id, count=payload.count)
    return Status(201, CodesOut(codes=codes))


class CostRowOut(Schema):
    step: str = Field(description="unit_price, threshold, merchant_coupon, platform_coupon or shipping")
    funded_by_platform: bool
    orders: int
    amount: MoneyOut


@operator_router.get("/promotions/costs", response={200: list[CostRowOut], **errors(401, 403)})
@requires(PLATFORM_PROMOTIONS)
def promotion_costs(request: HttpRequest, days: Annotated[int, Field(ge=1, le=366)] = 30) -> list[CostRowOut]:
    """What promotions took off orders paid in the last ``days``, per step and per funder: the shops' own, and
    the platform's subsidy."""
    since = timezone.now() - dt.timedelta(days=days)
    return [
        CostRowOut(
            step=row.step, funded_by_platform=row.funded_by_platform, orders=row.orders, amount=money_out(row.amount)
        )
        for row in selectors.promotion_costs(actor_of(request), since=since)
    ]
