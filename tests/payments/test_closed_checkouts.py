"""Money that reaches a cancelled checkout goes back by itself, once; cancelling closes the trades at the gateways."""

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.tasks import task_backends
from django.test import Client
from django.utils import timezone

from jishi.checkout import services as checkout
from jishi.ledger.models import EntryKind, JournalEntry
from jishi.ledger.reconcile import reconcile
from jishi.notifications.models import Notification
from jishi.payments import reconciliation, sandbox
from jishi.payments import services as payments
from jishi.payments.errors import GatewayUnavailable, PaymentClosed
from jishi.payments.gateways import http
from jishi.payments.gateways.sandbox import notification_params
from jishi.payments.gateways.wire import BEIJING
from jishi.payments.models import (
    CloseResult,
    IssueKind,
    Payment,
    PaymentAttempt,
    PaymentIntent,
    PaymentRefund,
    SandboxTrade,
)
from jishi.payments.states import IntentStatus, PaymentStatus, RefundStatus, SandboxTradeStatus
from tests import factories
from tests.payments.conftest import NOTIFY, start
from tests.payments.fakes import TradeClosed


def _enqueued(name: str) -> list[tuple[Any, ...]]:
    return [tuple(r.args) for r in task_backends["default"].results if r.task.name == name]


def _cancel(buyer: Any, intent: PaymentIntent) -> None:
    order = intent.buyer.orders.filter(checkout_number=intent.checkout_number).first()
    checkout.checkout_cancel(actor=buyer, order_number=order.number)


def _sandbox_notify(trade: SandboxTrade) -> bytes:
    trade.refresh_from_db()
    response = Client().post(
        NOTIFY.format("sandbox"),
        data=urlencode(notification_params(trade)),
        content_type="application/x-www-form-urlencoded",
    )
    return response.content


def _send_refunds() -> None:
    """What the task worker does with the refunds booked (the tasks are recorded, not run, in these tests)."""
    for refund_id in PaymentRefund.objects.filter(status=RefundStatus.PENDING).values_list("pk", flat=True):
        payments.refund_send(refund_id=refund_id)


@pytest.fixture
def started(buyer: Any, shop: Any, home: Any) -> tuple[PaymentIntent, SandboxTrade]:
    """A checkout of 2 × 100.00 the buyer has opened the sandbox pay page for (not paid)."""
    intent, _url = start(buyer, "sandbox", (factories.sku_of(shop), 2))
    return intent, SandboxTrade.objects.get(out_trade_no=intent.number)


# Closing the trade ------------------------------------------------------------------------------


def test_cancelling_closes_the_trade_so_the_open_pay_page_takes_no_money(
    buyer, started, django_capture_on_commit_callbacks
):
    intent, trade = started
    # when the buyer cancels while the pay page is still open in another tab
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(buyer, intent)
    # then closing the trade is queued after commit, and closing it closes it at the gateway
    assert _enqueued("intent_close_trades") == [(intent.pk,)]
    assert payments.intent_close_trades(intent_id=intent.pk) is None
    attempt = PaymentAttempt.objects.get(intent=intent)
    assert (attempt.gateway, attempt.close_result, attempt.close_tries) == ("sandbox", CloseResult.CLOSED, 1)
    trade.refresh_from_db()
    assert trade.status == SandboxTradeStatus.CLOSED
    # and pressing pay on the open page afterwards takes nothing
    assert sandbox.trade_pay(trade_no=trade.trade_no) == trade.return_url
    trade.refresh_from_db()
    assert (trade.status, trade.paid_at) == (SandboxTradeStatus.CLOSED, None)
    assert Payment.objects.count() == 0


def test_a_checkout_never_sent_to_a_gateway_has_nothing_to_close(buyer, shop, home, django_capture_on_commit_callbacks):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    with django_capture_on_commit_callbacks(execute=True):
        checkout.checkout_cancel(actor=buyer, order_number=placement.orders[0].number)
    assert _enqueued("intent_close_trades") == []


def test_the_sandbox_takes_no_money_after_the_deadline_it_was_sent(started):
    # given the pay deadline sent with the trade has passed
    _intent, trade = started
    assert trade.expires_at == PaymentIntent.objects.get().pay_by
    SandboxTrade.objects.filter(pk=trade.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # when the buyer presses pay
    sandbox.trade_pay(trade_no=trade.trade_no)
    # then the trade is closed and nothing was paid
    trade.refresh_from_db()
    assert (trade.status, trade.paid_at) == (SandboxTradeStatus.CLOSED, None)


def test_closing_twice_asks_the_gateway_once(buyer, started):
    intent, _trade = started
    _cancel(buyer, intent)
    payments.intent_close_trades(intent_id=intent.pk)
    payments.intent_close_trades(intent_id=intent.pk)
    assert PaymentAttempt.objects.get().close_tries == 1


def test_closing_an_open_intent_does_nothing(started):
    intent, trade = started
    assert payments.intent_close_trades(intent_id=intent.pk) is None
    trade.refresh_from_db()
    assert trade.status == SandboxTradeStatus.WAITING
    assert PaymentAttempt.objects.get().close_result == ""


def test_a_gateway_that_cannot_be_reached_is_asked_again_later_then_left_to_the_deadline(buyer, started, monkeypatch):
    intent, _trade = started
    _cancel(buyer, intent)

    def unreachable(self, out_trade_no, *, created_at):
        raise GatewayUnavailable

    monkeypatch.setattr("jishi.payments.gateways.sandbox.SandboxGateway.close", unreachable)
    delays = [payments.intent_close_trades(intent_id=intent.pk) for _ in range(5)]
    assert delays == [dt.timedelta(seconds=s) for s in payments.CLOSE_RETRY_DELAYS] + [None]
    attempt = PaymentAttempt.objects.get()
    assert (attempt.close_result, attempt.close_tries) == ("", 5)


def test_a_checkout_cancelled_while_the_gateway_opens_the_trade_is_closed_at_once(buyer, shop, home, monkeypatch):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    real = payments.gateways.get("sandbox").create_payment.__func__

    def create_then_cancelled(self, request):
        url = real(self, request)
        checkout.checkout_cancel(actor=buyer, order_number=placement.orders[0].number)
        return url

    monkeypatch.setattr("jishi.payments.gateways.sandbox.SandboxGateway.create_payment", create_then_cancelled)
    with pytest.raises(PaymentClosed):
        payments.payment_start(
            actor=buyer,
            intent_number=placement.intent.number,
            gateway_code="sandbox",
            notify_url="http://testserver/n",
            return_url="http://testserver/r",
        )
    assert SandboxTrade.objects.get().status == SandboxTradeStatus.CLOSED
    assert PaymentAttempt.objects.get().close_result == CloseResult.CLOSED


# Giving the money back ---------------------------------------------------------------------------


def test_money_that_reaches_a_cancelled_checkout_goes_back_in_full_once(
    buyer, started, django_capture_on_commit_callbacks
):
    intent, trade = started
    # given the buyer paid on the open page, and cancelled before the notification arrived
    sandbox.trade_pay(trade_no=trade.trade_no)
    _cancel(buyer, intent)
    # when the notification arrives, twice
    with django_capture_on_commit_callbacks(execute=True):
        assert _sandbox_notify(trade) == b"success"
    assert _sandbox_notify(trade) == b"success"
    # then the payment is kept unapplied and one refund of all of it is booked and queued
    payment = Payment.objects.get()
    refund = PaymentRefund.objects.get()
    assert payment.status == PaymentStatus.NEEDS_REFUND
    assert (refund.payment, refund.order, refund.amount_minor, refund.status) == (
        payment,
        None,
        20000,
        RefundStatus.PENDING,
    )
    assert _enqueued("refund_send") == [(refund.pk,)]
    assert list(JournalEntry.objects.values_list("kind", "reference")) == [(EntryKind.UNAPPLIED_PAYMENT, refund.number)]
    # when the task sends it
    payments.refund_send(refund_id=refund.pk)
    # then the gateway gave it back, the ledger says so, and the buyer was told both times
    refund.refresh_from_db()
    trade.refresh_from_db()
    assert (refund.status, trade.refunded_minor) == (RefundStatus.SUCCEEDED, 20000)
    assert sorted(JournalEntry.objects.values_list("kind", flat=True)) == [
        EntryKind.REFUND_SENT,
        EntryKind.UNAPPLIED_PAYMENT,
    ]
    kinds = list(Notification.objects.filter(user=buyer).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["payment_returned", "refund_succeeded"]
    order = intent.buyer.orders.get()
    told = Notification.objects.get(kind="refund_succeeded")
    assert (told.link, order.number in told.title) == (f"/orders/{order.number}/", True)
    # and the cancelled order's page says where the money went
    client = Client()
    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'class="panel money-back"' in page
    assert 'class="badge succeeded"' in page
    assert "¥200.00" in page
    report = reconcile()
    assert report.ok, report.problems
    assert (report.unapplied, report.unapplied_received, report.unapplied_returned) == (
        1,
        {"CNY": 20000},
        {"CNY": 20000},
    )


def test_a_second_payment_of_a_paid_checkout_goes_back_too(buyer, started, fakes):
    # given the buyer paid on the sandbox, and then again through Alipay
    intent, trade = started
    sandbox.trade_pay(trade_no=trade.trade_no)
    _sandbox_notify(trade)
    fakes["alipay"].pay(intent.number, intent.amount_minor)
    # when Alipay's notification arrives
    response = Client().post(
        NOTIFY.format("alipay"),
        data=fakes["alipay"].notification(intent.number),
        content_type="application/x-www-form-urlencoded",
    )
    # then the first payment paid the order and the second one goes back through Alipay
    assert response.content == b"success"
    assert PaymentIntent.objects.get().status == IntentStatus.SUCCEEDED
    returned = PaymentRefund.objects.get()
    assert (returned.payment.gateway, returned.amount_minor, returned.order) == ("alipay", 20000, None)
    _send_refunds()
    assert fakes["alipay"].refunds[returned.number]["minor"] == 20000
    order = buyer.orders.get()
    assert Notification.objects.get(kind="payment_returned").link == f"/orders/{order.number}/"


def test_the_refund_sweep_gives_back_a_payment_recorded_before_it_went_back_by_itself(buyer, started, monkeypatch):
    # given an unapplied payment recorded with no refund (as earlier releases left them)
    intent, trade = started
    sandbox.trade_pay(trade_no=trade.trade_no)
    _cancel(buyer, intent)
    with monkeypatch.context() as earlier_release:
        earlier_release.setattr(payments, "_give_back", lambda payment: None)
        _sandbox_notify(trade)
    assert (Payment.objects.get().status, PaymentRefund.objects.count()) == (PaymentStatus.NEEDS_REFUND, 0)
    # when the refund sweep runs, twice
    payments.refunds_sync_pending(quiet_for=dt.timedelta(0))
    payments.refunds_sync_pending(quiet_for=dt.timedelta(0))
    # then one refund of all of it is made and sent
    refund = PaymentRefund.objects.get()
    assert (refund.amount_minor, refund.status) == (20000, RefundStatus.SUCCEEDED)
    assert reconcile().ok


def test_a_refused_refund_of_unapplied_money_stays_owed_and_is_listed_for_finance(
    buyer, started, finance, api, monkeypatch
):
    intent, trade = started
    sandbox.trade_pay(trade_no=trade.trade_no)
    _cancel(buyer, intent)
    _sandbox_notify(trade)
    SandboxTrade.objects.filter(pk=trade.pk).update(status=SandboxTradeStatus.CLOSED)  # the sandbox refuses now
    _send_refunds()
    refund = PaymentRefund.objects.get()
    assert refund.status == RefundStatus.FAILED
    # then finance sees the payment with its failed refund, and the ledger still owes the buyer
    response = api("get", "/operator/payments/unapplied", user=finance)
    assert response.status_code == 200
    [row] = response.json()
    assert (row["gateway"], row["out_trade_no"], row["amount"]["amount"], row["checkout_status"]) == (
        "sandbox",
        intent.number,
        "200.00",
        "cancelled",
    )
    assert [(r["number"], r["status"], r["failure"]) for r in row["refunds"]] == [(refund.number, "failed", "refused")]
    report = reconcile()
    assert report.ok
    assert (report.unapplied_received, report.unapplied_returned) == ({"CNY": 20000}, {"CNY": 0})


@pytest.mark.parametrize("who", ["anonymous", "buyer", "merchant", "reviewer"])
def test_only_finance_and_support_list_unapplied_payments(api, buyer, merchant_staff, reviewer, who):
    user = {"anonymous": None, "buyer": buyer, "merchant": merchant_staff, "reviewer": reviewer}[who]
    assert api("get", "/operator/payments/unapplied", user=user).status_code == (401 if user is None else 403)


def test_the_console_lists_unapplied_payments_with_their_refund_status(client, buyer, started, finance):
    intent, trade = started
    sandbox.trade_pay(trade_no=trade.trade_no)
    _cancel(buyer, intent)
    _sandbox_notify(trade)
    _send_refunds()
    client.force_login(finance)
    page = client.get("/operator/reconciliation/").content.decode()
    assert intent.number in page
    assert "¥200.00" in page
    assert 'class="badge succeeded"' in page


def test_ledger_reconcile_accounts_for_unapplied_payments(buyer, started):
    intent, trade = started
    sandbox.trade_pay(trade_no=trade.trade_no)
    _cancel(buyer, intent)
    _sandbox_notify(trade)
    from io import StringIO

    out = StringIO()
    call_command("ledger_reconcile", stdout=out)
    assert "1 payments to closed checkouts: received {'CNY': 20000}, given back {'CNY': 0}" in out.getvalue()


def test_the_daily_reconciliation_of_a_day_with_money_given_back_finds_nothing_wrong(buyer, started):
    intent, trade = started
    sandbox.trade_pay(trade_no=trade.trade_no)
    _cancel(buyer, intent)
    _sandbox_notify(trade)
    _send_refunds()
    run = reconciliation.reconcile_day(gateway_code="sandbox", day=timezone.now().astimezone(BEIJING).date())
    assert (run.checked, run.issues_found) == (2, 0)


# The real gateways ---------------------------------------------------------------------------------


def _open_too(buyer: Any, intent: PaymentIntent, gateway: str) -> None:
    """The buyer comes back from one gateway's page and opens another's for the same checkout."""
    payments.payment_start(
        actor=buyer,
        intent_number=intent.number,
        gateway_code=gateway,
        notify_url=f"http://testserver{NOTIFY.format(gateway)}",
        return_url="http://testserver/return/",
    )


@pytest.mark.parametrize("gateway", ["alipay", "wechatpay"])
def test_cancelling_closes_an_opened_trade_at_alipay_and_wechat_pay(fakes, buyer, shop, home, gateway):
    intent, _url = start(buyer, gateway, (factories.sku_of(shop), 1))
    fakes[gateway].open(intent.number, intent.amount_minor)  # the buyer reached the password step
    _cancel(buyer, intent)
    payments.intent_close_trades(intent_id=intent.pk)
    assert PaymentAttempt.objects.get().close_result == CloseResult.CLOSED
    assert fakes[gateway].trades[intent.number]["state"] == "closed"
    with pytest.raises(TradeClosed):
        fakes[gateway].pay(intent.number, intent.amount_minor)


def test_alipay_answers_that_a_trade_never_opened_cannot_be_closed(fakes, buyer, shop, home):
    intent, _url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    _cancel(buyer, intent)
    payments.intent_close_trades(intent_id=intent.pk)
    assert PaymentAttempt.objects.get().close_result == CloseResult.NOT_FOUND
    assert fakes["alipay"].requests == [("alipay.trade.close", intent.number)]


@pytest.mark.parametrize("gateway", ["alipay", "wechatpay", "unionpay"])
def test_a_trade_paid_before_it_could_be_closed_is_fetched_and_given_back(fakes, buyer, shop, home, gateway):
    # given the buyer paid at the gateway, cancelled here, and the notification is lost
    intent, _url = start(buyer, gateway, (factories.sku_of(shop), 1))
    if gateway == "unionpay":
        fakes[gateway].pay(
            intent.number, intent.amount_minor, intent.created_at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
        )
    else:
        fakes[gateway].pay(intent.number, intent.amount_minor)
    _cancel(buyer, intent)
    # when the trade is closed
    payments.intent_close_trades(intent_id=intent.pk)
    # then the gateway says it was paid: the payment is recorded, unapplied, and given back in full
    assert PaymentAttempt.objects.get().close_result == CloseResult.PAID
    payment = Payment.objects.get()
    assert (payment.gateway, payment.status) == (gateway, PaymentStatus.NEEDS_REFUND)
    refund = PaymentRefund.objects.get()
    payments.refund_send(refund_id=refund.pk)
    assert fakes[gateway].refunds[refund.number]["minor"] == 10000
    assert reconcile().ok


def test_unionpay_cannot_close_an_unpaid_trade_and_ends_it_at_the_deadline_it_was_sent(fakes, buyer, shop, home):
    intent, url = start(buyer, "unionpay", (factories.sku_of(shop), 1))
    form = Client().get(url).content.decode()
    deadline = intent.pay_by.astimezone(BEIJING)
    assert f'name="payTimeout" value="{deadline:%Y%m%d%H%M%S}"' in form
    _cancel(buyer, intent)
    payments.intent_close_trades(intent_id=intent.pk)
    assert PaymentAttempt.objects.get().close_result == CloseResult.UNSUPPORTED


def test_every_gateway_is_sent_the_pay_deadline(fakes, buyer, shop, home, monkeypatch):
    sent: list[tuple[str, bytes]] = []
    real = http.send

    def spy(method, url, body, headers):
        sent.append((url, body))
        return real(method, url, body, headers)

    monkeypatch.setattr(http, "send", spy)
    intent, alipay_url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    _open_too(buyer, intent, "wechatpay")
    beijing = intent.pay_by.astimezone(BEIJING)
    biz = json.loads(parse_qs(urlsplit(alipay_url).query)["biz_content"][0])
    assert biz["time_expire"] == f"{beijing:%Y-%m-%d %H:%M:%S}"
    [(_url, body)] = sent
    assert json.loads(body)["time_expire"] == beijing.isoformat(timespec="seconds")
    assert [a.gateway for a in PaymentAttempt.objects.order_by("pk")] == ["alipay", "wechatpay"]


def test_cancelling_closes_the_trade_at_every_gateway_the_buyer_opened(fakes, buyer, shop, home):
    intent, _url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    _open_too(buyer, intent, "wechatpay")
    _cancel(buyer, intent)
    payments.intent_close_trades(intent_id=intent.pk)
    assert dict(PaymentAttempt.objects.values_list("gateway", "close_result")) == {
        "alipay": CloseResult.NOT_FOUND,
        "wechatpay": CloseResult.CLOSED,
    }


@pytest.mark.parametrize("gateway", ["unionpay", "wechatpay"])
def test_our_pages_on_the_way_to_a_gateway_refuse_a_cancelled_checkout(fakes, buyer, shop, home, settings, gateway):
    if gateway == "wechatpay":
        settings.JISHI_WECHATPAY = {**settings.JISHI_WECHATPAY, "mode": "native"}
    intent, url = start(buyer, gateway, (factories.sku_of(shop), 1))
    assert Client().get(url).status_code == 200
    _cancel(buyer, intent)
    response = Client().get(url)
    assert response.status_code == 410
    assert "weixin://" not in response.content.decode()
    assert "frontTransReq" not in response.content.decode()


def test_finance_fixes_an_unnotified_payment_to_a_cancelled_checkout_and_it_goes_back(
    fakes, buyer, shop, home, finance
):
    # given Alipay took the money for a checkout cancelled here, and nobody heard of it
    intent, _url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    _cancel(buyer, intent)
    fakes["alipay"].pay(intent.number, intent.amount_minor)
    # when the night's reconciliation asks Alipay about the day's trades
    run = reconciliation.reconcile_day(gateway_code="alipay", day=timezone.now().astimezone(BEIJING).date())
    issue = run.issues.get()
    assert issue.kind == IssueKind.UNNOTIFIED
    # and finance fixes it
    reconciliation.issue_fix(actor=finance, issue_id=issue.pk)
    # then the payment is recorded unapplied and given back
    refund = PaymentRefund.objects.get()
    assert (refund.payment.status, refund.amount_minor) == (PaymentStatus.NEEDS_REFUND, 10000)
