"""Real threads, separate connections: a coupon is used by one checkout, and given back once."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from jishi.checkout import services as checkout
from jishi.core.money import Money
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.models import Coupon
from jishi.promotions.pricing import CouponKind
from tests import factories
from tests.races import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_twenty_checkouts_by_one_buyer_with_one_coupon_use_it_once(merchant_staff, leaf_category):
    # given a buyer with one ¥5 coupon of the shop, and twenty buy-now quotes that use it
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, price="50.00", stock=100))
    template = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="立减5元", kind=CouponKind.AMOUNT, amount=Money.parse("5.00", "CNY"), total_quantity=1, valid_days=1
        ),
    )
    buyer = factories.user()
    coupon = promotions.coupon_claim(actor=buyer, template_id=template.pk)
    address = factories.address(buyer)
    buy_now = checkout.BuyNow(sku_id=sku.pk, quantity=1)
    quote = checkout.checkout_quote(actor=buyer, address_id=address.pk, buy_now=buy_now)
    assert [c.source.id for c in quote.coupons] == [coupon.pk]

    def place(_):
        return checkout.checkout_place(
            actor=buyer, address_id=address.pk, fingerprint=quote.fingerprint, buy_now=buy_now
        ).checkout_number

    # when all twenty place at once
    outcomes = race(list(range(20)), place)
    # then one order has the coupon; every other checkout was refused with a 409 and wrote nothing: the coupon
    # was taken (or, where the first had committed before it priced, its quote changed: the coupon is gone)
    placed = [o for o in outcomes if isinstance(o, str)]
    refused = Counter(getattr(o, "code", repr(o)) for o in outcomes if not isinstance(o, str))
    assert len(placed) == 1
    assert sum(refused.values()) == 19
    assert set(refused) <= {"promotions.coupon_unavailable", "checkout.cart_changed"}
    assert Order.objects.count() == 1
    coupon.refresh_from_db()
    assert coupon.checkout_number == placed[0]
    # and when the unpaid checkout times out and two sweeps race, the coupon comes back once
    Order.objects.update(pay_by=timezone.now() - dt.timedelta(minutes=1))
    race([1, 2], lambda _: checkout.checkouts_expire_overdue())
    assert Coupon.objects.get(pk=coupon.pk).checkout_number == ""
