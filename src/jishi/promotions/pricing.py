"""The pricing pipeline: list prices become what each line of each order really costs, one named step at a time.

Every checkout is priced by the steps of :data:`STEPS`, in that order. A
step that changes money is an :class:`Adjustment`: the label the buyer reads
("满200减30"), the amount, who funds it, and its share of every line it
covers, to the cent (``Money.allocate``), so a partial refund of a line can
return exactly what was paid for it. The rules, written once here:

- a step never takes more than its covered lines still cost, and every order
  pays at least ¥0.01 for its goods (gateways take no zero payments): a
  discount stops one fen short of that;
- a line takes part in at most one 满减 of its merchant (the first that covers it);
- a coupon's minimum spend is met by its covered lines after the automatic
  promotions (what the buyer sees when choosing it), a platform coupon's
  after the merchants' coupons too;
- percentages become money once, half-up (``Money.apply_rate``);
- a line's commission base (``merchant_net``) is its price after the
  merchant-funded steps and before the platform-funded ones: the platform
  does not charge a merchant commission on money the platform gave away.

A flash price (秒杀) is a :class:`PriceOffer` of the first step, priced
alone (checkout passes no 满减 and no coupon with it); so is a group price
(拼团), and a member price (会员价) is a :class:`PriceOffer` too. Points
(积分抵扣) are the last platform-funded step: a money value taken off the
whole checkout, at most a share of what its goods still cost.
This module is pure: it reads no database and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from jishi.core.money import Money
from jishi.promotions.errors import CouponNotApplicable, CouponsNotCombinable, PointsAboveCap


class Step(StrEnum):
    UNIT_PRICE = "unit_price"
    THRESHOLD = "threshold"
    MERCHANT_COUPON = "merchant_coupon"
    PLATFORM_COUPON = "platform_coupon"
    POINTS = "points"
    SHIPPING = "shipping"


@dataclass(frozen=True)
class StepRule:
    step: Step
    what: str
    funded_by: str
    at_most: str


# The order of application and the stacking rules (README shows this table).
STEPS: tuple[StepRule, ...] = (
    StepRule(
        Step.UNIT_PRICE,
        "限时折扣 or 秒杀 (later 拼团, 会员价): a lower unit price",
        "merchant",
        "the lowest per SKU; a 秒杀 buy goes alone",
    ),
    StepRule(Step.THRESHOLD, "满减 / 满折 tiers over a scope", "merchant", "one per line; the best tier met"),
    StepRule(Step.MERCHANT_COUPON, "店铺券: amount, percentage or free shipping", "merchant", "one per order"),
    StepRule(Step.PLATFORM_COUPON, "平台券: amount, percentage or free shipping", "platform", "one per checkout"),
    StepRule(Step.POINTS, "积分抵扣: points worth money", "platform", "a share of the goods (settings)"),
    StepRule(
        Step.SHIPPING,
        "the shipping fee, less a member tier's free shipping (from its threshold) or a free-shipping coupon",
        "the platform, or whoever issued the coupon",
        "—",
    ),
)
FUNDED_BY_PLATFORM = frozenset({Step.PLATFORM_COUPON, Step.POINTS})


@dataclass(frozen=True)
class Source:
    """What an adjustment comes from: a kind (``limited_price``, ``threshold``, ``coupon``) and its id."""

    kind: str
    id: int


@dataclass(frozen=True)
class Item:
    """One line going in: a SKU of a product of a merchant, at its list price."""

    sku_id: int
    product_id: int
    merchant_id: int
    category_ids: frozenset[int]  # the product's category and every ancestor
    unit_price: Money
    quantity: int


@dataclass(frozen=True)
class Scope:
    """What an offer covers; each empty part covers everything."""

    merchant_id: int | None = None
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()

    def covers(self, item: Item) -> bool:
        return (
            (self.merchant_id is None or item.merchant_id == self.merchant_id)
            and (not self.category_ids or bool(self.category_ids & item.category_ids))
            and (not self.product_ids or item.product_id in self.product_ids)
        )


@dataclass(frozen=True)
class PriceOffer:
    """A SKU at a lower unit price (限时折扣), for at most ``max_quantity`` units (the buyer's limit left)."""

    source: Source
    label: str
    sku_id: int
    unit_price: Money
    max_quantity: int | None = None

    def __post_init__(self) -> None:
        if self.unit_price.minor < 1:
            raise ValueError("an offer price is at least one fen")


@dataclass(frozen=True)
class Tier:
    """满 ``threshold`` (or ``quantity`` items) 减 ``off`` (or ``percent_off`` per cent taken off: 10 is 9折)."""

    threshold: Money | None = None
    quantity: int | None = None
    off: Money | None = None
    percent_off: int | None = None

    def __post_init__(self) -> None:
        if (self.threshold is None and self.quantity is None) or (self.off is None) == (self.percent_off is None):
            raise ValueError("a tier has a threshold or a quantity, and either an amount off or a percentage")

    def met(self, amount: Money, quantity: int) -> bool:
        return (self.threshold is None or amount >= self.threshold) and (
            self.quantity is None or quantity >= self.quantity
        )

    def discount(self, amount: Money) -> Money:
        if self.off is not None:
            return self.off
        return amount.apply_rate(Decimal(self.percent_off or 0) / 100)


@dataclass(frozen=True)
class ThresholdOffer:
    """A merchant's 满减 / 满折 over a scope, with tiers."""

    source: Source
    label: str
    merchant_id: int
    scope: Scope
    tiers: tuple[Tier, ...]


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENT = "percent", _("Percentage off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


@dataclass(frozen=True)
class CouponOffer:
    """A coupon in the buyer's wallet: the merchant's (``merchant_id``) or the platform's (None)."""

    source: Source
    label: str
    merchant_id: int | None
    kind: CouponKind
    scope: Scope
    min_spend: Money
    amount: Money | None = None  # AMOUNT: taken off; PERCENT: the cap (None: uncapped)
    percent_off: int | None = None
    exclusive: bool = False

    def __post_init__(self) -> None:
        if self.kind == CouponKind.AMOUNT and (self.amount is None or self.amount.minor < 1):
            raise ValueError("an amount coupon takes at least one fen off")
        if self.kind == CouponKind.PERCENT and not 1 <= (self.percent_off or 0) <= 100:
            raise ValueError("a percentage coupon takes 1 to 100 per cent off")

    @property
    def step(self) -> Step:
        return Step.PLATFORM_COUPON if self.merchant_id is None else Step.MERCHANT_COUPON


@dataclass(frozen=True)
class FreeShippingOffer:
    """A member tier's free shipping (会员包邮): an order whose goods, after the automatic promotions, reach
    ``threshold`` ships free, at the platform's cost."""

    source: Source
    label: str
    threshold: Money


@dataclass(frozen=True)
class PointsOffer:
    """Points the buyer spends (积分抵扣): what they take off, at most ``share_percent`` of the goods' cost."""

    source: Source
    label: str
    value: Money
    share_percent: int


@dataclass(frozen=True)
class Adjustment:
    step: Step
    source: Source
    label: str
    amount: Money  # taken off (goods, or shipping for Step.SHIPPING)
    funded_by_platform: bool
    shares: tuple[tuple[int, Money], ...] = ()  # (sku id, share) of each covered line; none for shipping
    units: int = 0  # a unit price's: how many units were sold at it (a buyer's limit counts them)
    sku_id: int | None = None  # a unit price's SKU


@dataclass(frozen=True)
class TierHint:
    """How much more of a 满减's scope earns its next tier (再买¥23.00减30)."""

    source: Source
    label: str
    missing: Money | None
    missing_quantity: int | None
    tier: Tier


@dataclass(frozen=True)
class PricedLine:
    item: Item
    paid: Money  # what the buyer pays for the whole line
    merchant_net: Money  # after the merchant-funded steps: the commission base

    @property
    def discount(self) -> Money:
        return self.item.unit_price * self.item.quantity - self.paid


@dataclass(frozen=True)
class PricedOrder:
    merchant_id: int
    lines: tuple[PricedLine, ...]
    adjustments: tuple[Adjustment, ...]
    shipping: Money  # the fee before any free-shipping coupon
    hints: tuple[TierHint, ...]

    @property
    def goods(self) -> Money:
        return Money.total((line.item.unit_price * line.item.quantity for line in self.lines), self.shipping.currency)

    @property
    def discount(self) -> Money:
        """Everything taken off, goods and shipping: the total is goods + shipping - discount."""
        return Money.total((a.amount for a in self.adjustments), self.shipping.currency)

    @property
    def total(self) -> Money:
        return self.goods + self.shipping - self.discount


@dataclass(frozen=True)
class Pricing:
    orders: tuple[PricedOrder, ...]
    coupons: tuple[CouponOffer, ...]
    points_cap: Money | None = None  # the most points could take off (when points were offered)

    @property
    def total(self) -> Money:
        return Money.total((order.total for order in self.orders), self.orders[0].shipping.currency)


@dataclass
class _Line:
    item: Item
    amount: int  # minor units the line costs so far
    merchant_net: int = 0
    threshold_taken: bool = False


@dataclass
class _Run:
    """The basket while it is being priced."""

    lines: list[_Line]
    currency: str
    shipping: dict[int, int]
    adjustments: dict[int, list[Adjustment]] = field(default_factory=dict)
    hints: dict[int, list[TierHint]] = field(default_factory=dict)

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    def add(self, merchant_id: int, adjustment: Adjustment) -> None:
        self.adjustments.setdefault(merchant_id, []).append(adjustment)

    def take(self, covered: list[_Line], wanted: int) -> list[tuple[_Line, int]]:
        """Take up to ``wanted`` from ``covered`` in proportion to what each costs, every order keeping one fen."""
        covered_ids = {id(line) for line in covered}
        keeps_last_fen: set[int] = set()  # per order wholly covered, the line that keeps its last fen
        for merchant_id in {line.item.merchant_id for line in covered}:
            rest = sum(
                line.amount
                for line in self.lines
                if line.item.merchant_id == merchant_id and id(line) not in covered_ids
            )
            if rest < 1:
                mine = [line for line in covered if line.item.merchant_id == merchant_id]
                keeps_last_fen.add(id(max(mine, key=lambda line: line.amount)))
        weights = [max(line.amount - (1 if id(line) in keeps_last_fen else 0), 0) for line in covered]
        wanted = min(wanted, sum(weights))
        if wanted <= 0:
            return []
        shares = self.money(wanted).allocate(weights)
        for line, share in zip(covered, shares, strict=True):
            line.amount -= share.minor
        return [(line, share.minor) for line, share in zip(covered, shares, strict=True) if share]

    def adjustment(self, step: Step, source: Source, label: str, taken: list[tuple[_Line, int]]) -> Adjustment:
        amount = sum(share for _line, share in taken)
        return Adjustment(
            step=step,
            source=source,
            label=label,
            amount=self.money(amount),
            funded_by_platform=step in FUNDED_BY_PLATFORM,
            shares=tuple((line.item.sku_id, self.money(share)) for line, share in taken),
        )


def _unit_prices(run: _Run, offers: Sequence[PriceOffer]) -> None:
    best: dict[int, PriceOffer] = {}
    for offer in offers:
        if offer.sku_id not in best or offer.unit_price < best[offer.sku_id].unit_price:
            best[offer.sku_id] = offer
    for line in run.lines:
        found = best.get(line.item.sku_id)
        if found is None or found.unit_price >= line.item.unit_price:
            continue
        units = min(line.item.quantity, found.max_quantity if found.max_quantity is not None else line.item.quantity)
        off = (line.item.unit_price - found.unit_price).minor * units
        if units <= 0:
            continue
        line.amount -= off
        adjustment = run.adjustment(Step.UNIT_PRICE, found.source, found.label, [(line, off)])
        run.add(line.item.merchant_id, replace(adjustment, units=units, sku_id=line.item.sku_id))


def _thresholds(run: _Run, offers: Sequence[ThresholdOffer]) -> None:
    for offer in offers:
        covered = [
            line
            for line in run.lines
            if line.item.merchant_id == offer.merchant_id and not line.threshold_taken and offer.scope.covers(line.item)
        ]
        if not covered:
            continue
        for line in covered:
            line.threshold_taken = True
        eligible = run.money(sum(line.amount for line in covered))
        quantity = sum(line.item.quantity for line in covered)
        met = [tier for tier in offer.tiers if tier.met(eligible, quantity)]
        if missing := [tier for tier in offer.tiers if not tier.met(eligible, quantity)]:
            run.hints.setdefault(offer.merchant_id, []).append(_hint(offer, missing, eligible, quantity))
        if met:
            wanted = max(tier.discount(eligible).minor for tier in met)
            if taken := run.take(covered, wanted):
                run.add(offer.merchant_id, run.adjustment(Step.THRESHOLD, offer.source, offer.label, taken))


def _hint(offer: ThresholdOffer, missing: list[Tier], eligible: Money, quantity: int) -> TierHint:
    def short(tier: Tier) -> tuple[int, int]:
        money = (tier.threshold - eligible).minor if tier.threshold is not None else 0
        return max(money, 0), max((tier.quantity or 0) - quantity, 0)

    tier = min(missing, key=short)
    money, units = short(tier)
    return TierHint(
        source=offer.source,
        label=offer.label,
        missing=Money(money, eligible.currency) if tier.threshold is not None else None,
        missing_quantity=units if tier.quantity is not None else None,
        tier=tier,
    )


def _coupon(run: _Run, coupon: CouponOffer) -> None:
    covered = [
        line
        for line in run.lines
        if (coupon.merchant_id is None or line.item.merchant_id == coupon.merchant_id)
        and coupon.scope.covers(line.item)
    ]
    eligible = run.money(sum(line.amount for line in covered))
    if not covered or eligible < coupon.min_spend:
        raise CouponNotApplicable(field="coupon_ids", params={"coupon": coupon.source.id})
    if coupon.kind == CouponKind.FREE_SHIPPING:
        for merchant_id in sorted({line.item.merchant_id for line in covered}):
            if fee := run.shipping.get(merchant_id, 0):
                run.add(
                    merchant_id,
                    Adjustment(Step.SHIPPING, coupon.source, coupon.label, run.money(fee), coupon.merchant_id is None),
                )
                run.shipping[merchant_id] = 0
        return
    if coupon.kind == CouponKind.AMOUNT:
        wanted = coupon.amount.minor if coupon.amount is not None else 0
    else:
        wanted = eligible.apply_rate(Decimal(coupon.percent_off or 0) / 100).minor
        if coupon.amount is not None:
            wanted = min(wanted, coupon.amount.minor)
    taken = run.take(covered, wanted)
    for merchant_id in sorted({line.item.merchant_id for line, _share in taken}):
        mine = [(line, share) for line, share in taken if line.item.merchant_id == merchant_id]
        run.add(merchant_id, run.adjustment(coupon.step, coupon.source, coupon.label, mine))


def check_combination(coupons: Sequence[CouponOffer]) -> None:
    """At most one coupon per merchant and one of the platform's; an exclusive one goes alone.

    Raises CouponsNotCombinable (422, field ``coupon_ids``).
    """
    issuers = [coupon.merchant_id for coupon in coupons]
    if len(set(issuers)) != len(issuers) or (len(coupons) > 1 and any(coupon.exclusive for coupon in coupons)):
        raise CouponsNotCombinable(field="coupon_ids")


def price(
    items: Sequence[Item],
    shipping: Mapping[int, Money],
    *,
    prices: Sequence[PriceOffer] = (),
    thresholds: Sequence[ThresholdOffer] = (),
    coupons: Sequence[CouponOffer] = (),
    points: PointsOffer | None = None,
    free_shipping: FreeShippingOffer | None = None,
) -> Pricing:
    """Price ``items`` (with each merchant's shipping fee) through every step, one order per merchant.

    ``coupons`` are the ones the buyer uses; each must apply. Raises
    CouponNotApplicable (its minimum spend is not met, or it covers nothing
    bought), CouponsNotCombinable and PointsAboveCap (``points`` would take
    off more than their share, or than leaves every order its last fen).
    """
    if not items:
        raise ValueError("nothing to price")
    check_combination(coupons)
    currency = items[0].unit_price.currency
    run = _Run(
        lines=[_Line(item, item.unit_price.minor * item.quantity) for item in items],
        currency=currency,
        shipping={merchant_id: fee.minor for merchant_id, fee in shipping.items()},
    )
    _unit_prices(run, prices)
    _thresholds(run, thresholds)
    if free_shipping is not None:
        _free_shipping(run, free_shipping)
    for coupon in sorted(coupons, key=lambda c: c.merchant_id is None):  # the merchants' before the platform's
        if coupon.merchant_id is None:
            for line in run.lines:
                line.merchant_net = line.amount
        _coupon(run, coupon)
    if not any(coupon.merchant_id is None for coupon in coupons):
        for line in run.lines:
            line.merchant_net = line.amount
    cap = _points(run, points) if points is not None else None
    return Pricing(orders=tuple(_orders(run, shipping)), coupons=tuple(coupons), points_cap=cap)


def _free_shipping(run: _Run, offer: FreeShippingOffer) -> None:
    for merchant_id in dict.fromkeys(line.item.merchant_id for line in run.lines):
        goods = sum(line.amount for line in run.lines if line.item.merchant_id == merchant_id)
        if (fee := run.shipping.get(merchant_id, 0)) and goods >= offer.threshold.minor:
            run.add(merchant_id, Adjustment(Step.SHIPPING, offer.source, offer.label, run.money(fee), True))
            run.shipping[merchant_id] = 0


def _points(run: _Run, points: PointsOffer) -> Money:
    """Take the points' value off every line in proportion to its cost; returns the most they could take."""
    goods = sum(line.amount for line in run.lines)
    last_fens = len({line.item.merchant_id for line in run.lines})
    cap = run.money(min(goods * points.share_percent // 100, max(goods - last_fens, 0)))
    if points.value > cap:
        raise PointsAboveCap(
            _("Points can pay for at most %(cap)s of this order.") % {"cap": cap.format()}, field="points"
        )
    if points.value:
        taken = run.take(run.lines, points.value.minor)
        for merchant_id in sorted({line.item.merchant_id for line, _share in taken}):
            mine = [(line, share) for line, share in taken if line.item.merchant_id == merchant_id]
            run.add(merchant_id, run.adjustment(Step.POINTS, points.source, points.label, mine))
    return cap


def _orders(run: _Run, shipping: Mapping[int, Money]) -> Iterable[PricedOrder]:
    for merchant_id in dict.fromkeys(line.item.merchant_id for line in run.lines):
        yield PricedOrder(
            merchant_id=merchant_id,
            lines=tuple(
                PricedLine(line.item, run.money(line.amount), run.money(line.merchant_net))
                for line in run.lines
                if line.item.merchant_id == merchant_id
            ),
            adjustments=tuple(run.adjustments.get(merchant_id, ())),
            shipping=shipping.get(merchant_id, run.money(0)),
            hints=tuple(run.hints.get(merchant_id, ())),
        )


def best_coupons(
    items: Sequence[Item],
    shipping: Mapping[int, Money],
    *,
    wallet: Sequence[CouponOffer],
    prices: Sequence[PriceOffer] = (),
    thresholds: Sequence[ThresholdOffer] = (),
    free_shipping: FreeShippingOffer | None = None,
) -> Pricing:
    """The pricing with the coupons of ``wallet`` that leave the buyer paying least (what the quote offers first).

    Every platform coupon is tried (and none); with each, every merchant's
    best coupon that may go with it is chosen merchant by merchant, since a
    merchant's coupon touches only its own order. Coupons with the same
    terms are tried once (the wallet's first, which expires soonest): a
    buyer holding twenty of one coupon costs one try, not twenty.
    """

    def priced(chosen: Sequence[CouponOffer]) -> Pricing | None:
        try:
            return price(
                items, shipping, prices=prices, thresholds=thresholds, coupons=chosen, free_shipping=free_shipping
            )
        except (CouponNotApplicable, CouponsNotCombinable):
            return None

    best = priced(())
    assert best is not None  # no coupons always price
    distinct = list({_terms(coupon): coupon for coupon in reversed(wallet)}.values())[::-1]
    merchant_ids = list(dict.fromkeys(item.merchant_id for item in items))
    ranked = {
        merchant_id: _ranked(priced, [c for c in distinct if c.merchant_id == merchant_id])
        for merchant_id in merchant_ids
    }
    for platform in [None, *(c for c in distinct if c.merchant_id is None)]:
        chosen: list[CouponOffer] = []
        if platform is None or not platform.exclusive:
            for options in ranked.values():
                fitting = [c for c in options if platform is None or not c.exclusive]
                if fitting:
                    chosen.append(fitting[0])
        combinations = [chosen] if platform is None else [[*chosen, platform], [platform]][: 2 if chosen else 1]
        for combination in combinations:
            result = priced(combination)
            if result is not None and result.total < best.total:
                best = result
    return best


def _ranked(priced: Callable[[Sequence[CouponOffer]], Pricing | None], coupons: list[CouponOffer]) -> list[CouponOffer]:
    """A merchant's coupons that apply, best first (the same whatever platform coupon goes with them)."""
    options = [(alone.total, n, coupon) for n, coupon in enumerate(coupons) if (alone := priced([coupon]))]
    return [coupon for _total, _n, coupon in sorted(options, key=lambda option: (option[0], option[1]))]


def _terms(coupon: CouponOffer) -> tuple[object, ...]:
    """What a coupon does, without which coupon it is: two coupons of one template have the same terms."""
    return (
        coupon.label,
        coupon.merchant_id,
        coupon.kind,
        coupon.scope,
        coupon.min_spend,
        coupon.amount,
        coupon.percent_off,
        coupon.exclusive,
    )
