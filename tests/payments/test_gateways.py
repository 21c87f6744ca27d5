"""Alipay, WeChat Pay and UnionPay adapters against fake servers that speak each gateway's wire format.

A valid notification is applied once however often and however
concurrently it arrives; every tampered variant is refused with nothing
changed; lost notifications are found by querying; refunds go back through
the gateway that took the money.
"""

import base64
import datetime as dt
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from jishi.core.money import Money
from jishi.ledger.models import EntryKind, JournalEntry
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.payments.gateways.wire import BEIJING
from jishi.payments.models import NotificationLog, Payment, PaymentIntent, PaymentRefund
from tests import factories
from tests.payments.conftest import NOTIFY, start
from tests.payments.fakes import certificate, rsa_key
from tests.races import race

GATEWAYS = ["alipay", "wechatpay", "unionpay"]
ACCEPTED = {"alipay": (200, b"success"), "wechatpay": (204, b""), "unionpay": (200, b"ok")}
FORM = "application/x-www-form-urlencoded"


def _txn_time(intent: PaymentIntent) -> str:
    return intent.created_at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")


def _paid(fakes: dict[str, Any], gateway: str, intent: PaymentIntent) -> tuple[bytes, dict[str, str]]:
    """The buyer pays on the fake gateway; returns the notification it sends about it."""
    server = fakes[gateway]
    if gateway == "unionpay":
        server.pay(intent.number, intent.amount_minor, _txn_time(intent))
        return server.notification(intent.number), {}
    server.pay(intent.number, intent.amount_minor)
    if gateway == "alipay":
        return server.notification(intent.number), {}
    return server.notification(server.transaction(intent.number))


def _post(gateway: str, body: bytes, headers: dict[str, str]) -> Any:
    content_type = "application/json" if gateway == "wechatpay" else FORM
    return Client().post(NOTIFY.format(gateway), data=body, content_type=content_type, headers=headers)


def _state() -> tuple[Any, ...]:
    return (
        sorted(Order.objects.values_list("status", flat=True)),
        sorted(PaymentIntent.objects.values_list("status", flat=True)),
        Payment.objects.count(),
        JournalEntry.objects.count(),
        PaymentRefund.objects.filter(status="succeeded").count(),
    )


@pytest.fixture
def intent(fakes, buyer, shop, other_shop, home, request):
    """A two-shop checkout sent to the gateway named by the test's ``gateway`` parameter."""
    started, _url = start(
        buyer, request.getfixturevalue("gateway"), (factories.sku_of(shop), 1), (factories.sku_of(other_shop), 2)
    )
    return started


# Paying ----------------------------------------------------------------------------------------


def test_alipay_pay_request_is_signed_with_the_app_key(fakes, buyer, shop, home):
    intent, url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    assert url.startswith("https://alipay.test/gateway.do?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    fakes["alipay"].check_request(params)  # raises unless our signature verifies with the app's public key
    biz = json.loads(params["biz_content"])
    assert (params["method"], biz["product_code"]) == ("alipay.trade.wap.pay", "QUICK_WAP_WAY")
    assert (biz["out_trade_no"], biz["total_amount"]) == (intent.number, "100.00")
    assert params["notify_url"] == "http://testserver/api/v1/payments/notify/alipay"


def test_wechatpay_h5_order_is_signed_and_sends_the_buyer_back(fakes, buyer, shop, home):
    intent, url = start(buyer, "wechatpay", (factories.sku_of(shop), 1))
    assert url.startswith(f"https://wx.tenpay.test/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={intent.number}")
    assert url.endswith("&redirect_url=http%3A%2F%2Ftestserver%2Freturn%2F")
    assert fakes["wechatpay"].requests == [("POST", "/v3/pay/transactions/h5")]  # its Authorization header verified


def test_wechatpay_native_order_shows_its_qr_code_on_our_page(fakes, settings, buyer, shop, home):
    settings.JISHI_WECHATPAY = {**settings.JISHI_WECHATPAY, "mode": "native"}
    _intent, url = start(buyer, "wechatpay", (factories.sku_of(shop), 1))
    assert url.startswith("/gateway/wechatpay/")
    assert fakes["wechatpay"].requests == [("POST", "/v3/pay/transactions/native")]
    page = Client().get(url)
    html = page.content.decode()
    assert (page.status_code, page["Cache-Control"]) == (200, "no-store")
    assert "<svg" in html
    assert "¥100.00" in html
    assert 'href="http://testserver/return/"' in html
    assert Client().get(url[:-6] + "xxxxx/").status_code == 404


def test_unionpay_form_is_signed_and_posted_by_the_browser(fakes, buyer, shop, home):
    intent, url = start(buyer, "unionpay", (factories.sku_of(shop), 1))
    page = Client().get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert 'action="https://unionpay.test/gateway/api/frontTransReq.do"' in html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields = {name: value.replace("&amp;", "&").replace("&#x27;", "'") for name, value in fields.items()}
    fakes["unionpay"].check_request(fields)
    assert (fields["orderId"], fields["txnAmt"], fields["txnTime"]) == (intent.number, "10000", _txn_time(intent))
    assert Client().get(url[:-8] + "tampered/").status_code == 404


# Notifications ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_valid_notification_is_applied_once_however_often_it_arrives(fakes, gateway, intent):
    # given the buyer paid and the gateway notifies
    body, headers = _paid(fakes, gateway, intent)
    # when it arrives, then ten more times
    first = _post(gateway, body, headers)
    after_first = _state()
    repeats = [_post(gateway, body, headers) for _ in range(10)]
    # then every answer is the gateway's success, and only the first one changed anything
    assert (first.status_code, first.content) == ACCEPTED[gateway]
    assert {(r.status_code, r.content) for r in repeats} == {ACCEPTED[gateway]}
    assert after_first == (["paid", "paid"], ["succeeded"], 1, 2, 0)
    assert _state() == after_first
    payment = Payment.objects.get()
    assert (payment.gateway, payment.amount) == (gateway, intent.amount)
    assert (
        list(NotificationLog.objects.order_by("id").values_list("outcome", flat=True))
        == ["applied"] + ["duplicate"] * 10
    )
    assert reconcile().ok


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_notification_for_a_trade_still_waiting_changes_nothing(fakes, gateway, intent):
    server = fakes[gateway]
    if gateway == "alipay":
        server.pay(intent.number, intent.amount_minor)
        body, headers = server.notification(intent.number, trade_status="WAIT_BUYER_PAY"), {}
    elif gateway == "wechatpay":
        server.pay(intent.number, intent.amount_minor)
        body, headers = server.notification(server.transaction(intent.number, trade_state="NOTPAY"))
    else:
        server.pay(intent.number, intent.amount_minor, _txn_time(intent))
        server.waiting.add(intent.number)  # the notification says paid; the confirming query says not yet
        body, headers = server.notification(intent.number), {}
    before = _state()
    _post(gateway, body, headers)
    assert _state() == before


def _tampered_alipay(fakes, intent):
    server = fakes["alipay"]
    server.pay(intent.number, intent.amount_minor)
    good = server.notification(intent.number)
    stale = time.time() - 301
    cent_more = f"{(intent.amount_minor + 1) / 100:.2f}"
    return {
        "bad_signature": good.replace(b"sign=", b"sign=A", 1),
        "unsigned_change": good.replace(b"total_amount=", b"total_amount=1", 1),
        "other_key": server.notification(intent.number, key=rsa_key("attacker")),
        "wrong_amount": server.notification(intent.number, total_amount=cent_more),
        "wrong_app_id": server.notification(intent.number, app_id="2021000000000999"),
        "wrong_seller_id": server.notification(intent.number, seller_id="2088000000000999"),
        "stale_timestamp": server.notification(
            intent.number, notify_time=dt.datetime.fromtimestamp(stale, BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        ),
        "unknown_trade": server.notification(intent.number, out_trade_no="261201000000000000"),
        "unsupported_sign_type": good.replace(b"sign_type=RSA2", b"sign_type=RSA"),
        "missing_parameter": b"notify_time=2026-12-01+10%3A00%3A00&app_id=x",
        "malformed": b"\xff\xfe garbage",
    }, {}


def _tampered_wechatpay(fakes, intent):
    server = fakes["wechatpay"]
    server.pay(intent.number, intent.amount_minor)
    paid = server.transaction(intent.number)
    good_body, good_headers = server.notification(paid)
    resource = server.encrypt(paid)
    raw = bytearray(base64.b64decode(resource["ciphertext"]))
    raw[3] ^= 1
    flipped = {**resource, "ciphertext": base64.b64encode(bytes(raw)).decode()}
    variants = {
        "bad_signature": (good_body, {**good_headers, "Wechatpay-Signature": base64.b64encode(b"x" * 256).decode()}),
        "unsigned_change": (good_body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCES2"), good_headers),
        "other_key": server.notification(paid, key=rsa_key("attacker")),
        "wrong_serial": server.notification(paid, serial="PUB_KEY_ID_0000000000000000000000000999"),
        "bad_ciphertext": server.notification(paid, resource=flipped),
        "wrong_amount": server.notification({**paid, "amount": {**paid["amount"], "total": intent.amount_minor + 1}}),
        "wrong_merchant_id": server.notification({**paid, "mchid": "1900000999"}),
        "wrong_app_id": server.notification({**paid, "appid": "wx0000000000000999"}),
        "stale_timestamp": server.notification(paid, timestamp=int(time.time()) - 301),
        "unsupported_algorithm": server.notification(paid, resource={**resource, "algorithm": "AES_128_CBC"}),
        "missing_parameter": (good_body, {k: v for k, v in good_headers.items() if k != "Wechatpay-Nonce"}),
    }
    garbage = b"{not json"
    variants["malformed"] = (garbage, server.signed_headers(garbage))
    return variants, None


def _tampered_unionpay(fakes, intent):
    server = fakes["unionpay"]
    server.pay(intent.number, intent.amount_minor, _txn_time(intent))
    good = server.notification(intent.number)
    forger = rsa_key("attacker")
    self_made = certificate(server.signer_cn, forger)  # right name, not issued by UnionPay's middle certificate
    expired = certificate(server.signer_cn, server.key, issuer=(server.middle, server.middle_key), days=(-30, -1))
    stranger = certificate("CFCA@某某科技有限公司@00040000:SIGN@1", forger, issuer=(server.middle, server.middle_key))
    return {
        "bad_signature": good.replace(b"signature=", b"signature=A", 1),
        "unsigned_change": good.replace(b"txnAmt=", b"txnAmt=1", 1),
        "untrusted_certificate": server.notification(intent.number, key=forger, cert=self_made),
        "expired": server.notification(intent.number, cert=expired),
        "stranger": server.notification(intent.number, key=forger, cert=stranger),
        "wrong_merchant_id": server.notification(intent.number, merId="777290058110999"),
        "unknown_trade": server.notification(intent.number, txnTime="20200101000000"),
        "missing_parameter": b"merId=777290058110097&orderId=1",
        "malformed": b"a=1&a=2",
    }, {}


REASONS = {"unsigned_change": "bad_signature", "other_key": "bad_signature", "expired": "untrusted_certificate"}
REASONS["stranger"] = "untrusted_certificate"


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_every_tampered_notification_is_refused_and_changes_nothing(fakes, gateway, intent):
    # given every forgery we know for this gateway
    variants, headers = {"alipay": _tampered_alipay, "wechatpay": _tampered_wechatpay, "unionpay": _tampered_unionpay}[
        gateway
    ](fakes, intent)
    before = _state()
    for name, variant in variants.items():
        body, sent_headers = variant if headers is None else (variant, headers)
        # when it is posted
        response = _post(gateway, body, sent_headers)
        # then the gateway is told it failed, the reason is logged, and nothing changed
        assert response.status_code == 400, name
        logged = NotificationLog.objects.order_by("-id").first()
        assert (logged.outcome, logged.reason) == ("rejected", REASONS.get(name, name)), name
        assert _state() == before, name
    assert NotificationLog.objects.exclude(outcome="rejected").count() == 0


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gateway", GATEWAYS)
def test_ten_concurrent_copies_of_a_notification_apply_it_once(fakes, gateway, intent):
    body, headers = _paid(fakes, gateway, intent)
    answers = race(list(range(10)), lambda _: _post(gateway, body, headers).status_code)
    assert answers == [ACCEPTED[gateway][0]] * 10
    assert _state() == (["paid", "paid"], ["succeeded"], 1, 2, 0)
    assert sorted(NotificationLog.objects.values_list("outcome", flat=True)) == ["applied"] + ["duplicate"] * 9


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_lost_notification_is_found_by_querying_the_gateway(fakes, gateway, intent):
    _paid(fakes, gateway, intent)  # the buyer paid; the notification never arrives
    assert payments.payment_sync(intent_id=intent.pk) == "applied"
    assert _state() == (["paid", "paid"], ["succeeded"], 1, 2, 0)
    assert payments.payment_sync(intent_id=intent.pk) == "duplicate"


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_querying_a_trade_the_gateway_never_saw_changes_nothing(fakes, gateway, intent):
    assert payments.payment_sync(intent_id=intent.pk) is None
    assert _state() == (["pending_payment", "pending_payment"], ["pending"], 0, 0, 0)


# Refunds ---------------------------------------------------------------------------------------


def _refund_notification(fakes, gateway, refund, *, minor=None):
    server = fakes[gateway]
    if gateway == "wechatpay":
        plaintext = server.refund_body(refund.number, "SUCCESS")
        if minor is not None:
            plaintext["amount"]["refund"] = minor
        return server.notification(plaintext, event_type="REFUND.SUCCESS")
    fields = {"txnAmt": str(minor)} if minor is not None else {}
    return server.notification(refund.number, txn_type="04", **fields), {}


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_refund_goes_back_through_the_gateway_that_took_the_money(fakes, gateway, intent):
    # given a paid checkout
    _post(gateway, *_paid(fakes, gateway, intent))
    order = Order.objects.order_by("merchant__name").first()
    # when 20.00 of one order is refunded and the refund is sent
    refund = payments.refund_create(order=order, amount=Money(2000, "CNY"), reason="少发一件", reference="t:1")
    refund = payments.refund_send(refund_id=refund.pk)
    # then the gateway refunded exactly that, once
    booked = fakes[gateway].refunds[refund.number]
    assert booked["minor"] == 2000
    if gateway != "alipay":  # WeChat Pay and UnionPay finish refunds asynchronously and notify
        assert refund.status == "pending"
        body, headers = _refund_notification(fakes, gateway, refund)
        assert (_post(gateway, body, headers).status_code, refund.number) == (ACCEPTED[gateway][0], refund.number)
        _post(gateway, body, headers)
        refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND_SENT, reference=refund.number).count() == 1
    assert reconcile().ok


@pytest.mark.parametrize("gateway", ["wechatpay", "unionpay"])
def test_a_refund_notification_with_another_amount_is_refused(fakes, gateway, intent):
    _post(gateway, *_paid(fakes, gateway, intent))
    order = Order.objects.order_by("merchant__name").first()
    refund = payments.refund_send(
        refund_id=payments.refund_create(order=order, amount=Money(2000, "CNY"), reason="", reference="t:2").pk
    )
    fakes[gateway].refunds[refund.number]["minor"] = 2001  # the gateway's books say one fen more
    body, headers = _refund_notification(fakes, gateway, refund, minor=2001)
    assert _post(gateway, body, headers).status_code == 400
    refund.refresh_from_db()
    assert refund.status == "pending"
    assert NotificationLog.objects.order_by("-id").first().reason == "wrong_amount"


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_pending_refund_is_followed_up_by_querying(fakes, gateway, intent):
    _post(gateway, *_paid(fakes, gateway, intent))
    order = Order.objects.order_by("merchant__name").first()
    refund = payments.refund_create(order=order, amount=Money(1000, "CNY"), reason="", reference="t:3")
    # the task never ran (a crash before it sent the refund): the sweep sends it, then finds it done
    PaymentRefund.objects.filter(pk=refund.pk).update(created_at=refund.created_at - dt.timedelta(minutes=10))
    payments.refunds_sync_pending(quiet_for=dt.timedelta(minutes=5))
    payments.refunds_sync_pending(quiet_for=dt.timedelta(minutes=5))
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert fakes[gateway].refunds[refund.number]["minor"] == 1000
    assert reconcile().ok


@pytest.mark.parametrize("gateway", ["alipay", "wechatpay"])
def test_a_refund_the_gateway_refuses_is_marked_failed_and_the_buyer_is_still_owed(fakes, gateway, intent):
    _post(gateway, *_paid(fakes, gateway, intent))
    order = Order.objects.order_by("merchant__name").first()
    fakes[gateway].trades[intent.number]["minor"] = 100  # the gateway thinks there is only 1.00 left
    refund = payments.refund_create(order=order, amount=Money(2000, "CNY"), reason="", reference="t:4")
    refund = payments.refund_send(refund_id=refund.pk)
    assert refund.status == "failed"
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND, reference=refund.number).count() == 1
    assert not JournalEntry.objects.filter(kind=EntryKind.REFUND_SENT).exists()


def test_a_gateway_that_cannot_be_reached_does_not_stop_the_query_sweep(fakes, buyer, shop, home, monkeypatch):
    from jishi.payments.errors import GatewayUnavailable
    from jishi.payments.gateways import http

    intent, _url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    PaymentIntent.objects.update(started_at=intent.started_at - dt.timedelta(minutes=5))

    def down(*args):
        raise GatewayUnavailable

    monkeypatch.setattr(http, "send", down)
    assert payments.payments_sync_quiet(quiet_for=dt.timedelta(minutes=2)) == 1
    assert PaymentIntent.objects.get().status == "pending"
