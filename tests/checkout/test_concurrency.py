"""Real threads, separate connections, one barrier: stock is never oversold and nothing deadlocks."""

import datetime as dt
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from jishi.accounts import services as accounts
from jishi.checkout import services as checkout
from jishi.inventory.models import MovementReason, Stock, StockMovement
from jishi.orders.models import Order
from jishi.payments.models import PaymentIntent
from jishi.payments.states import IntentStatus
from tests import factories
from tests.races import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _buyer_ready_for(sku, quantity=1):
    """A buyer with an address, the SKU in the cart, a quote's fingerprint and an API token."""
    buyer = factories.user()
    address = factories.address(buyer)
    factories.in_cart(buyer, (sku, quantity))
    fingerprint = checkout.checkout_quote(actor=buyer, address_id=address.pk).fingerprint
    _, token = accounts.token_create(user=buyer)
    return {"address_id": address.pk, "fingerprint": fingerprint, "token": token}


def _place_over_http(buyer):
    response = Client().post(
        "/api/v1/checkout/place",
        data={"address_id": buyer["address_id"], "fingerprint": buyer["fingerprint"]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {buyer['token']}"},
    )
    return response.status_code, response.json()["code"] if response.status_code != 201 else "placed"


def test_fifty_buyers_for_ten_units_get_exactly_ten_orders(merchant_staff, leaf_category):
    # given 10 units and 50 buyers, each with one in the cart
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, stock=10))
    buyers = [_buyer_ready_for(sku) for _ in range(50)]
    # when they all place their order at the same moment
    outcomes = race(buyers, _place_over_http)
    # then exactly ten succeed and every other buyer is told the stock ran out
    assert Counter(outcomes) == {(201, "placed"): 10, (409, "inventory.out_of_stock"): 40}
    stock = Stock.objects.get(pk=sku.pk)
    assert (stock.quantity, stock.reserved) == (10, 10)
    assert Order.objects.count() == 10
    assert StockMovement.objects.filter(reason=MovementReason.RESERVE).count() == 10


def test_two_skus_bought_in_opposite_orders_at_once_do_not_deadlock(
    merchant_staff, other_merchant_staff, leaf_category
):
    # given two SKUs of two shops; half the buyers add A then B, the other half B then A
    first = factories.sku_of(factories.product(merchant_staff, leaf_category, stock=100))
    second = factories.sku_of(factories.product(other_merchant_staff, leaf_category, stock=100))
    buyers = []
    for index in range(16):
        buyer = factories.user()
        address = factories.address(buyer)
        pair = [(first, 1), (second, 1)] if index % 2 else [(second, 1), (first, 1)]
        factories.in_cart(buyer, *pair)
        buyers.append((buyer, address, checkout.checkout_quote(actor=buyer, address_id=address.pk).fingerprint))

    def place_and_pay(entry):
        buyer, address, fingerprint = entry
        placement = checkout.checkout_place(actor=buyer, address_id=address.pk, fingerprint=fingerprint)
        return placement.checkout_number

    # when all of them place at once
    outcomes = race(buyers, place_and_pay)
    # then every one succeeded: no deadlock, no lock time-out
    assert all(isinstance(outcome, str) for outcome in outcomes), outcomes
    assert Stock.objects.get(pk=first.pk).reserved == 16
    assert Stock.objects.get(pk=second.pk).reserved == 16
    # and cancelling them all at once (locks in the other direction for half of them) also goes through
    cancels = race(
        list(zip(buyers, outcomes, strict=True)),
        lambda pair: checkout.checkout_cancel(
            actor=pair[0][0], order_number=Order.objects.filter(checkout_number=pair[1]).first().number
        ),
    )
    assert all(isinstance(result, list) for result in cancels), cancels
    assert Stock.objects.get(pk=first.pk).reserved == 0
    assert Stock.objects.get(pk=second.pk).reserved == 0


def test_the_time_out_job_run_twice_at_once_cancels_each_order_once(
    merchant_staff, other_merchant_staff, leaf_category
):
    # given three checkouts left unpaid past their deadline, one of them split over two shops
    first = factories.sku_of(factories.product(merchant_staff, leaf_category, stock=10))
    second = factories.sku_of(factories.product(other_merchant_staff, leaf_category, stock=10))
    for lines in ([(first, 2)], [(first, 1), (second, 3)], [(second, 1)]):
        factories.place(factories.user(), *lines)
    Order.objects.update(pay_by=timezone.now() - dt.timedelta(minutes=1))
    # when two workers run the sweep at the same moment
    swept = race([1, 2], lambda _: checkout.checkouts_expire_overdue())
    # then each order was cancelled once and its stock released once (a sweep that started late sees fewer)
    assert all(1 <= count <= 3 for count in swept), swept
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    assert StockMovement.objects.filter(reason=MovementReason.RELEASE).count() == 4
    assert [Stock.objects.get(pk=s.pk).reserved for s in (first, second)] == [0, 0]
    assert set(PaymentIntent.objects.values_list("status", flat=True)) == {IntentStatus.CANCELLED}
    assert all(order.events.filter(to_status="cancelled").count() == 1 for order in Order.objects.all())


def _paid_on_sandbox(buyer, *lines):
    from jishi.payments import sandbox
    from jishi.payments import services as payments
    from jishi.payments.models import SandboxTrade

    placement = factories.place(buyer, *lines)
    payments.payment_start(
        actor=buyer,
        intent_number=placement.intent.number,
        gateway_code="sandbox",
        notify_url="http://testserver/api/v1/payments/notify/sandbox",
        return_url="http://testserver/r/",
    )
    trade = SandboxTrade.objects.get(out_trade_no=placement.intent.number)
    sandbox.trade_pay(trade_no=trade.trade_no)
    trade.refresh_from_db()
    return placement, trade


def _notify(params):
    from urllib.parse import urlencode

    response = Client().post(
        "/api/v1/payments/notify/sandbox", data=urlencode(params), content_type="application/x-www-form-urlencoded"
    )
    return response.content.decode()


def test_ten_identical_notifications_at_once_apply_the_payment_once(merchant_staff, leaf_category, settings):
    from jishi.payments.gateways.sandbox import notification_params
    from jishi.payments.models import Payment

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, stock=5))
    _, trade = _paid_on_sandbox(factories.user(), (sku, 2))
    params = notification_params(trade)
    answers = race(range(10), lambda _: _notify(params))
    assert answers == ["success"] * 10
    assert Payment.objects.count() == 1
    assert Order.objects.get().status == "paid"
    assert StockMovement.objects.filter(reason=MovementReason.SALE).count() == 1
    assert (Stock.objects.get(pk=sku.pk).quantity, Stock.objects.get(pk=sku.pk).reserved) == (3, 0)


def test_a_payment_racing_a_cancellation_ends_paid_or_cancelled_with_one_full_refund(
    merchant_staff, leaf_category, settings
):
    from jishi.ledger.reconcile import reconcile
    from jishi.payments import services as payments
    from jishi.payments.gateways.sandbox import notification_params
    from jishi.payments.models import Payment, PaymentRefund, SandboxTrade

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category, stock=100, price="12.30"))
    outcomes: Counter[str] = Counter()
    for _trial in range(30):
        # given a buyer who paid on the sandbox page, the notification on its way
        buyer = factories.user()
        placement, trade = _paid_on_sandbox(buyer, (sku, 1))
        params = notification_params(trade)
        intent = placement.intent

        def act(kind, buyer=buyer, params=params, placement=placement):
            if kind == "pay":
                return _notify(params)
            try:
                return checkout.checkout_cancel(actor=buyer, order_number=placement.orders[0].number)
            except Exception as error:
                return error.code

        # when the notification and the buyer's cancellation arrive at once
        race(["pay", "cancel"], act)
        # and the worker then runs what they queued: closing the trade, sending refunds
        payments.intent_close_trades(intent_id=intent.pk)
        for refund_id in PaymentRefund.objects.filter(payment__intent=intent).values_list("pk", flat=True):
            payments.refund_send(refund_id=refund_id)
        # then the checkout is paid, or cancelled with exactly one refund of all of it
        order = Order.objects.get(pk=placement.orders[0].pk)
        payment = Payment.objects.get(intent=intent)
        refunds = list(PaymentRefund.objects.filter(payment__intent=intent).values_list("amount_minor", "status"))
        trade = SandboxTrade.objects.get(pk=trade.pk)
        if order.status == "paid":
            assert (payment.status, refunds, trade.refunded_minor) == ("applied", [], 0)
        else:
            assert order.status == "cancelled"
            assert payment.status == "needs_refund"
            assert refunds == [(1230, "succeeded")]
            assert trade.refunded_minor == 1230
        outcomes[order.status] += 1
    assert sum(outcomes.values()) == 30
    stock = Stock.objects.get(pk=sku.pk)
    assert (stock.quantity, stock.reserved) == (100 - outcomes["paid"], 0)
    report = reconcile()
    assert report.ok, report.problems
    assert report.unapplied == outcomes["cancelled"]
