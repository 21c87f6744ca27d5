"""Checkout priced by the promotions: each step a named line on the quote and the order, coupons taken once."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.core.money import Money
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.models import Coupon
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


@pytest.fixture
def shop(merchant_staff, leaf_category, buyer):
    """A ¥120 SKU in a shop running 满200减30, and the buyer holding its ¥10 coupon (满100)."""
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, price="120.00", stock=20))
    promotions.threshold_promotion_create(
        actor=merchant_staff,
        data=promotions.ThresholdPromotionInput(
            name="满200减30",
            tiers=[
                promotions.TierInput(threshold=yuan("200"), off=yuan("30")),
                promotions.TierInput(threshold=yuan("300"), off=yuan("50")),
            ],
            starts_at=hours(-1),
            ends_at=hours(24),
        ),
    )
    template = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="店铺券",
            kind=CouponKind.AMOUNT,
            amount=yuan("10.00"),
            min_spend=yuan("100.00"),
            total_quantity=10,
            valid_days=7,
        ),
    )
    coupon = promotions.coupon_claim(actor=buyer, template_id=template.pk)
    address = factories.address(buyer)
    factories.in_cart(buyer, (sku, 2))
    return {"sku": sku, "coupon": coupon, "address_id": address.pk}


def _quote(api, buyer, shop, **body):
    return api("post", "/checkout/quote", user=buyer, json={"address_id": shop["address_id"], **body})


def test_the_quote_names_each_discount_and_the_next_tier(api, buyer, shop):
    # when the buyer reviews ¥240 of goods
    quote = _quote(api, buyer, shop).json()
    # then 满200减30 and the shop's coupon are lines of their own, and the cart says what earns 满300减50
    (group,) = quote["groups"]
    assert [(a["step"], a["label"], a["amount"]["amount"]) for a in group["adjustments"]] == [
        ("threshold", "满200减30", "30.00"),
        ("merchant_coupon", "店铺券", "10.00"),
    ]
    assert (group["discount"]["amount"], quote["discount"]["amount"]) == ("40.00", "40.00")
    shipping = yuan(group["shipping"]["amount"])
    assert yuan(group["total"]["amount"]) == yuan("200.00") + shipping
    (hint,) = group["next_tiers"]
    assert (hint["missing"]["amount"], hint["next_off"]["amount"]) == ("60.00", "50.00")
    assert quote["coupons"] == [
        {"id": shop["coupon"].pk, "label": "店铺券", "merchant_id": shop["sku"].product.merchant_id, "used": True}
    ]


def test_placing_writes_the_adjustments_and_each_lines_share_and_takes_the_coupon(api, buyer, shop):
    # given the quote the buyer saw
    quote = _quote(api, buyer, shop).json()
    # when they place it
    placed = api(
        "post",
        "/checkout/place",
        user=buyer,
        json={"address_id": shop["address_id"], "fingerprint": quote["fingerprint"]},
    )
    assert placed.status_code == 201, placed.json()
    # then the order carries the steps, the line what was paid for it, and the coupon is the checkout's
    order = Order.objects.get()
    assert [(a.label, a.amount_minor, a.funded_by_platform) for a in order.adjustments.all()] == [
        ("满200减30", 3000, False),
        ("店铺券", 1000, False),
    ]
    (line,) = order.lines.all()
    assert (line.discount_minor, line.total_minor, order.discount_minor) == (4000, 20000, 4000)
    assert order.total_minor == 20000 + order.shipping_minor
    assert yuan(placed.json()["payment"]["amount"]["amount"]).minor == order.total_minor
    shop["coupon"].refresh_from_db()
    assert shop["coupon"].checkout_number == order.checkout_number
    # and the order as the buyer reads it names each discount and what the line really cost
    detail = api("get", f"/orders/{order.number}", user=buyer).json()
    assert [(a["step"], a["label"], a["amount"]["amount"], a["funded_by_platform"]) for a in detail["adjustments"]] == [
        ("threshold", "满200减30", "30.00", False),
        ("merchant_coupon", "店铺券", "10.00", False),
    ]
    assert [(line["discount"]["amount"], line["total"]["amount"]) for line in detail["lines"]] == [("40.00", "200.00")]
    assert detail["kind"] == "standard"
    # when the buyer cancels it unpaid, then the coupon is theirs to use again
    api("post", f"/orders/{order.number}/cancel", user=buyer, json={})
    shop["coupon"].refresh_from_db()
    assert shop["coupon"].checkout_number == ""


def test_the_buyer_chooses_no_coupon_or_is_refused_one_not_theirs(api, buyer, other_buyer, shop):
    # an empty choice uses none
    none = _quote(api, buyer, shop, coupon_ids=[]).json()
    assert [a["label"] for a in none["groups"][0]["adjustments"]] == ["满200减30"]
    assert [c["used"] for c in none["coupons"]] == [False]
    # another buyer's coupon is refused, naming the field
    theirs = Coupon.objects.create(
        template=shop["coupon"].template,
        owner=other_buyer,
        claim_number=1,
        valid_from=hours(-1),
        valid_until=hours(1),
    )
    refused = _quote(api, buyer, shop, coupon_ids=[theirs.pk])
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        409,
        "promotions.coupon_unavailable",
        "coupon_ids",
    )


def test_a_limited_price_counts_what_the_buyer_already_bought_at_it(api, buyer, merchant_staff, shop):
    # given the SKU at ¥99 for one unit per buyer
    promotions.limited_price_create(
        actor=merchant_staff,
        data=promotions.LimitedPriceInput(
            sku_id=shop["sku"].pk, price=yuan("99.00"), starts_at=hours(-1), ends_at=hours(1), per_user_limit=1
        ),
    )
    # when the buyer orders two more (four with the cart's two), then one is at ¥99 (−¥21), 满300减50 and the coupon
    first = factories.place(buyer, (shop["sku"], 2), address_id=shop["address_id"])
    (line,) = first.orders[0].lines.all()
    assert (line.quantity, line.limited_units, line.discount_minor) == (4, 1, 2100 + 5000 + 1000)
    # and the next quote offers no more at that price
    factories.in_cart(buyer, (shop["sku"], 1))
    again = _quote(api, buyer, shop, coupon_ids=[]).json()
    assert "限时折扣" not in [a["label"] for a in again["groups"][0]["adjustments"]]


def test_the_checkout_page_names_each_discount(client, buyer, shop):
    client.force_login(buyer)
    page = client.get("/checkout/", {"address": shop["address_id"]}).content.decode()
    assert "满200减30" in page
    assert "-¥30.00" in page
    assert "-¥40.00" in page  # the summary's discount


def test_the_order_page_names_each_discount(client, buyer, shop):
    placement = factories.place(buyer)
    client.force_login(buyer)
    page = client.get(f"/orders/{placement.orders[0].number}/").content.decode()
    assert page.index("满200减30") < page.index("店铺券")
    assert "-¥30.00" in page
    assert "-¥10.00" in page


def test_many_of_one_coupon_are_offered_once_and_used_first_claimed_first(api, buyer, merchant_staff, shop):
    template = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="立减5元",
            kind=CouponKind.AMOUNT,
            amount=yuan("5.00"),
            total_quantity=10,
            per_user_limit=3,
            valid_days=7,
        ),
    )
    first, second, _third = (promotions.coupon_claim(actor=buyer, template_id=template.pk) for _ in range(3))
    quote = _quote(api, buyer, shop).json()
    # the wallet offers the shop's two coupons once each; of the three 立减5元, the first claimed
    offered = [c["id"] for c in quote["coupons"]]
    assert sorted(offered) == sorted([shop["coupon"].pk, first.pk])
    assert second.pk not in offered
