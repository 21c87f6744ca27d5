"""A discounted line refunded unit by unit gives back exactly what was paid for it, to the cent."""

import pytest
from django.utils import timezone

from jishi.core.money import Money
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.payments.models import PaymentRefund, SandboxTrade
from jishi.promotions import services as promotions
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


def _refund(api, order, line, quantity, merchant_staff):
    body = {
        "order_number": order.number,
        "kind": "refund",
        "reason": "不想要了",
        "lines": [{"order_line_id": line.pk, "quantity": quantity}],
    }
    asked = api("post", "/aftersales", user=order.buyer, json=body)
    assert asked.status_code == 201, asked.json()
    api("post", f"/merchant/aftersales/{asked.json()['number']}/accept", user=merchant_staff, json={})
    for refund in PaymentRefund.objects.filter(status="pending"):
        payments.refund_send(refund_id=refund.pk)
    return asked.json()["amount"]["amount"]


def test_refunds_of_a_discounted_line_add_up_to_what_it_cost(api, buyer, merchant_staff, leaf_category):
    # given 3 × ¥100 bought with the shop's ¥10 coupon: the line cost ¥290.00
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, price="100.00", stock=10))
    template = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="立减10元", kind=CouponKind.AMOUNT, amount=Money.parse("10.00", "CNY"), total_quantity=1, valid_days=1
        ),
    )
    promotions.coupon_claim(actor=buyer, template_id=template.pk)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (sku, 3)))
    order = Order.objects.get()
    (line,) = order.lines.all()
    assert (line.discount_minor, line.total_minor) == (1000, 29000)
    # when the buyer has one unit refunded, and then the other two
    first = _refund(api, order, line, 1, merchant_staff)
    rest = _refund(api, order, line, 2, merchant_staff)
    # then the refunds are ¥96.67 and ¥193.33: the ¥290.00 paid, to the cent
    assert (first, rest) == ("96.67", "193.33")
    assert SandboxTrade.objects.get().refunded_minor == 29000
    assert reconcile().ok


def test_a_checkout_refunded_in_full_gives_its_coupons_back_once(
    api, buyer, merchant_staff, other_merchant_staff, admin_operator, leaf_category
):
    # given a checkout over two shops that used the platform's ¥20 coupon on both orders
    first_sku = factories.sku_of(factories.product(merchant_staff, leaf_category, price="100.00", stock=10))
    second_sku = factories.sku_of(factories.product(other_merchant_staff, leaf_category, price="50.00", stock=10))
    template = promotions.coupon_template_create(
        actor=admin_operator,
        data=promotions.CouponTemplateInput(
            name="平台券", kind=CouponKind.AMOUNT, amount=Money.parse("20.00", "CNY"), total_quantity=1, valid_days=1
        ),
        platform=True,
    )
    coupon = promotions.coupon_claim(actor=buyer, template_id=template.pk)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (first_sku, 1), (second_sku, 1)))
    first, second = Order.objects.order_by("pk")
    # when one order is refunded in full, then the coupon stays used: the other order still has its share
    _refund(api, first, first.lines.get(), 1, merchant_staff)
    coupon.refresh_from_db()
    assert coupon.checkout_number == first.checkout_number
    # when the other is too, then the coupon is back in the wallet, unused
    _refund(api, second, second.lines.get(), 1, other_merchant_staff)
    coupon.refresh_from_db()
    assert (coupon.checkout_number, coupon.used_at) == ("", None)
    assert api("get", "/me/coupons?tab=unused", user=buyer).json()[0]["id"] == coupon.pk
    # and giving back again changes nothing
    assert promotions.coupons_give_back_refunded(checkout_number=first.checkout_number, now=timezone.now()) == 0
    assert reconcile().ok
