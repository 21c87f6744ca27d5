"""Checkout: price the cart on the server, split it by merchant, place the orders under one payment.

Nothing the client sends is trusted for money: prices, shipping fees and
totals are computed here from current data. The client sends back only the
``fingerprint`` of the quote it showed the buyer, and placing refuses (409)
when the quote it would make now differs — a price, a quantity, a fee or the
address changed in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.selectors import address_get_for
from jishi.cart.owner import CartOwner
from jishi.cart.selectors import CartLineView, CartView, buy_now_view, cart_view
from jishi.cart.services import cart_lines_remove_ordered, check_quantity
from jishi.catalog.errors import SkuNotFound
from jishi.catalog.selectors import path_ids
from jishi.checkout.errors import CartChanged, NotCancellable, NothingToOrder
from jishi.community.errors import NoPointChosen, NotForPickup
from jishi.community.selectors import community_offers, residence_of
from jishi.core import ids
from jishi.core.actors import Actor, user_of
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import AUTHENTICATED, check
from jishi.core.phrases import phrase
from jishi.groupbuy.selectors import team_buy_check, team_price_offer
from jishi.groupbuy.services import team_give_back, team_take
from jishi.inventory.errors import OutOfStock
from jishi.inventory.selectors import skus_sold_out
from jishi.loyalty.errors import PointsInsufficient, PointsInvalid
from jishi.loyalty.selectors import Rules, Tier, member_of, member_price_offers, rules
from jishi.loyalty.services import points_give_back_cancelled, points_spend
from jishi.orders import selectors as order_selectors
from jishi.orders.services import (
    AdjustmentDraft,
    Destination,
    LineDraft,
    OrderDraft,
    orders_cancel_unpaid,
    orders_place,
)
from jishi.orders.services import (
    Pickup as OrderPickup,
)
from jishi.orders.states import ActorRole, OrderKind, OrderStatus
from jishi.payments.errors import PaymentClosed
from jishi.payments.services import intent_cancel, intent_create
from jishi.policies.selectors import platform_settings
from jishi.promotions.errors import CouponNotApplicable, CouponUnavailable, FlashSoldOut
from jishi.promotions.pricing import (
    CouponOffer,
    FreeShippingOffer,
    Item,
    PointsOffer,
    PricedOrder,
    PriceOffer,
    Pricing,
    Source,
    Step,
    ThresholdOffer,
    best_coupons,
    price,
)
from jishi.promotions.selectors import (
    coupon_offers_for,
    flash_item_for_buying,
    flash_price_offer,
    price_offers,
    threshold_offers,
)
from jishi.promotions.services import (
    coupons_give_back,
    coupons_take,
    flash_admit,
    flash_give_back,
    flash_readmit,
    flash_take,
)
from jishi.shipping.selectors import Parcel, delivery_check, fee_templates_for, shipping_fee

if TYPE_CHECKING:
    from jishi.orders.models import Order
    from jishi.payments.models import PaymentIntent


@dataclass(frozen=True)
class QuoteGroup:
    merchant: Any
    lines: list[CartLineView]
    priced: PricedOrder  # the pricing pipeline's order: its adjustments, each line's price and the next tier
    pickup: Any = None  # the pickup point (社区团购 自提) it is collected at, instead of delivered

    @property
    def goods(self) -> Money:
        return self.priced.goods

    @property
    def shipping(self) -> Money:
        return self.priced.shipping

    @property
    def discount(self) -> Money:
        return self.priced.discount

    @property
    def total(self) -> Money:
        return self.priced.total


@dataclass(frozen=True)
class Quote:
    address: Any
    groups: list[QuoteGroup]
    # Lines left in the cart because they cannot be bought now (unlisted, inactive).
    excluded: list[CartLineView]
    fingerprint: str
    coupons: tuple[CouponOffer, ...] = ()  # the ones used: the best by default, or the buyer's choice
    wallet: tuple[CouponOffer, ...] = ()  # every coupon of the buyer's that might be chosen instead
    flash_item: Any = None  # the flash-sale item bought, for a flash-sale buy
    team: Any = None  # what a 拼团 buy was checked against (groupbuy.selectors.Buying)
    points: int = 0  # the points spent (积分抵扣)
    points_balance: int = 0  # the buyer's points
    points_most: int = 0  # the most points this checkout takes (0 for a flash-sale or 拼团 buy)

    @property
    def discount(self) -> Money:
        return Money.total((group.discount for group in self.groups), CURRENCY)

    @property
    def goods(self) -> Money:
        return Money.total((group.goods for group in self.groups), CURRENCY)

    @property
    def shipping(self) -> Money:
        return Money.total((group.shipping for group in self.groups), CURRENCY)

    @property
    def total(self) -> Money:
        return Money.total((group.total for group in self.groups), CURRENCY)


@dataclass(frozen=True)
class Placement:
    checkout_number: str
    intent: PaymentIntent
    orders: list[Order]


def _fingerprint(address: Any, groups: list[QuoteGroup], coupons: tuple[CouponOffer, ...]) -> str:
    facts = [
        address.pk,
        address.province,
        [
            [
                group.merchant.pk,
                group.shipping.minor,
                [[v.sku.pk, v.quantity, v.unit_price.minor] for v in group.lines],
                [[a.source.kind, a.source.id, a.amount.minor] for a in group.priced.adjustments],
            ]
            for group in groups
        ],
        sorted(coupon.source.id for coupon in coupons),
    ]
    return hashlib.sha256(json.dumps(facts, separators=(",", ":")).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class BuyNow:
    """One SKU bought straight from its product page (立即购买): the cart is left as it is."""

    sku_id: int
    quantity: int
    flash_item_id: int | None = None  # bought in a flash sale (秒杀) at its price
    team_campaign_id: int | None = None  # bought in a 拼团 campaign at its group price: opening a group, or
    team_id: int | None = None  # joining this one


def _basket(actor: Actor, sku_ids: Collection[int] | None, buy_now: BuyNow | None) -> CartView:
    if buy_now is None:
        return cart_view(CartOwner(user=actor), sku_ids=sku_ids)
    view = buy_now_view(buy_now.sku_id, check_quantity(buy_now.quantity))
    if not view.lines or not view.lines[0].purchasable:  # a draft, a rejected or a suspended shop's product
        raise SkuNotFound(field="sku_id")
    return view


def checkout_items(*, actor: Actor, sku_ids: Collection[int] | None = None, buy_now: BuyNow | None = None) -> CartView:
    """What the actor is about to buy, before an address prices its delivery (确认订单 without an address yet)."""
    check(actor, AUTHENTICATED)
    return _basket(actor, sku_ids, buy_now)


def _items(groups: list[tuple[Any, list[CartLineView]]]) -> list[Item]:
    return [
        Item(
            sku_id=line.sku.pk,
            product_id=line.product.pk,
            merchant_id=line.product.merchant_id,
            category_ids=frozenset(path_ids(line.product.category.path)),
            unit_price=line.unit_price,
            quantity=line.quantity,
        )
        for _merchant, lines in groups
        for line in lines
    ]


def _automatic(
    user_id: int | None, items: list[Item], now: dt.datetime, tier: Tier = Tier.REGULAR
) -> tuple[list[PriceOffer], list[ThresholdOffer]]:
    """The limited prices (within the buyer's limits; a guest's are counted at checkout), the member prices of the
    buyer's tier and the 满减 running now."""
    prices = price_offers(
        [item.sku_id for item in items],
        now=now,
        bought=lambda limited: (
            order_selectors.units_bought_at_limited_prices(user_id, limited) if user_id is not None else {}
        ),
    )
    prices = [*prices, *member_price_offers(tier, [item.sku_id for item in items])]
    return prices, threshold_offers({item.merchant_id for item in items}, now=now)


def cart_promotions(*, actor: Actor, view: CartView) -> dict[int, PricedOrder]:
    """What the automatic promotions (limited prices, 满减) take off each shop's lines of the cart, and how much
    more earns the next tier: the cart's view of the pricing, before coupons and delivery (two or three queries)."""
    groups = [(group.merchant, [line for line in group.lines if line.purchasable]) for group in view.groups]
    groups = [(merchant, lines) for merchant, lines in groups if lines]
    if not groups:
        return {}
    items = _items(groups)
    user_id = user_of(actor).pk if getattr(actor, "is_authenticated", False) else None
    tier = member_of(user_id)[1] if user_id is not None else Tier.REGULAR
    prices, thresholds = _automatic(user_id, items, timezone.now(), tier)
    zero = {merchant.pk: Money.zero(CURRENCY) for merchant, _lines in groups}
    pricing = price(items, zero, prices=prices, thresholds=thresholds)
    return {order.merchant_id: order for order in pricing.orders}


def _pricing(
    actor: Actor,
    groups: list[tuple[Any, list[CartLineView]]],
    shipping: dict[int, Money],
    coupon_ids: list[int] | None,
    buy_now: BuyNow | None,
    *,
    community: list[PriceOffer],
    points: PointsOffer | None,
    member: tuple[Tier, FreeShippingOffer | None],
) -> tuple[Pricing, tuple[CouponOffer, ...], Any, Any]:
    """Price the lines through the promotions pipeline: the pricing, the wallet it chose from, the flash item
    of a flash-sale buy and the campaign (and group) of a 拼团 buy.

    A flash-sale or 拼团 buy goes alone: its own price, and no 满减, coupon or points.
    """
    now = timezone.now()
    user = user_of(actor)
    items = _items(groups)
    alone = _alone(buy_now)
    if alone and coupon_ids:
        raise CouponNotApplicable(field="coupon_ids")
    if buy_now is not None and buy_now.flash_item_id is not None:
        flash = flash_item_for_buying(
            item_id=buy_now.flash_item_id, sku_id=buy_now.sku_id, user_id=user.pk, quantity=buy_now.quantity, now=now
        )
        return price(items, shipping, prices=[flash_price_offer(flash)]), (), flash, None
    if buy_now is not None and buy_now.team_campaign_id is not None:
        team = team_buy_check(
            campaign_id=buy_now.team_campaign_id,
            sku_id=buy_now.sku_id,
            user_id=user.pk,
            quantity=buy_now.quantity,
            team_id=buy_now.team_id,
            now=now,
        )
        return price(items, shipping, prices=[team_price_offer(team.tier)]), (), None, team
    tier, free_shipping = member
    prices, thresholds = _automatic(user.pk, items, now, tier)
    prices = [*prices, *community]
    wallet = tuple(coupon_offers_for(actor, now=now))
    if coupon_ids is None:
        best = best_coupons(
            items, shipping, wallet=wallet, prices=prices, thresholds=thresholds, free_shipping=free_shipping
        )
        chosen = list(best.coupons)
    else:
        chosen = [offer for offer in wallet if offer.source.id in set(coupon_ids)]
        if len(chosen) != len(set(coupon_ids)):
            raise CouponUnavailable(field="coupon_ids")
    pricing = price(
        items,
        shipping,
        prices=prices,
        thresholds=thresholds,
        coupons=chosen,
        points=points,
        free_shipping=free_shipping,
    )
    return pricing, wallet, None, None


def _alone(buy_now: BuyNow | None) -> bool:
    """A flash-sale or 拼团 buy: priced alone."""
    return buy_now is not None and (buy_now.flash_item_id is not None or buy_now.team_campaign_id is not None)


def _points_offer(user_id: int, points: int, balance: int, current: Rules) -> PointsOffer:
    """What ``points`` take off. Raises PointsInvalid, PointsInsufficient."""
    if points < 0 or (points and not current.value(points)):
        raise PointsInvalid(field="points")
    if points > balance:
        raise PointsInsufficient(field="points")
    label = _("Points (%(points)s)") % {"points": points}
    return PointsOffer(Source("points", user_id), label[:60], current.value(points), current.max_share_percent)


def _free_shipping(user_id: int, tier: Tier, current: Rules | None) -> FreeShippingOffer | None:
    threshold = current.free_shipping(tier) if current is not None else None
    if threshold is None:
        return None
    return FreeShippingOffer(Source("member_shipping", user_id), str(_("Member free shipping")), threshold)


def checkout_quote(
    *,
    actor: Actor,
    address_id: int,
    sku_ids: Collection[int] | None = None,
    buy_now: BuyNow | None = None,
    coupon_ids: list[int] | None = None,
    pickup_merchant_ids: Collection[int] = (),
    points: int | None = 0,
) -> Quote:
    """Price what the actor buys for delivery to one of their addresses, one group per merchant.

    The groups of ``pickup_merchant_ids`` are collected at the buyer's pickup point instead (社区团购 自提): no
    delivery fee, each line at its community price; every line must be in a campaign delivering there.

    What is bought: the ticked cart lines, named by their SKUs (``sku_ids``,
    which outlive a guest cart merged at sign-in; the whole cart when None),
    or one SKU bought now (``buy_now``) without touching the cart.
    Lines that cannot be bought now are left out (and listed); lines short of
    stock stay in, flagged, because only the reservation can say for sure.
    Promotions price it (``promotions.pricing``): with ``coupon_ids`` None
    the buyer's best coupons are chosen, otherwise those (``[]``: none).
    ``points`` of the buyer's take money off last, funded by the platform
    (None: points are not offered, and nothing of them is read).
    Raises AddressNotFound (404, also for another user's address), SkuNotFound,
    InvalidCartQuantity, NothingToOrder (409), NotDelivered (422, field
    ``address``: a shop delivering there does not serve its province), CouponUnavailable,
    CouponNotApplicable, CouponsNotCombinable, PointsInvalid, PointsInsufficient,
    PointsAboveCap (more than their share of the goods).
    """
    check(actor, AUTHENTICATED)
    address = address_get_for(user_of(actor), address_id)
    view = _basket(actor, sku_ids, buy_now)
    excluded = [line for line in view.lines if not line.purchasable]
    merchants = [group for group in view.groups if any(line.purchasable for line in group.lines)]
    if not merchants:
        raise NothingToOrder
    templates = fee_templates_for(group.merchant.pk for group in merchants)
    bought: list[tuple[Any, list[CartLineView]]] = []
    shipping: dict[int, Money] = {}
    point, community = _pickup(actor, merchants, set(pickup_merchant_ids), buy_now)
    where = address.region_code or address.province
    delivery_check(templates, _delivered_shops(merchants, point, pickup_merchant_ids), province=where)
    for group in merchants:
        lines = [line for line in group.lines if line.purchasable]
        if point is not None and group.merchant.pk in pickup_merchant_ids:
            shipping[group.merchant.pk] = Money.zero(CURRENCY)
            bought.append((group.merchant, lines))
            continue
        parcel = Parcel(
            items=sum(line.quantity for line in lines),
            grams=sum(line.sku.weight_grams * line.quantity for line in lines),
            goods_total=Money.total((line.total for line in lines), CURRENCY),
        )
        shipping[group.merchant.pk] = shipping_fee(templates.get(group.merchant.pk), province=where, parcel=parcel)
        bought.append((group.merchant, lines))
    user_id = user_of(actor).pk
    balance, tier = member_of(user_id)
    alone = _alone(buy_now)
    # the rules are read for points (offered unless None) and a tier's free shipping
    current = rules() if not alone and (points is not None or tier != Tier.REGULAR) else None
    points_offer = _points_offer(user_id, points, balance, current) if current and points is not None else None
    pricing, wallet, flash, team = _pricing(
        actor,
        bought,
        shipping,
        coupon_ids,
        buy_now,
        community=list(community.values()),
        points=points_offer,
        member=(tier, _free_shipping(user_id, tier, current)),
    )
    cap = pricing.points_cap
    most = min(balance, cap.minor * current.points_per_yuan // 100) if cap is not None and current else 0
    groups = [
        QuoteGroup(merchant, lines, priced, point if merchant.pk in pickup_merchant_ids else None)
        for (merchant, lines), priced in zip(bought, pricing.orders, strict=True)
    ]
    return Quote(
        address=address,
        groups=groups,
        excluded=excluded,
        fingerprint=_fingerprint(address, groups, pricing.coupons),
        coupons=pricing.coupons,
        wallet=wallet,
        flash_item=flash,
        team=team,
        points=(points or 0) if cap is not None else 0,
        points_balance=balance if current is not None else 0,
        points_most=most,
    )


def _delivered_shops(merchants: list[Any], point: Any, pickup_merchant_ids: Collection[int]) -> list[tuple[int, str]]:
    """The shops (id, name) whose goods are delivered to the address: all but those collected at the pickup point."""
    return [
        (group.merchant.pk, group.merchant.name)
        for group in merchants
        if point is None or group.merchant.pk not in pickup_merchant_ids
    ]


def _pickup(
    actor: Actor, merchants: list[Any], wanted: set[int], buy_now: BuyNow | None
) -> tuple[Any, dict[int, PriceOffer]]:
    """The buyer's pickup point and the community prices of the lines collected there (none when nothing is)."""
    if not wanted:
        return None, {}
    if buy_now is not None and (buy_now.flash_item_id or buy_now.team_campaign_id):
        raise NotForPickup(field="pickup_merchant_ids")
    point = residence_of(actor)
    if point is None:
        raise NoPointChosen(field="pickup_merchant_ids")
    lines = [line for group in merchants if group.merchant.pk in wanted for line in group.lines if line.purchasable]
    offers = community_offers(point, [line.sku.pk for line in lines], now=timezone.now())
    for line in lines:
        if line.sku.pk not in offers:
            raise NotForPickup(field="pickup_merchant_ids", params={"sku_id": line.sku.pk})
    return point, offers


def _line_drafts(group: QuoteGroup) -> list[LineDraft]:
    unit_prices = {a.sku_id: a for a in group.priced.adjustments if a.step == Step.UNIT_PRICE}
    drafts = []
    for line, priced in zip(group.lines, group.priced.lines, strict=True):
        offer = unit_prices.get(line.sku.pk)
        limited = offer if offer is not None and offer.source.kind == "limited_price" else None
        flash = offer if offer is not None and offer.source.kind == "flash" else None
        drafts.append(
            LineDraft(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                image=(line.thumbnail.thumbnail.name or "") if line.thumbnail else "",
                discount=priced.discount,
                subsidy=priced.merchant_net - priced.paid,
                limited_price_id=limited.source.id if limited else None,
                limited_units=limited.units if limited else 0,
                flash_item_id=flash.source.id if flash else None,
            )
        )
    return drafts


def _collected(group: QuoteGroup, address: Any) -> OrderPickup | None:
    """Where a pickup group's order is collected, copied onto the order: the point, for the address's receiver."""
    point = group.pickup
    if point is None:
        return None
    return OrderPickup(
        point_id=point.pk,
        destination=Destination(
            receiver=address.receiver,
            phone=address.phone,
            province=point.province,
            city=point.city,
            district=point.district,
            detail=f"{point.detail}（{point.name}）",
        ),
    )


def _drafts(quote: Quote, kind: OrderKind) -> list[OrderDraft]:
    return [
        OrderDraft(
            merchant_id=group.merchant.pk,
            kind=kind,
            pickup=_collected(group, quote.address),
            lines=_line_drafts(group),
            goods=group.goods,
            shipping=group.shipping,
            discount=group.discount,
            adjustments=[
                AdjustmentDraft(
                    step=adjustment.step,
                    label=adjustment.label,
                    amount=adjustment.amount,
                    funded_by_platform=adjustment.funded_by_platform,
                    source_kind=adjustment.source.kind,
                    source_id=adjustment.source.id,
                )
                for adjustment in group.priced.adjustments
            ],
        )
        for group in quote.groups
    ]


def _refuse_sold_out(sku_ids: list[int]) -> None:
    """Refuse a basket holding a SKU that a reservation found with nothing left moments ago (a flash sale's late
    buyers): from the shared cache, before any write."""
    if gone := skus_sold_out(sku_ids):
        raise OutOfStock(field="quantity", params={"sku_id": gone[0]})


def checkout_place(
    *,
    actor: Actor,
    address_id: int,
    fingerprint: str,
    note: str = "",
    sku_ids: Collection[int] | None = None,
    buy_now: BuyNow | None = None,
    coupon_ids: list[int] | None = None,
    pickup_merchant_ids: Collection[int] = (),
    points: int = 0,
) -> Placement:
    """Place one order per merchant for what the quote covers, reserve the stock, and open one payment intent.

    All or nothing. Ordered cart lines leave the cart; a buy-now leaves it
    alone. Raises OutOfStock (409) when a SKU is short, CartChanged (409)
    when the quote no longer matches ``fingerprint``, and what
    :func:`checkout_quote` raises. A basket that names its SKUs (a buy-now,
    ticked lines) and holds one found sold out moments ago is refused before
    the quote, without a query; so is a flash-sale buyer the hot counter has
    no units left for (FlashSoldOut): that is how a flash sale's late buyers
    come. A flash-sale order is paid within the platform's flash-sale minutes
    (policies.platform_settings), any other within its payment minutes.
    """
    check(actor, AUTHENTICATED)
    named = [buy_now.sku_id] if buy_now is not None else list(sku_ids or ())
    flash = buy_now.flash_item_id if buy_now is not None else None
    place = partial(
        _place,
        actor=actor,
        address_id=address_id,
        fingerprint=fingerprint,
        note=note,
        sku_ids=sku_ids,
        buy_now=buy_now,
        coupon_ids=coupon_ids,
        pickup_merchant_ids=pickup_merchant_ids,
        points=points,
    )
    if flash is None:
        _refuse_sold_out(named)
        return place()
    assert buy_now is not None
    if not flash_admit(item_id=flash, quantity=buy_now.quantity):
        raise FlashSoldOut(field="quantity")
    try:
        return place()
    except BaseException:
        flash_readmit(item_id=flash, quantity=buy_now.quantity)
        raise


def _place(
    *,
    actor: Actor,
    address_id: int,
    fingerprint: str,
    note: str,
    sku_ids: Collection[int] | None,
    buy_now: BuyNow | None,
    coupon_ids: list[int] | None,
    pickup_merchant_ids: Collection[int],
    points: int,
) -> Placement:
    flash = buy_now.flash_item_id if buy_now is not None else None
    policy = platform_settings()
    minutes = policy.payment_minutes if flash is None else policy.flash_payment_minutes
    kind = OrderKind.FLASH if flash is not None else OrderKind.STANDARD
    with transaction.atomic():
        quote = checkout_quote(
            actor=actor,
            address_id=address_id,
            sku_ids=sku_ids,
            buy_now=buy_now,
            coupon_ids=coupon_ids,
            pickup_merchant_ids=pickup_merchant_ids,
            points=points or None,  # placing without points reads nothing of them
        )
        if quote.fingerprint != fingerprint:
            raise CartChanged(field="fingerprint")
        bought = [line.sku.pk for group in quote.groups for line in group.lines]
        if quote.team is not None:
            kind = OrderKind.TEAM
        if sku_ids is None and buy_now is None:  # the whole cart: its SKUs are known now
            _refuse_sold_out(bought)
        address = quote.address
        checkout_number = ids.public_number()
        first = quote.groups[0].lines[0].product.title
        one_line = len(quote.groups) == 1 and len(quote.groups[0].lines) == 1
        intent = intent_create(
            buyer=actor,
            checkout_number=checkout_number,
            amount=quote.total,
            subject=first if one_line else _("%(title)s and more") % {"title": first},
            pay_by=timezone.now() + dt.timedelta(minutes=minutes),
        )
        if buy_now is None:
            cart_lines_remove_ordered(user=actor, sku_ids=bought)
        coupons_take(
            owner=user_of(actor),
            coupon_ids=[coupon.source.id for coupon in quote.coupons],
            checkout_number=checkout_number,
            now=timezone.now(),
        )
        orders = orders_place(  # last but a flash sale's: it ends on the stock rows every buyer waits for
            buyer=actor,
            checkout_number=checkout_number,
            drafts=_drafts(quote, kind),
            destination=Destination(
                receiver=address.receiver,
                phone=address.phone,
                province=address.province,
                city=address.city,
                district=address.district,
                detail=address.detail,
                postal_code=address.postal_code,
            ),
            pay_by=intent.pay_by,
            note=note.strip()[:200],
        )
        if quote.flash_item is not None and buy_now is not None:  # the row every buyer of it waits for: last
            flash_take(
                buyer=user_of(actor),
                item=quote.flash_item,
                quantity=buy_now.quantity,
                checkout_number=checkout_number,
            )
        if quote.team is not None and buy_now is not None:
            team_take(buyer=user_of(actor), buying=quote.team, quantity=buy_now.quantity, order=orders[0])
        if quote.points:
            points_spend(
                user_id=user_of(actor).pk,
                points=quote.points,
                parts=[(order.pk, _points_taken(group)) for order, group in zip(orders, quote.groups, strict=True)],
                now=timezone.now(),
            )
        for order, group in zip(orders, quote.groups, strict=True):
            order.merchant = group.merchant  # read with the quote: the answer needs its name
        return Placement(checkout_number=checkout_number, intent=intent, orders=orders)


def _points_taken(group: QuoteGroup) -> int:
    return sum(a.amount.minor for a in group.priced.adjustments if a.step == Step.POINTS)


def _cancel(checkout_number: str, *, actor: Actor, role: ActorRole, reason: str) -> list[Order]:
    try:
        intent_cancel(checkout_number=checkout_number)
    except PaymentClosed:
        raise NotCancellable from None
    orders = orders_cancel_unpaid(actor=actor, checkout_number=checkout_number, role=role, reason=reason)
    coupons_give_back(checkout_number=checkout_number)
    flash_give_back(checkout_number=checkout_number)
    team_give_back(checkout_number=checkout_number)
    points_give_back_cancelled(order_ids=[order.pk for order in orders])
    return orders


@transaction.atomic
def checkout_cancel(*, actor: Actor, order_number: str, reason: str = "") -> list[Order]:
    """The buyer cancels an unpaid order — and with it the other orders of its checkout, which share the payment.

    Stock is released. Cancelling a cancelled order changes nothing. Raises
    OrderNotFound (another buyer's order), NotCancellable (paid already).
    """
    order = order_selectors.order_get_for_buyer(actor, order_number)
    if order.status == OrderStatus.CANCELLED:
        return [order]
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise NotCancellable
    return _cancel(
        order.checkout_number,
        actor=actor,
        role=ActorRole.BUYER,
        reason=reason.strip()[:200] or phrase(gettext_lazy("Cancelled by the buyer")),
    )


@transaction.atomic
def checkout_expire(*, checkout_number: str) -> list[Order]:
    """Cancel a checkout whose payment deadline has passed and release its stock.

    Idempotent and safe to run concurrently: the intent and each order move
    once, so stock is released once. A checkout paid in the meantime is left alone.
    """
    orders = list(order_selectors.orders_of_checkout(checkout_number))
    now = timezone.now()
    if not any(order.status == OrderStatus.PENDING_PAYMENT and order.pay_by <= now for order in orders):
        return orders
    try:
        return _cancel(
            checkout_number, actor=None, role=ActorRole.SYSTEM, reason=phrase(gettext_lazy("Not paid in time"))
        )
    except NotCancellable:
        return orders


def checkouts_expire_overdue() -> int:
    """The time-out sweep: expire every checkout past its payment deadline. Returns how many were looked at."""
    numbers = order_selectors.checkouts_unpaid_overdue(now=timezone.now())
    for number in numbers:
        checkout_expire(checkout_number=number)
    return len(numbers)
