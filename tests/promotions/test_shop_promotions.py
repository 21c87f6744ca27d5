"""A shop's 满减 / 满折 and limited prices: checked when set up, offered to pricing only while they run."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.catalog.errors import SkuNotFound
from jishi.core.errors import InvalidInput, PermissionDenied
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.promotions import selectors
from jishi.promotions import services as promotions
from jishi.promotions.errors import PromotionNotFound
from jishi.promotions.models import LimitedPrice, ThresholdPromotion
from jishi.promotions.pricing import Item, price
from tests import factories

pytestmark = pytest.mark.django_db
TIER = promotions.TierInput


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


def full_reduction(**changes) -> promotions.ThresholdPromotionInput:
    fields = {
        "name": "满200减30, 满300减50",
        "tiers": [TIER(threshold=yuan("300"), off=yuan("50")), TIER(threshold=yuan("200"), off=yuan("30"))],
        "starts_at": hours(-1),
        "ends_at": hours(24),
    } | changes
    return promotions.ThresholdPromotionInput(**fields)


def test_a_shops_full_reduction_runs_in_its_window_with_its_tiers_in_order(merchant_staff, buyer):
    # given a 满减 set up with its tiers in any order
    promotion = promotions.threshold_promotion_create(actor=merchant_staff, data=full_reduction())
    merchant_id = merchant_staff.membership.merchant.pk
    # then it is kept lowest tier first, audited, and offered while it runs
    assert [tier["threshold_minor"] for tier in promotion.tiers] == [20000, 30000]
    assert AuditEntry.objects.filter(action="promotions.threshold_create").count() == 1
    (offer,) = selectors.threshold_offers([merchant_id], now=timezone.now())
    assert (offer.label, offer.scope.merchant_id, [t.off for t in offer.tiers]) == (
        "满200减30, 满300减50",
        merchant_id,
        [yuan("30"), yuan("50")],
    )
    assert selectors.threshold_offers([merchant_id], now=hours(25)) == []
    # and once the shop stops it, it is offered no more
    promotions.threshold_promotion_stop(actor=merchant_staff, promotion_id=promotion.pk)
    assert selectors.threshold_offers([merchant_id], now=timezone.now()) == []


@pytest.mark.parametrize(
    ("tiers", "code"),
    [
        ([], "promotions.tiers_count"),
        ([TIER(threshold=yuan("200"))], "promotions.tier_discount"),
        ([TIER(off=yuan("30"))], "promotions.tier_reach"),
        ([TIER(threshold=yuan("200"), off=yuan("200"))], "promotions.amount_over_min_spend"),
        ([TIER(quantity=2, percent_off=100)], "promotions.percent_out_of_range"),
        ([TIER(threshold=yuan("200"), off=yuan("30")), TIER(quantity=3, off=yuan("40"))], "promotions.tiers_mixed"),
        (
            [TIER(threshold=yuan("200"), off=yuan("30")), TIER(threshold=yuan("300"), off=yuan("20"))],
            "promotions.tiers_not_rising",
        ),
    ],
)
def test_bad_tiers_are_refused_and_nothing_is_written(merchant_staff, tiers, code):
    with pytest.raises(InvalidInput) as refused:
        promotions.threshold_promotion_create(actor=merchant_staff, data=full_reduction(tiers=tiers))
    assert (refused.value.code, refused.value.field) == (code, "tiers")
    assert not ThresholdPromotion.objects.exists()


def test_a_promotion_that_ends_before_it_starts_is_refused(merchant_staff):
    with pytest.raises(InvalidInput) as refused:
        promotions.threshold_promotion_create(
            actor=merchant_staff, data=full_reduction(starts_at=hours(5), ends_at=hours(4))
        )
    assert (refused.value.code, refused.value.field) == ("promotions.ends_before_start", "ends_at")


def test_a_limited_price_is_below_the_skus_own_and_alone_in_its_window(merchant_staff, leaf_category):
    # given a ¥99 SKU with a ¥79 limited price for 2 hours, 2 per buyer
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, price="99.00"))
    data = promotions.LimitedPriceInput(
        sku_id=sku.pk, price=yuan("79.00"), starts_at=hours(-1), ends_at=hours(2), per_user_limit=2
    )
    limited = promotions.limited_price_create(actor=merchant_staff, data=data)
    # then a buyer who bought one under it has one left at that price
    (offer,) = selectors.price_offers([sku.pk], now=timezone.now(), bought=lambda ids: dict.fromkeys(ids, 1))
    assert (offer.unit_price, offer.max_quantity) == (yuan("79.00"), 1)
    assert selectors.price_offers([sku.pk], now=timezone.now(), bought=lambda ids: {limited.pk: 2}) == []
    # and a second limited price overlapping it, or one not below the SKU's price, is refused
    for changes, code in (
        ({"starts_at": hours(1), "ends_at": hours(3)}, "promotions.limited_price_overlaps"),
        ({"price": yuan("99.00"), "starts_at": hours(3), "ends_at": hours(4)}, "promotions.price_not_lower"),
    ):
        with pytest.raises(InvalidInput) as refused:
            promotions.limited_price_create(
                actor=merchant_staff, data=promotions.LimitedPriceInput(**(data.__dict__ | changes))
            )
        assert refused.value.code == code
    assert LimitedPrice.objects.count() == 1


def test_a_shop_cannot_price_another_shops_sku_or_stop_its_promotions(
    merchant_staff, other_merchant_staff, leaf_category, buyer
):
    sku = factories.sku_of(factories.product(other_merchant_staff, leaf_category))
    data = promotions.LimitedPriceInput(sku_id=sku.pk, price=yuan("1.00"), starts_at=hours(0), ends_at=hours(1))
    with pytest.raises(SkuNotFound):
        promotions.limited_price_create(actor=merchant_staff, data=data)
    with pytest.raises(PermissionDenied):
        promotions.threshold_promotion_create(actor=buyer, data=full_reduction())
    theirs = promotions.threshold_promotion_create(actor=other_merchant_staff, data=full_reduction())
    with pytest.raises(PromotionNotFound):
        promotions.threshold_promotion_stop(actor=merchant_staff, promotion_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_the_offers_price_a_basket_through_the_pipeline(merchant_staff, leaf_category):
    # given a ¥120 SKU at a ¥110 limited price and the shop's 满200减30
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, price="120.00"))
    promotions.limited_price_create(
        actor=merchant_staff,
        data=promotions.LimitedPriceInput(sku_id=sku.pk, price=yuan("110.00"), starts_at=hours(-1), ends_at=hours(1)),
    )
    promotions.threshold_promotion_create(actor=merchant_staff, data=full_reduction())
    merchant_id = merchant_staff.membership.merchant.pk
    now = timezone.now()
    # when two are priced
    item = Item(sku.pk, sku.product_id, merchant_id, frozenset(leaf_category.ancestor_ids()), yuan("120.00"), 2)
    (order,) = price(
        [item],
        {},
        prices=selectors.price_offers([sku.pk], now=now, bought=lambda ids: {}),
        thresholds=selectors.threshold_offers([merchant_id], now=now),
    ).orders
    # then ¥240 becomes ¥220 at the limited price, and ¥190 after 满200减30
    assert [(a.label, a.amount.to_string()) for a in order.adjustments] == [
        ("限时折扣", "20.00"),
        ("满200减30, 满300减50", "30.00"),
    ]
    assert order.total == yuan("190.00")
