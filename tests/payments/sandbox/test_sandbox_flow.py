"""The sandbox gateway and the notify handler: verified before anything changes, applied once."""

import datetime as dt
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jishi.accounts import services as accounts
from jishi.checkout import services as checkout
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.inventory.models import Stock
from jishi.orders.models import Order, OrderEvent
from jishi.payments import sandbox
from jishi.payments import services as payments
from jishi.payments.errors import RefundRefused
from jishi.payments.gateways.base import RefundRequest
from jishi.payments.gateways.sandbox import SandboxGateway, notification_params, signed
from jishi.payments.models import NotificationLog, Payment, PaymentIntent, SandboxTrade
from jishi.payments.states import PaymentStatus, SandboxTradeStatus
from tests import factories
from tests.fuzzing import fuzzed

NOTIFY = "/api/v1/payments/notify/sandbox"


@pytest.fixture
def paid_trade(buyer, shop, other_shop, home):
    """A two-shop checkout the buyer has just paid on the sandbox page (the notification not yet sent)."""
    placement = factories.place(buyer, (factories.sku_of(shop), 2), (factories.sku_of(other_shop), 1))
    url = payments.payment_start(
        actor=buyer,
        intent_number=placement.intent.number,
        gateway_code="sandbox",
        notify_url=f"http://testserver{NOTIFY}",
        return_url="http://testserver/return/",
    )
    trade = SandboxTrade.objects.get(out_trade_no=placement.intent.number)
    assert url == f"/sandbox-gateway/pay/{trade.trade_no}/"
    sandbox.trade_pay(trade_no=trade.trade_no)
    trade.refresh_from_db()
    return trade


def _post(params):
    return Client().post(NOTIFY, data=urlencode(params), content_type="application/x-www-form-urlencoded")


def _state():
    return (
        sorted(Order.objects.values_list("status", flat=True)),
        list(PaymentIntent.objects.values_list("status", flat=True)),
        Payment.objects.count(),
        list(Stock.objects.order_by("pk").values_list("quantity", "reserved")),
    )


def test_a_valid_notification_pays_every_order_of_the_checkout(paid_trade, shop):
    response = _post(notification_params(paid_trade))
    assert (response.status_code, response.content) == (200, b"success")
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    assert PaymentIntent.objects.get().status == "succeeded"
    # the reservation became a sale: quantity and reserved both dropped
    stock = Stock.objects.get(pk=factories.sku_of(shop).pk)
    assert (stock.quantity, stock.reserved) == (8, 0)
    shop.refresh_from_db()
    assert shop.sales_count == 2


def test_the_same_notification_twice_changes_nothing_the_second_time(paid_trade):
    params = notification_params(paid_trade)
    _post(params)
    after_first = _state()
    again = _post(params)
    assert (again.status_code, again.content) == (200, b"success")
    assert _state() == after_first
    assert OrderEvent.objects.filter(to_status="paid").count() == 2
    assert list(NotificationLog.objects.order_by("id").values_list("outcome", flat=True)) == ["applied", "duplicate"]


def _tampered(trade, **changes):
    params = notification_params(trade)
    params.update(changes)
    return params


def _resigned(trade, **changes):
    base = notification_params(trade)
    base.update(changes)
    base.pop("sign")
    return signed(
        {k: v for k, v in base.items() if k not in ("timestamp", "sign_type")}, timestamp=int(base["timestamp"])
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t: _tampered(t, sign="0" * 64), "bad_signature"),
        (lambda t: _tampered(t, total_amount="1.00"), "bad_signature"),
        (lambda t: _resigned(t, total_amount=Money(t.amount_minor + 1, "CNY").to_string()), "wrong_amount"),
        (lambda t: _resigned(t, total_amount=Money(t.amount_minor - 1, "CNY").to_string()), "wrong_amount"),
        (lambda t: _resigned(t, currency="USD"), "wrong_currency"),
        (lambda t: _resigned(t, app_id="someone-else"), "wrong_app_id"),
        (lambda t: _resigned(t, out_trade_no="999999999999999999"), "unknown_trade"),
        (lambda t: notification_params(t, timestamp=int(time.time()) - 310), "stale_timestamp"),
        (lambda t: notification_params(t, timestamp=int(time.time()) + 310), "stale_timestamp"),
        (lambda t: {k: v for k, v in notification_params(t).items() if k != "trade_no"}, "missing_parameter"),
    ],
)
def test_a_notification_that_fails_any_check_changes_nothing(paid_trade, make, reason):
    before = _state()
    response = _post(make(paid_trade))
    assert (response.status_code, response.content) == (400, b"failure")
    assert _state() == before
    assert NotificationLog.objects.get().reason == reason


@pytest.mark.parametrize("body", [b"", b"garbage", b"\xff\xfe", b"a=1&a=2", b"%%%", b"sign=x" * 1000])
def test_garbage_bodies_get_the_failure_answer(paid_trade, body):
    before = _state()
    response = Client().post(NOTIFY, data=body, content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.content) == (400, b"failure")
    assert _state() == before


@fuzzed(200)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=12))
def test_generated_notifications_never_crash_the_handler(paid_trade, params):
    response = _post(params)
    assert response.status_code == 400
    assert Payment.objects.count() == 0


def test_an_unknown_gateway_is_404():
    assert Client().post("/api/v1/payments/notify/paypal", data=b"x=1", content_type="text/plain").status_code == 404


def test_a_payment_for_a_cancelled_checkout_is_recorded_and_flagged_not_applied(paid_trade, buyer):
    # given the buyer cancelled before the gateway's notification arrived
    order = Order.objects.first()
    checkout.checkout_cancel(actor=buyer, order_number=order.number)
    # when the notification arrives
    response = _post(notification_params(paid_trade))
    # then the gateway is answered success (it must stop retrying), the money is recorded for refund
    assert response.content == b"success"
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.NEEDS_REFUND
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    assert PaymentIntent.objects.get().status == "cancelled"
    assert AuditEntry.objects.filter(action="payments.flagged_for_refund", target_id=str(payment.pk)).exists()


def test_paying_a_cancelled_checkout_cannot_start(api, buyer, paid_trade):
    order = Order.objects.first()
    checkout.checkout_cancel(actor=buyer, order_number=order.number)
    intent = PaymentIntent.objects.get()
    response = api("post", f"/payments/{intent.number}/start", user=buyer, json={"gateway": "sandbox"})
    assert response.status_code == 409
    assert response.json()["code"] == "payments.closed"


def test_another_buyers_payment_is_not_found(api, other_buyer, paid_trade):
    intent = PaymentIntent.objects.get()
    assert api("get", f"/payments/{intent.number}", user=other_buyer).status_code == 404
    response = api("post", f"/payments/{intent.number}/start", user=other_buyer, json={"gateway": "sandbox"})
    assert response.status_code == 404


def test_the_sandbox_retries_until_it_is_answered_success(paid_trade, notify_through_client, monkeypatch):
    # given the shop's server is down once, then answers failure once, then works
    failures = ["", "failure"]
    real = sandbox.deliver
    monkeypatch.setattr(sandbox, "deliver", lambda url, body: failures.pop(0) if failures else real(url, body))
    assert sandbox.trade_notify(trade_no=paid_trade.trade_no) == dt.timedelta(seconds=15)
    assert sandbox.trade_notify(trade_no=paid_trade.trade_no) == dt.timedelta(seconds=60)
    assert sandbox.trade_notify(trade_no=paid_trade.trade_no) is None
    paid_trade.refresh_from_db()
    assert paid_trade.notify_attempts == 3
    assert paid_trade.notified_at is not None
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}


def test_the_query_sweep_applies_a_payment_whose_notification_was_lost(paid_trade):
    PaymentIntent.objects.update(started_at=PaymentIntent.objects.get().started_at - dt.timedelta(minutes=5))
    assert payments.payments_sync_quiet(quiet_for=dt.timedelta(minutes=2)) == 1
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    # and running it again finds nothing more to do
    assert payments.payments_sync_quiet(quiet_for=dt.timedelta(minutes=2)) == 0
    assert Payment.objects.count() == 1


def test_the_sweep_leaves_unpaid_trades_alone(buyer, shop, home):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    payments.payment_start(
        actor=buyer,
        intent_number=placement.intent.number,
        gateway_code="sandbox",
        notify_url="http://x/n",
        return_url="http://x/r",
    )
    PaymentIntent.objects.update(started_at=PaymentIntent.objects.get().started_at - dt.timedelta(minutes=5))
    payments.payments_sync_quiet(quiet_for=dt.timedelta(minutes=2))
    assert Order.objects.get().status == "pending_payment"
    assert Payment.objects.count() == 0


def _refund_request(trade, refund_no, amount):
    return RefundRequest(
        out_trade_no=trade.out_trade_no,
        trade_no=trade.trade_no,
        refund_no=refund_no,
        amount=amount,
        total=trade.amount,
        notify_url="http://testserver/n",
        created_at=trade.created_at,
    )


def test_sandbox_refunds_are_idempotent_and_never_exceed_the_trade(paid_trade):
    gateway = SandboxGateway()
    amount = paid_trade.amount
    half = Money(amount.minor // 2, "CNY")
    first = gateway.refund(_refund_request(paid_trade, "R1", half))
    again = gateway.refund(_refund_request(paid_trade, "R1", half))
    assert first == again
    assert (first.amount, first.state) == (half, "succeeded")
    with pytest.raises(RefundRefused):
        gateway.refund(_refund_request(paid_trade, "R2", amount))
    paid_trade.refresh_from_db()
    assert paid_trade.refunded_minor == half.minor
    found = gateway.refund_query(out_trade_no=paid_trade.out_trade_no, refund_no="R1", created_at=paid_trade.created_at)
    assert found == first
    assert (
        gateway.refund_query(out_trade_no=paid_trade.out_trade_no, refund_no="R2", created_at=paid_trade.created_at)
        is None
    )


def test_pressing_pay_twice_takes_the_money_once(paid_trade):
    sandbox.trade_pay(trade_no=paid_trade.trade_no)
    paid_trade.refresh_from_db()
    assert paid_trade.status == SandboxTradeStatus.SUCCESS
    assert SandboxTrade.objects.count() == 1


@pytest.mark.parametrize("gateway", ["/payments", "paypal", "", "SANDBOX"])
def test_an_unknown_payment_method_is_refused(api, buyer, paid_trade, gateway):
    intent = PaymentIntent.objects.get()
    response = api("post", f"/payments/{intent.number}/start", user=buyer, json={"gateway": gateway})
    assert response.status_code == 422


def test_starting_a_payment_and_its_notification_cost_a_fixed_number_of_statements(
    api, buyer, shop, home, django_assert_num_queries
):
    # given a placed checkout and the buyer's token
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    _, token = accounts.token_create(user=buyer)
    client = Client()
    # when the buyer is sent to the sandbox (token, intent, gateway attempt, trade, the cancelled check)
    with django_assert_num_queries(14):
        started = client.post(
            f"/api/v1/payments/{placement.intent.number}/start",
            data={"gateway": "sandbox"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert started.status_code == 200
    trade = SandboxTrade.objects.get()
    sandbox.trade_pay(trade_no=trade.trade_no)
    trade.refresh_from_db()
    # and the gateway's notification is applied (the first one makes the ledger's accounts too;
    # test_query_counts pins the steady state; pets looks once for a pet among the paid lines)
    with django_assert_num_queries(31):
        assert _post(notification_params(trade)).content == b"success"


def test_payment_start_is_refused_after_the_deadline(api, buyer, shop, home):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    from jishi.payments.models import PaymentIntent

    PaymentIntent.objects.update(pay_by=timezone.now() - dt.timedelta(seconds=1))
    response = api("post", f"/payments/{placement.intent.number}/start", user=buyer, json={"gateway": "sandbox"})
    assert response.status_code == 409
    assert payments.payment_sync(intent_id=placement.intent.pk) is None
