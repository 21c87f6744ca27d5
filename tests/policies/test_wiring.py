"""The code that reads the platform settings follows what administrators saved.

A new order's payment deadline, a shipped order's confirm-by, a delivered
order's after-sales window, an after-sales party's turn, the default
commission, the payment methods the cashier offers (a disabled one refused
at the API and the page) and the delivery fee of a shop without a fee
template (free until one is set).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.aftersales import services as aftersales
from jishi.checkout import services as checkout
from jishi.core.errors import DomainError
from jishi.core.money import Money
from jishi.ledger import commission
from jishi.ledger.selectors import order_figures
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.payments.models import PaymentAttempt
from jishi.policies import services as policies
from tests import factories
from tests.policies.conftest import GOOD

pytestmark = pytest.mark.django_db


def _save(admin: Any, **change: Any) -> None:
    policies.platform_settings_set(actor=admin, **{**GOOD, **change})


def _close(moment: dt.datetime, expected: dt.datetime) -> bool:
    return abs(moment - expected) < dt.timedelta(seconds=30)


# Time-outs --------------------------------------------------------------------------------------------------------


def test_a_new_orders_payment_deadline_follows_the_saved_minutes(environment, admin_operator, buyer, shop, home):
    # given the environment's 30 minutes, then an administrator's 45
    before = factories.place(buyer, (factories.sku_of(shop), 1))
    _save(admin_operator, payment_minutes=45)
    # when a new order is placed
    after = factories.place(buyer, (factories.sku_of(shop), 1))
    # then it is paid within 45 minutes, and the order placed before keeps its 30
    now = timezone.now()
    assert _close(after.intent.pay_by, now + dt.timedelta(minutes=45))
    assert _close(
        Order.objects.get(checkout_number=after.intent.checkout_number).pay_by, now + dt.timedelta(minutes=45)
    )
    assert _close(before.intent.pay_by, before.intent.created_at + dt.timedelta(minutes=30))
    assert _close(after.intent.pay_by, after.intent.created_at + dt.timedelta(minutes=45))


def test_shipping_and_delivery_follow_the_saved_days(environment, admin_operator, buyer, shop, home, merchant_staff):
    # given saved days: 12 to confirm receipt, 9 of after-sales
    _save(admin_operator, auto_confirm_days=12, aftersales_days=9)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    # when the shop ships it, then receipt is confirmed for the buyer 12 days on
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    order.refresh_from_db()
    assert _close(order.confirm_by, timezone.now() + dt.timedelta(days=12))
    # when the buyer confirms it, then it completes (after-sales closes) 9 days on
    orders.order_confirm_receipt(actor=buyer, order_number=order.number)
    order.refresh_from_db()
    assert _close(order.complete_at, timezone.now() + dt.timedelta(days=9))


def test_an_aftersales_turn_follows_the_saved_days(environment, admin_operator, delivered, merchant_staff):
    # given 5 days a turn
    _save(admin_operator, aftersales_turn_days=5)
    line = delivered.lines.get()
    request = aftersales.request_create(
        actor=delivered.buyer,
        order_number=delivered.number,
        data=aftersales.RequestInput(kind="return", reason="尺寸不对", lines=[aftersales.LineInput(line.pk, 1)]),
    )
    # when the shop rejects it, then the buyer has 5 days to escalate
    rejected = aftersales.request_reject(actor=merchant_staff, number=request.number, reason="已拆封")
    assert _close(rejected.respond_by, timezone.now() + dt.timedelta(days=5))


# Commission -------------------------------------------------------------------------------------------------------


def test_the_default_commission_follows_the_saved_rate(environment, admin_operator, buyer, shop, home):
    # given the environment's 5 %, then 10 % saved
    assert commission.default_rate() == Decimal("0.05")
    _save(admin_operator, commission_rate="10")
    assert commission.default_rate() == Decimal("0.1")
    # when an order of 99.00 with no commission rule is paid, then the platform keeps 9.90
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    assert order_figures(Order.objects.get(buyer=buyer)).commission == 990


# Payment methods --------------------------------------------------------------------------------------------------


@pytest.fixture
def placed(buyer: Any, shop: Any, home: Any) -> Any:
    return factories.place(buyer, (factories.sku_of(shop), 1))


def test_a_disabled_method_is_refused_and_nothing_is_started(environment, admin_operator, buyer, placed):
    # given the sandbox no longer offered
    _save(admin_operator, payment_methods=["alipay", "wechatpay"])
    # when the buyer starts paying with it, then it is refused on the gateway field
    with pytest.raises(DomainError) as refused:
        payments.payment_start(
            actor=buyer,
            intent_number=placed.intent.number,
            gateway_code="sandbox",
            notify_url="http://testserver/n",
            return_url="http://testserver/r",
        )
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "payments.method_disabled",
        422,
        "gateway",
    )
    assert not PaymentAttempt.objects.exists()
    placed.intent.refresh_from_db()
    assert (placed.intent.gateway, placed.intent.started_at) == ("", None)


def test_the_api_refuses_a_disabled_method_with_the_error_shape(environment, admin_operator, api, buyer, placed):
    _save(admin_operator, payment_methods=["unionpay"])
    response = api("post", f"/payments/{placed.intent.number}/start", user=buyer, json={"gateway": "sandbox"})
    assert response.status_code == 422
    assert response.json()["code"] == "payments.method_disabled"
    assert response.json()["field"] == "gateway"
    assert not PaymentAttempt.objects.exists()
    # and once offered again, it starts
    _save(admin_operator, payment_methods=["unionpay", "sandbox"])
    response = api("post", f"/payments/{placed.intent.number}/start", user=buyer, json={"gateway": "sandbox"})
    assert response.status_code == 200, response.json()


def test_the_cashier_offers_only_the_enabled_methods(environment, admin_operator, client, buyer, placed):
    client.force_login(buyer)
    url = reverse("buyer:cashier", args=[placed.intent.number])
    assert 'name="gateway" value="sandbox"' in client.get(url).content.decode()
    _save(admin_operator, payment_methods=["alipay"])
    page = client.get(url).content.decode()
    assert 'value="sandbox"' not in page
    assert 'name="gateway"' not in page
    # and a post of the disabled method from an old page is refused, nothing started
    refused = client.post(reverse("buyer:payment_start", args=[placed.intent.number]), {"gateway": "sandbox"})
    assert refused.status_code in (302, 422)
    assert not PaymentAttempt.objects.exists()


# Delivery fee of a shop without a template ------------------------------------------------------------------------


def _shipping(buyer: Any, home: Any) -> Money:
    quote = checkout.checkout_quote(actor=buyer, address_id=home.pk)
    (group,) = quote.groups
    return group.shipping


def test_a_shop_without_a_template_delivers_free_until_a_default_is_set(environment, admin_operator, buyer, shop, home):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    assert _shipping(buyer, home) == Money.zero("CNY")
    _save(admin_operator, shipping_first_fee="0", shipping_extra_fee="0", shipping_free_above="50")
    assert _shipping(buyer, home) == Money.zero("CNY")


def test_a_shop_without_a_template_charges_the_platforms_default_at_the_quote(
    environment, admin_operator, buyer, shop, home
):
    # given a default of 8.00 for the first item, 2.00 each other, free from 250.00
    _save(admin_operator, shipping_first_fee="8", shipping_extra_fee="2.00", shipping_free_above="250")
    # when two units of 99.00 are quoted, then 10.00
    factories.in_cart(buyer, (factories.sku_of(shop), 2))
    assert _shipping(buyer, home) == Money.parse("10.00", "CNY")
    # when three (297.00, above the threshold), then free
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    assert _shipping(buyer, home) == Money.zero("CNY")


def test_a_shop_with_its_own_template_keeps_it(environment, admin_operator, buyer, shop, home, merchant_staff):
    factories.fee_template(merchant_staff, first="6.00", extra="1.00")
    _save(admin_operator, shipping_first_fee="8", shipping_extra_fee="2")
    factories.in_cart(buyer, (factories.sku_of(shop), 2))
    assert _shipping(buyer, home) == Money.parse("7.00", "CNY")


def test_the_placed_order_charges_the_default_fee(environment, admin_operator, buyer, shop, home):
    _save(admin_operator, shipping_first_fee="8", shipping_extra_fee="2")
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    order = Order.objects.get(checkout_number=placement.intent.checkout_number)
    assert (order.shipping_minor, order.total_minor) == (800, 9900 + 800)
