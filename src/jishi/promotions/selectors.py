"""Reads of the promotions domain: a buyer's wallet, and their coupons as the pricing pipeline's offers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from jishi.accounts.selectors import real_name_verified
from jishi.catalog.errors import SkuNotFound
from jishi.catalog.models import Category, Product, Sku
from jishi.core.actors import Actor, user_of
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import check
from jishi.merchants.selectors import merchant_for
from jishi.orders.models import OrderAdjustment
from jishi.promotions.errors import (
    FlashItemNotFound,
    FlashLimitReached,
    FlashNotRunning,
    FlashSessionNotFound,
    FlashSoldOut,
    RealNameRequired,
)
from jishi.promotions.models import (
    Coupon,
    CouponTemplate,
    FlashBuyer,
    FlashItem,
    FlashItemStatus,
    FlashSession,
    FlashTake,
    LimitedPrice,
    TemplateStatus,
    ThresholdPromotion,
)
from jishi.promotions.permissions import PLATFORM_PROMOTIONS, SHOP_PROMOTIONS
from jishi.promotions.pricing import CouponKind, CouponOffer, PriceOffer, Scope, Source, ThresholdOffer, Tier


class WalletTab(StrEnum):
    UNUSED = "unused"  # 未使用
    USED = "used"  # 已使用
    EXPIRED = "expired"  # 已过期


def wallet_for(actor: Actor, tab: WalletTab, *, now: dt.datetime) -> QuerySet[Coupon]:
    """The actor's coupons under one wallet tab, soonest to expire first (the latest used first)."""
    coupons = Coupon.objects.filter(owner=user_of(actor)).select_related("template", "template__merchant")
    if tab == WalletTab.USED:
        return coupons.exclude(checkout_number="").order_by("-used_at", "-pk")
    unused = coupons.filter(checkout_number="")
    if tab == WalletTab.EXPIRED:
        return unused.filter(valid_until__lte=now).order_by("-valid_until", "-pk")
    return unused.filter(valid_until__gt=now).order_by("valid_until", "pk")


def coupon_offers_for(actor: Actor, *, now: dt.datetime) -> list[CouponOffer]:
    """The actor's coupons usable now, as offers the pricing pipeline can choose from: one per template (its
    first claimed, which expires first), since a checkout uses a template's coupon once at most. One query,
    however many of one coupon the buyer holds."""
    usable = Coupon.objects.filter(owner=user_of(actor), checkout_number="", valid_from__lte=now, valid_until__gt=now)
    firsts = usable.values("template_id").annotate(first=Min("pk")).values("first")
    chosen = Coupon.objects.filter(pk__in=Subquery(firsts)).select_related("template")
    return [offer_of(coupon) for coupon in chosen.order_by("valid_until", "pk")]


def offer_of(coupon: Coupon) -> CouponOffer:
    template = coupon.template
    return CouponOffer(
        source=Source("coupon", coupon.pk),
        label=template.name,
        merchant_id=template.merchant_id,
        kind=CouponKind(template.kind),
        scope=Scope(
            merchant_id=template.merchant_id or template.scope_merchant_id,
            category_ids=frozenset(template.category_ids),
            product_ids=frozenset(template.product_ids),
        ),
        min_spend=template.min_spend,
        amount=template.amount,
        percent_off=template.percent_off,
        exclusive=template.exclusive,
    )


def template_get(template_id: int) -> CouponTemplate | None:
    return CouponTemplate.objects.filter(pk=template_id).select_related("merchant").first()


def platform_template_exists(template_id: int) -> bool:
    """Whether ``template_id`` is one of the platform's coupon templates (not a shop's)."""
    return CouponTemplate.objects.filter(pk=template_id, merchant__isnull=True).exists()


def products_not_of_merchant(merchant_id: int, product_ids: list[int]) -> list[int]:
    """Those of ``product_ids`` that are not the merchant's products (a shop's coupon covers only its own)."""
    own = set(Product.objects.filter(pk__in=product_ids, merchant_id=merchant_id).values_list("pk", flat=True))
    return [pk for pk in product_ids if pk not in own]


def unknown_categories(category_ids: list[int]) -> list[int]:
    known = set(Category.objects.filter(pk__in=category_ids).values_list("pk", flat=True))
    return [pk for pk in category_ids if pk not in known]


def _claimable(now: dt.datetime) -> QuerySet[CouponTemplate]:
    live = Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    return CouponTemplate.objects.filter(live, claimable=True, status=TemplateStatus.ACTIVE)


def claimable_templates(*, merchant_id: int | None = None, now: dt.datetime) -> QuerySet[CouponTemplate]:
    """Templates a buyer may claim now (a shop's, or the platform's with ``merchant_id`` None), newest first."""
    issuer = Q(merchant__isnull=True) if merchant_id is None else Q(merchant_id=merchant_id)
    return _claimable(now).filter(issuer).order_by("-pk")


def sku_of_merchant(merchant_id: int, sku_id: int) -> Sku:
    """One of the merchant's SKUs; SkuNotFound (404) for any other."""
    sku = Sku.objects.filter(pk=sku_id, product__merchant_id=merchant_id).first()
    if sku is None:
        raise SkuNotFound(field="sku_id")
    return sku


def limited_prices_overlapping(sku_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return LimitedPrice.objects.filter(
        sku_id=sku_id, status=TemplateStatus.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()


def threshold_offers(merchant_ids: Iterable[int], *, now: dt.datetime) -> list[ThresholdOffer]:
    """The shops' 满减 / 满折 running now, oldest first (where two cover a line, the older applies)."""
    live = ThresholdPromotion.objects.filter(
        merchant_id__in=list(merchant_ids), status=TemplateStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    ).order_by("pk")
    return [
        ThresholdOffer(
            source=Source("threshold", promotion.pk),
            label=promotion.name,
            merchant_id=promotion.merchant_id,
            scope=Scope(
                merchant_id=promotion.merchant_id,
                category_ids=frozenset(promotion.category_ids),
                product_ids=frozenset(promotion.product_ids),
            ),
            tiers=tuple(_tier(promotion.currency, tier) for tier in promotion.tiers),
        )
        for promotion in live
    ]


def _tier(currency: str, tier: dict[str, int | None]) -> Tier:
    def money(minor: int | None) -> Money | None:
        return None if minor is None else Money(minor, currency)

    return Tier(
        threshold=money(tier["threshold_minor"]),
        quantity=tier["quantity"],
        off=money(tier["off_minor"]),
        percent_off=tier["percent_off"],
    )


def price_offers(
    sku_ids: Iterable[int], *, now: dt.datetime, bought: Callable[[list[int]], Mapping[int, int]]
) -> list[PriceOffer]:
    """The limited prices of these SKUs running now. ``bought`` tells, for the limited prices with a limit per
    buyer, how many units the buyer already bought at each (asked only when one has a limit)."""
    live = list(
        LimitedPrice.objects.filter(
            sku_id__in=list(sku_ids), status=TemplateStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
        ).order_by("pk")
    )
    limited = [price.pk for price in live if price.per_user_limit is not None]
    already = bought(limited) if limited else {}
    offers = []
    for price in live:
        left = None if price.per_user_limit is None else price.per_user_limit - already.get(price.pk, 0)
        if left is None or left > 0:
            offers.append(PriceOffer(Source("limited_price", price.pk), price.label, price.sku_id, price.price, left))
    return offers


def _with_use(templates: QuerySet[CouponTemplate]) -> QuerySet[CouponTemplate]:
    """Each template with ``used_count``: its coupons a checkout has taken."""
    return templates.annotate(used_count=Count("coupons", filter=~Q(coupons__checkout_number="")))


def template_list_for_merchant(actor: Actor) -> QuerySet[CouponTemplate]:
    """The actor's shop's coupons, newest first, with how many were used."""
    check(actor, SHOP_PROMOTIONS)
    return _with_use(CouponTemplate.objects.filter(merchant=merchant_for(actor))).order_by("-pk")[:500]


def template_list_for_platform(actor: Actor) -> QuerySet[CouponTemplate]:
    """The platform's coupons, newest first, with how many were used."""
    check(actor, PLATFORM_PROMOTIONS)
    return _with_use(CouponTemplate.objects.filter(merchant__isnull=True)).order_by("-pk")[:500]


@dataclass(frozen=True)
class Cost:
    """What an offer took off paid orders: how many orders, and how much."""

    orders: int
    amount: Money


NO_COST = Cost(0, Money.zero(CURRENCY))


def _paid_adjustments() -> QuerySet[OrderAdjustment]:
    return OrderAdjustment.objects.filter(order__paid_at__isnull=False)


def costs_of(kind: str, ids: Iterable[int]) -> dict[int, Cost]:
    """Per 满减 (``threshold``), limited price or flash item: what it took off orders that were paid."""
    rows = (
        _paid_adjustments()
        .filter(source_kind=kind, source_id__in=list(ids))
        .values_list("source_id")
        .annotate(orders=Count("order_id", distinct=True), taken=Sum("amount_minor"))
    )
    return {source_id: Cost(orders, Money(amount, CURRENCY)) for source_id, orders, amount in rows}


def coupon_costs(template_ids: Iterable[int]) -> dict[int, Cost]:
    """Per coupon template: what its coupons took off orders that were paid."""
    rows = (
        _paid_adjustments()
        .filter(
            source_kind="coupon",
            source_id__in=Coupon.objects.filter(template_id__in=list(template_ids)).values("pk"),
        )
        .annotate(template_id=Subquery(Coupon.objects.filter(pk=OuterRef("source_id")).values("template_id")))
        .values_list("template_id")
        .annotate(orders=Count("order_id", distinct=True), taken=Sum("amount_minor"))
    )
    return {template_id: Cost(orders, Money(amount, CURRENCY)) for template_id, orders, amount in rows}


@dataclass(frozen=True)
class CostRow:
    step: str
    funded_by_platform: bool
    orders: int
    amount: Money


def promotion_costs(actor: Actor, *, since: dt.datetime) -> list[CostRow]:
    """The operators' report: per step and funder, what the promotions took off orders paid since ``since``."""
    check(actor, PLATFORM_PROMOTIONS)
    rows = (
        _paid_adjustments()
        .filter(order__paid_at__gte=since)
        .values_list("step", "funded_by_platform")
        .annotate(orders=Count("order_id", distinct=True), taken=Sum("amount_minor"))
        .order_by("step", "funded_by_platform")
    )
    return [CostRow(step, platform, orders, Money(amount, CURRENCY)) for step, platform, orders, amount in rows]


def thresholds_of_merchant(actor: Actor) -> QuerySet[ThresholdPromotion]:
    check(actor, SHOP_PROMOTIONS)
    return ThresholdPromotion.objects.filter(merchant=merchant_for(actor)).order_by("-pk")[:500]


def limited_prices_of_merchant(actor: Actor) -> QuerySet[LimitedPrice]:
    check(actor, SHOP_PROMOTIONS)
    prices = LimitedPrice.objects.filter(merchant=merchant_for(actor)).select_related("sku__product")
    return prices.order_by("-pk")[:500]


# 秒杀 -------------------------------------------------------------------------------------------------

FLASH_LABEL = "秒杀"


def flash_session_get(session_id: int) -> FlashSession:
    session = FlashSession.objects.filter(pk=session_id).first()
    if session is None:
        raise FlashSessionNotFound(field="session_id")
    return session


def flash_sessions_for_shoppers(*, now: dt.datetime, days: int = 2) -> list[FlashSession]:
    """Running sessions and those starting within ``days``, each with its approved (or finished) items and their
    products: the flash-sale page."""
    sessions = FlashSession.objects.filter(
        status=TemplateStatus.ACTIVE, ends_at__gt=now, starts_at__lt=now + dt.timedelta(days=days)
    ).prefetch_related(
        Prefetch(
            "items",
            queryset=FlashItem.objects.filter(status__in=[FlashItemStatus.APPROVED, FlashItemStatus.CLOSED])
            .select_related("sku__product")
            .prefetch_related("sku__product__images")
            .order_by("pk"),
        )
    )
    return list(sessions.order_by("starts_at", "pk")[:20])


def flash_item_for_buying(*, item_id: int, sku_id: int, user_id: int, quantity: int, now: dt.datetime) -> FlashItem:
    """The flash item, if this buyer may buy ``quantity`` of it now: what the quote checks before the write does.

    Raises FlashItemNotFound (no such item of this SKU), FlashNotRunning,
    RealNameRequired, FlashSoldOut, FlashLimitReached.
    """
    item = FlashItem.objects.select_related("session").filter(pk=item_id, sku_id=sku_id).first()
    if item is None:
        raise FlashItemNotFound(field="flash_item_id")
    session = item.session
    running = session.status == TemplateStatus.ACTIVE and session.starts_at <= now < session.ends_at
    if item.status != FlashItemStatus.APPROVED or not running:
        raise FlashNotRunning(field="flash_item_id")
    if session.real_name_required and not real_name_verified(user_id):
        raise RealNameRequired
    if item.sold + quantity > item.quota:
        raise FlashSoldOut(field="quantity")
    held = FlashBuyer.objects.filter(item=item, buyer_id=user_id).values_list("units", flat=True).first() or 0
    if held + quantity > item.per_user_limit:
        raise FlashLimitReached(field="quantity")
    return item


def flash_price_offer(item: FlashItem) -> PriceOffer:
    return PriceOffer(Source("flash", item.pk), FLASH_LABEL, item.sku_id, item.price)


def flash_units_left(item_id: int) -> int:
    item = FlashItem.objects.filter(pk=item_id, status=FlashItemStatus.APPROVED).values_list("quota", "sold").first()
    return item[0] - item[1] if item else 0


def flash_items_of_merchant(actor: Actor) -> QuerySet[FlashItem]:
    """The actor's shop's applications, newest first."""
    check(actor, SHOP_PROMOTIONS)
    items = FlashItem.objects.filter(merchant=merchant_for(actor)).select_related("session", "sku__product")
    return items.prefetch_related("sku__product__images").order_by("-pk")[:500]


def flash_items_for_review(actor: Actor, *, status: str = FlashItemStatus.APPLIED) -> QuerySet[FlashItem]:
    """Applications in a status, oldest first (the operators' queue)."""
    check(actor, PLATFORM_PROMOTIONS)
    items = FlashItem.objects.filter(status=status).select_related("session", "sku__product", "merchant")
    return items.prefetch_related("sku__product__images").order_by("applied_at", "pk")[:500]


def flash_item_get(item_id: int) -> FlashItem:
    """An item with what its answer shows (its session, SKU, product and images)."""
    items = FlashItem.objects.select_related("session", "sku__product", "merchant")
    item = items.prefetch_related("sku__product__images").filter(pk=item_id).first()
    if item is None:
        raise FlashItemNotFound(field="item_id")
    return item


def flash_items_due_to_close(*, now: dt.datetime) -> list[int]:
    """Approved items whose session is over or stopped: their unsold units go back on sale."""
    over = Q(session__ends_at__lte=now) | Q(session__status=TemplateStatus.STOPPED)
    return list(FlashItem.objects.filter(over, status=FlashItemStatus.APPROVED).values_list("pk", flat=True))


def flash_items_running(*, now: dt.datetime) -> list[tuple[int, int]]:
    """(id, units left) of every approved item of a running session."""
    items = FlashItem.objects.filter(
        status=FlashItemStatus.APPROVED, session__starts_at__lte=now, session__ends_at__gt=now
    ).values_list("pk", "quota", "sold")
    return [(pk, quota - sold) for pk, quota, sold in items]


def flash_takes_of_checkout(checkout_number: str) -> list[FlashTake]:
    return list(FlashTake.objects.filter(checkout_number=checkout_number, given_back=False))


def limited_price_get(limited_id: int) -> LimitedPrice:
    return LimitedPrice.objects.select_related("sku__product").get(pk=limited_id)


# What shoppers see ------------------------------------------------------------------------------------

BADGES_KEY = "promotions:badges"
BADGES_SECONDS = 30


@dataclass(frozen=True)
class Badge:
    """A product card's promotion: the lowest promoted price, what it is, and until when."""

    label: str  # 秒杀, the limited price's label (限时折扣), or a 满减's name
    price: Money | None  # None for a 满减 (the card's own price stands)
    ends_at: dt.datetime | None


def live_badges(*, now: dt.datetime) -> dict[str, dict[int, Badge]]:
    """The running promotions as cards show them: by product a flash or limited price, by shop its oldest 满减.

    Read once for every listing and kept ``BADGES_SECONDS`` in the shared
    cache (a price shown on a card may be that late; the product page and
    checkout read live).
    """
    cached = cache.get(BADGES_KEY)
    if cached is not None:
        return cached
    products: dict[int, Badge] = {}
    limited = LimitedPrice.objects.filter(status=TemplateStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
    for product_id, label, price_minor, currency, ends_at in limited.values_list(
        "sku__product_id", "label", "price_minor", "currency", "ends_at"
    ).order_by("price_minor"):
        products.setdefault(product_id, Badge(label, Money(price_minor, currency), ends_at))
    flash = FlashItem.objects.filter(
        status=FlashItemStatus.APPROVED,
        session__status=TemplateStatus.ACTIVE,
        session__starts_at__lte=now,
        session__ends_at__gt=now,
    )
    for product_id, price_minor, currency, ends_at in flash.values_list(
        "sku__product_id", "price_minor", "currency", "session__ends_at"
    ).order_by("-price_minor"):
        products[product_id] = Badge(FLASH_LABEL, Money(price_minor, currency), ends_at)  # the lowest wins
    shops: dict[int, Badge] = {}
    thresholds = ThresholdPromotion.objects.filter(status=TemplateStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
    for merchant_id, name, ends_at in thresholds.values_list("merchant_id", "name", "ends_at").order_by("pk"):
        shops.setdefault(merchant_id, Badge(name, None, ends_at))
    badges = {"products": products, "shops": shops}
    cache.set(BADGES_KEY, badges, BADGES_SECONDS)
    return badges


@dataclass(frozen=True)
class ProductPromotions:
    """What the product page shows of promotions: live prices per SKU, a running or coming flash sale, the shop's
    满减 and the coupons to claim."""

    limited: dict[int, LimitedPrice]  # by SKU id
    flash: FlashItem | None  # running now, or the next to start
    thresholds: list[ThresholdPromotion]
    coupons: list[CouponTemplate]


VERSION_KEY = "promotions:version"  # moved on by every start or stop of a promotion: cached offers are dropped
PRODUCT_SECONDS = 30


def product_promotions(*, product_id: int, merchant_id: int, now: dt.datetime) -> ProductPromotions:
    """The product page's promotions: its flash sale read live (one query, since what is left moves by the
    second), the rest from the shared cache for ``PRODUCT_SECONDS`` (four queries when it is cold)."""
    version = cache.get_or_set(VERSION_KEY, 0, None)
    key = f"promotions:product:{version}:{product_id}"
    offers = cache.get(key)
    if offers is None:
        offers = _product_offers(product_id, merchant_id, now)
        cache.set(key, offers, PRODUCT_SECONDS)
    flash = (
        FlashItem.objects.filter(
            sku__product_id=product_id,
            status=FlashItemStatus.APPROVED,
            session__status=TemplateStatus.ACTIVE,
            session__ends_at__gt=now,
            session__starts_at__lt=now + dt.timedelta(days=1),
        )
        .select_related("session", "sku")
        .order_by("session__starts_at", "pk")
        .first()
    )
    return replace(offers, flash=flash)


def _product_offers(product_id: int, merchant_id: int, now: dt.datetime) -> ProductPromotions:
    limited = LimitedPrice.objects.filter(
        sku__product_id=product_id, status=TemplateStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    )
    thresholds = ThresholdPromotion.objects.filter(
        merchant_id=merchant_id, status=TemplateStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    ).order_by("pk")
    coupons = _claimable(now).filter(
        Q(merchant_id=merchant_id)
        | Q(merchant__isnull=True, scope_merchant__isnull=True)
        | Q(scope_merchant_id=merchant_id),
        claimed_count__lt=F("total_quantity"),
    )
    return ProductPromotions(
        limited={price.sku_id: price for price in limited},
        flash=None,
        thresholds=[t for t in thresholds if _covers(t, product_id)],
        coupons=list(coupons.order_by("merchant_id", "pk")[:10]),
    )


def _covers(promotion: ThresholdPromotion, product_id: int) -> bool:
    """Whether a 满减 may cover the product (its product list; a category scope is shown, checkout decides)."""
    return not promotion.product_ids or product_id in promotion.product_ids


def coupon_centre(*, now: dt.datetime) -> list[CouponTemplate]:
    """Coupons anyone may claim now, with some left: the platform's first, then the shops', newest first."""
    templates = _claimable(now).filter(claimed_count__lt=F("total_quantity")).select_related("merchant")
    return list(templates.order_by(F("merchant_id").asc(nulls_first=True), "-pk")[:60])


def templates_held(user: Any) -> set[int]:
    """The templates of which the user holds an unused coupon."""
    held = Coupon.objects.filter(owner=user, checkout_number="").values_list("template_id", flat=True)
    return set(held.distinct())


def platform_templates_live(*, now: dt.datetime) -> QuerySet[CouponTemplate]:
    """The platform's templates running now (not stopped, not ended), claimable by hand or not, newest first: those
    it can give out as its own reward (``services.coupon_grant``)."""
    live = Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    return CouponTemplate.objects.filter(live, merchant__isnull=True, status=TemplateStatus.ACTIVE).order_by("-pk")


def coupons_used(coupon_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[Coupon]:
    """Those of ``coupon_ids`` (ids, or a subquery of them) that a checkout has used (``used_at`` set), to count or
    to use as a subquery."""
    return Coupon.objects.filter(pk__in=coupon_ids, used_at__isnull=False)
