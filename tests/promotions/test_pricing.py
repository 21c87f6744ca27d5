"""The pricing pipeline, without a database: each step as a named adjustment, allocated to the cent."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jishi.core.money import Money
from jishi.promotions import pricing as pricing_module
from jishi.promotions.errors import CouponNotApplicable, CouponsNotCombinable
from jishi.promotions.pricing import (
    STEPS,
    CouponKind,
    CouponOffer,
    Item,
    PriceOffer,
    Scope,
    Source,
    Step,
    ThresholdOffer,
    Tier,
    best_coupons,
    price,
)
from tests.fuzzing import fuzzed

SHOP, OTHER_SHOP = 1, 2
CAT_FOOD, PETS, PHONES = 30, 3, 40


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def yuan_minor(minor: int) -> Money:
    return Money(minor, "CNY")


def item(sku: int, price_: str, quantity: int = 1, *, merchant: int = SHOP, categories=(PETS, CAT_FOOD)) -> Item:
    return Item(
        sku_id=sku,
        product_id=sku * 10,
        merchant_id=merchant,
        category_ids=frozenset(categories),
        unit_price=yuan(price_),
        quantity=quantity,
    )


def full_reduction(*tiers: tuple[str, str], merchant: int = SHOP, scope: Scope | None = None) -> ThresholdOffer:
    label = ", ".join(f"满{t}减{o}" for t, o in tiers)
    return ThresholdOffer(
        source=Source("threshold", merchant),
        label=label,
        merchant_id=merchant,
        scope=scope or Scope(merchant_id=merchant),
        tiers=tuple(Tier(threshold=yuan(t), off=yuan(o)) for t, o in tiers),
    )


def coupon(
    id_: int,
    *,
    merchant: int | None = SHOP,
    off: str | None = None,
    percent: int | None = None,
    cap: str | None = None,
    min_spend: str = "0",
    scope: Scope | None = None,
    exclusive: bool = False,
    kind: CouponKind | None = None,
) -> CouponOffer:
    chosen_kind = kind or (CouponKind.PERCENT if percent else CouponKind.AMOUNT)
    return CouponOffer(
        source=Source("coupon", id_),
        label=("店铺券" if merchant else "平台券"),
        merchant_id=merchant,
        kind=chosen_kind,
        scope=scope or Scope(),
        min_spend=yuan(min_spend),
        amount=yuan(off or cap) if (off or cap) else None,
        percent_off=percent,
        exclusive=exclusive,
    )


def shares(adjustment) -> dict[int, str]:
    return {sku: share.to_string() for sku, share in adjustment.shares}


def test_each_step_is_a_named_adjustment_allocated_to_its_lines():
    # given ¥240 of cat food in one shop, its 满200减30, a ¥10 shop coupon and a ¥5 platform coupon
    items = [item(1, "160.00"), item(2, "40.00", 2)]
    # when priced with ¥8 shipping
    pricing = price(
        items,
        {SHOP: yuan("8.00")},
        thresholds=[full_reduction(("200", "30"), ("300", "50"))],
        coupons=[coupon(7, off="10"), coupon(8, merchant=None, off="5")],
    )
    # then each step is on the order in the table's order, split over the lines in proportion to what they cost
    (order,) = pricing.orders
    assert [(a.step, a.label, a.amount.to_string()) for a in order.adjustments] == [
        (Step.THRESHOLD, "满200减30, 满300减50", "30.00"),
        (Step.MERCHANT_COUPON, "店铺券", "10.00"),
        (Step.PLATFORM_COUPON, "平台券", "5.00"),
    ]
    assert shares(order.adjustments[0]) == {1: "20.00", 2: "10.00"}
    assert [a.funded_by_platform for a in order.adjustments] == [False, False, True]
    # and every line knows what was paid for it, and its commission base before the platform's coupon
    assert [(line.paid.to_string(), line.merchant_net.to_string()) for line in order.lines] == [
        ("130.00", "133.33"),
        ("65.00", "66.67"),
    ]
    assert (order.goods, order.discount, order.total) == (yuan("240.00"), yuan("45.00"), yuan("203.00"))
    # and the cart can say how much more earns the next tier
    (hint,) = order.hints
    assert (hint.missing, hint.tier.off) == (yuan("60.00"), yuan("50.00"))


def test_the_steps_table_is_in_the_order_of_application():
    assert [rule.step for rule in STEPS] == list(Step)


def test_a_limited_price_applies_to_the_units_left_in_the_buyers_limit():
    # given a ¥50 SKU on two offers: ¥39 for at most 2 more units for this buyer, and ¥45
    offers = [
        PriceOffer(Source("limited_price", 3), "限时折扣", sku_id=1, unit_price=yuan("39.00"), max_quantity=2),
        PriceOffer(Source("limited_price", 4), "限时折扣", sku_id=1, unit_price=yuan("45.00")),
    ]
    # when 3 units are bought
    (order,) = price([item(1, "50.00", 3)], {}, prices=offers).orders
    # then the lowest offer wins: two units at ¥39, the third at the list price
    assert [(a.source.id, a.amount.to_string()) for a in order.adjustments] == [(3, "22.00")]
    assert order.lines[0].paid == yuan("128.00")


def test_a_discount_never_takes_an_order_below_one_fen():
    # given a ¥10 coupon on a ¥3 purchase
    (order,) = price([item(1, "1.00", 3)], {}, coupons=[coupon(1, off="10")]).orders
    # then the buyer pays one fen, and the adjustment says what it really took
    assert order.total == yuan("0.01")
    assert order.adjustments[0].amount == yuan("2.99")


def test_a_percentage_coupon_is_rounded_once_and_capped():
    # given 15% off, capped at ¥20
    small = price([item(1, "33.33")], {}, coupons=[coupon(1, percent=15, cap="20")])
    large = price([item(1, "500.00")], {}, coupons=[coupon(1, percent=15, cap="20")])
    # then 15% of ¥33.33 is ¥5.00 (4.9995 half-up), and a large basket gets the cap
    assert small.orders[0].discount == yuan("5.00")
    assert large.orders[0].discount == yuan("20.00")


def test_a_coupons_minimum_spend_counts_after_the_automatic_promotions():
    # given ¥210 of goods: 满200减30 leaves ¥180, short of a 满200 coupon
    with pytest.raises(CouponNotApplicable) as refused:
        price(
            [item(1, "210.00")],
            {},
            thresholds=[full_reduction(("200", "30"))],
            coupons=[coupon(1, off="20", min_spend="200")],
        )
    assert refused.value.field == "coupon_ids"


def test_a_coupon_covers_only_its_scope_and_its_shop():
    phones = Scope(category_ids=frozenset({PHONES}))
    with pytest.raises(CouponNotApplicable):
        price([item(1, "99.00")], {}, coupons=[coupon(1, off="5", scope=phones)])
    with pytest.raises(CouponNotApplicable):
        price([item(1, "99.00")], {}, coupons=[coupon(1, merchant=OTHER_SHOP, off="5")])
    # and a category covers its descendants: the item carries its category's ancestors
    pets = Scope(category_ids=frozenset({PETS}))
    assert price([item(1, "99.00")], {}, coupons=[coupon(1, off="5", scope=pets)]).total == yuan("94.00")


@pytest.mark.parametrize(
    "coupons",
    [
        [coupon(1, off="5"), coupon(2, off="3")],  # two of one shop
        [coupon(1, off="5", exclusive=True), coupon(2, merchant=None, off="3")],
        [coupon(1, off="5"), coupon(2, merchant=None, off="3", exclusive=True)],
    ],
)
def test_coupons_that_may_not_go_together_are_refused(coupons):
    with pytest.raises(CouponsNotCombinable):
        price([item(1, "99.00")], {}, coupons=coupons)


def test_a_free_shipping_coupon_takes_the_fee_off():
    free = coupon(1, merchant=None, kind=CouponKind.FREE_SHIPPING)
    pricing = price([item(1, "10.00"), item(2, "20.00", merchant=OTHER_SHOP)], {SHOP: yuan("6.00")}, coupons=[free])
    first, second = pricing.orders
    assert [(a.step, a.amount, a.shares) for a in first.adjustments] == [(Step.SHIPPING, yuan("6.00"), ())]
    assert (first.total, second.total) == (yuan("10.00"), yuan("20.00"))


def test_a_platform_coupon_is_shared_between_the_orders_it_covers():
    # given two shops' goods, ¥100 and ¥300, and a ¥20 platform coupon
    pricing = price(
        [item(1, "100.00"), item(2, "300.00", merchant=OTHER_SHOP)], {}, coupons=[coupon(9, merchant=None, off="20")]
    )
    # then each order carries its part of it
    assert [order.discount.to_string() for order in pricing.orders] == ["5.00", "15.00"]


def test_the_best_combination_is_chosen_from_the_wallet():
    # given a shop coupon of ¥30 that is exclusive, a shop coupon of ¥10 and a platform coupon of ¥25
    wallet = [
        coupon(1, off="30", exclusive=True),
        coupon(2, off="10"),
        coupon(3, merchant=None, off="25"),
        coupon(4, merchant=None, off="50", min_spend="1000"),  # out of reach
    ]
    # when the quote chooses for the buyer
    pricing = best_coupons([item(1, "200.00")], {}, wallet=wallet)
    # then ¥10 + ¥25 beats ¥30 alone
    assert [c.source.id for c in pricing.coupons] == [2, 3]
    assert pricing.total == yuan("165.00")


def test_a_wallet_of_many_same_coupons_is_tried_once_and_uses_the_soonest_to_expire(monkeypatch):
    # given forty of one shop coupon (the wallet lists the soonest to expire first) and one platform coupon
    wallet = [coupon(n, off="10") for n in range(1, 41)] + [coupon(99, merchant=None, off="5")]
    calls = []
    real = pricing_module.price
    monkeypatch.setattr(pricing_module, "price", lambda *a, **k: calls.append(1) or real(*a, **k))
    # when the quote chooses
    pricing = best_coupons([item(1, "200.00")], {}, wallet=wallet)
    # then the first of the forty goes with the platform coupon, found in a handful of tries, not forty-odd
    assert [c.source.id for c in pricing.coupons] == [1, 99]
    assert len(calls) <= 5


money = st.integers(min_value=1, max_value=9_999_999)


@st.composite
def baskets(draw):
    merchants = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4, unique=True))
    items = [
        Item(
            sku_id=index,
            product_id=index,
            merchant_id=draw(st.sampled_from(merchants)),
            category_ids=frozenset(draw(st.lists(st.integers(1, 6), max_size=2))),
            unit_price=yuan_minor(draw(money)),
            quantity=draw(st.integers(1, 5)),
        )
        for index in range(draw(st.integers(1, 20)))
    ]
    scopes = st.builds(
        Scope,
        category_ids=st.frozensets(st.integers(1, 6), max_size=2),
        product_ids=st.frozensets(st.integers(0, 19), max_size=3),
    )
    prices = [
        PriceOffer(Source("limited_price", n), "限时折扣", draw(st.integers(0, 19)), yuan_minor(draw(money)))
        for n in range(draw(st.integers(0, 3)))
    ]
    thresholds = []
    for merchant in merchants:
        if draw(st.booleans()):
            tiers = tuple(
                Tier(threshold=yuan_minor(draw(money)), off=yuan_minor(draw(money)))
                if draw(st.booleans())
                else Tier(quantity=draw(st.integers(1, 10)), percent_off=draw(st.integers(1, 99)))
                for _ in range(draw(st.integers(1, 3)))
            )
            thresholds.append(ThresholdOffer(Source("threshold", merchant), "满减", merchant, draw(scopes), tiers))
    wallet = []
    for n, issuer in enumerate(draw(st.lists(st.sampled_from([None, *merchants]), max_size=4))):
        kind = draw(st.sampled_from(list(CouponKind)))
        wallet.append(
            CouponOffer(
                source=Source("coupon", n),
                label="券",
                merchant_id=issuer,
                kind=kind,
                scope=draw(scopes),
                min_spend=yuan_minor(draw(st.integers(0, 9_999_999))),
                amount=yuan_minor(draw(money)) if kind == CouponKind.AMOUNT or draw(st.booleans()) else None,
                percent_off=draw(st.integers(1, 100)) if kind == CouponKind.PERCENT else None,
                exclusive=draw(st.booleans()),
            )
        )
    shipping = {merchant: yuan_minor(draw(st.integers(0, 5000))) for merchant in merchants}
    return items, shipping, prices, thresholds, wallet


@fuzzed(1000)
@given(basket=baskets())
def test_any_basket_prices_to_the_cent(basket):
    items, shipping, prices, thresholds, wallet = basket
    pricing = best_coupons(items, shipping, wallet=wallet, prices=prices, thresholds=thresholds)
    for order in pricing.orders:
        for adjustment in order.adjustments:
            # every discount is split over its lines to the cent, and takes something
            assert adjustment.amount.minor > 0
            if adjustment.step != Step.SHIPPING:
                assert sum(share.minor for _, share in adjustment.shares) == adjustment.amount.minor
        for line in order.lines:
            assert type(line.paid.minor) is int
            assert 0 <= line.paid.minor <= line.merchant_net.minor <= line.item.unit_price.minor * line.item.quantity
            taken = sum(s.minor for a in order.adjustments for sku, s in a.shares if sku == line.item.sku_id)
            assert line.discount.minor == taken
        # an order pays at least a fen for its goods, and never less than nothing for its shipping
        goods_paid = sum(line.paid.minor for line in order.lines)
        assert goods_paid >= 1
        shipping_off = sum(a.amount.minor for a in order.adjustments if a.step == Step.SHIPPING)
        assert 0 <= shipping_off <= order.shipping.minor
        assert order.total.minor == goods_paid + order.shipping.minor - shipping_off
    # and the orders sum to what the buyer pays, never more than without coupons
    assert pricing.total.minor == sum(order.total.minor for order in pricing.orders)
    assert pricing.total <= price(items, shipping, prices=prices, thresholds=thresholds).total
