"""Generated and mutated notifications at every notify endpoint: never a 5xx, never a change a gateway did not sign.

Two properties per gateway: bodies made up from its field names pay
nothing; and a valid notification changed byte by byte (in its body or,
for WeChat Pay, its signed headers) is refused and changes nothing —
unless the change left its meaning intact (a percent-escape written in
other case, say), when it pays exactly what the gateway signed.
"""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from jishi.payments import sandbox
from jishi.payments.gateways.sandbox import notification_params
from jishi.payments.gateways.wire import BEIJING
from jishi.payments.models import Payment, PaymentIntent, PaymentRefund, SandboxTrade
from tests import factories
from tests.fuzzing import fuzzed
from tests.payments.conftest import NOTIFY, start

pytestmark = pytest.mark.fuzz  # the properties are drawn inside each test, per gateway

# Field names each gateway's notifications use, so generated bodies get past the parsers and reach the checks.
FIELDS = {
    "sandbox": ["app_id", "out_trade_no", "trade_no", "total_amount", "currency", "trade_status", "timestamp", "sign"],
    "alipay": ["notify_time", "app_id", "seller_id", "sign", "sign_type", "out_trade_no", "trade_no", "total_amount"],
    "unionpay": ["merId", "orderId", "txnTime", "txnType", "txnAmt", "signature", "signPubKeyCert", "signMethod"],
    "wechatpay": ["id", "event_type", "resource", "algorithm", "ciphertext", "nonce", "associated_data"],
}
HEADERS = ["Wechatpay-Serial", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature"]
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
values = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.sampled_from(["", "RSA2", "01", "TRADE_SUCCESS", "AEAD_AES_256_GCM", "-----BEGIN CERTIFICATE-----", "9" * 40]),
)


def _form(gateway: str) -> st.SearchStrategy[bytes]:
    fields = st.dictionaries(st.sampled_from(FIELDS[gateway]) | st.text(max_size=8), values, max_size=10)
    return fields.map(lambda d: "&".join(f"{k}={v}" for k, v in d.items()).encode("utf-8", "surrogatepass"))


def _json(gateway: str) -> st.SearchStrategy[bytes]:
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), values)
    tree = st.recursive(leaf, lambda inner: st.dictionaries(st.sampled_from(FIELDS[gateway]), inner, max_size=6))
    return tree.map(lambda value: json.dumps(value).encode())


def _bodies(gateway: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=600), _form(gateway), _json(gateway))


@pytest.mark.parametrize("gateway", ["sandbox", "alipay", "wechatpay", "unionpay"])
def test_generated_notifications_never_break_the_notify_endpoint(fakes, gateway, db):
    client = Client()

    @fuzzed(1000, suppress_health_check=list(HealthCheck))
    @given(body=_bodies(gateway), headers=st.dictionaries(st.sampled_from(HEADERS), header_text, max_size=4))
    def post(body: bytes, headers: dict[str, str]) -> None:
        response = client.post(
            f"/api/v1/payments/notify/{gateway}", data=body, content_type="application/octet-stream", headers=headers
        )
        assert response.status_code < 500
        assert response.status_code in (200, 204, 400)

    post()
    assert Payment.objects.count() == 0
    assert PaymentRefund.objects.count() == 0


# Mutating valid notifications ---------------------------------------------------------------------

# Each gateway's reply to a notification it must send again; anything else it is sent is success.
FAILURE = {
    "sandbox": b"failure",
    "alipay": b"fail",
    "unionpay": b"fail",
    "wechatpay": b'{"code":"FAIL","message":"rejected"}',
}
SIGNED_HEADERS = ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"]
# (what to do, where, with which byte): positions wrap around the target's length.
mutations = st.lists(
    st.tuples(st.sampled_from(["flip", "replace", "insert", "delete"]), st.integers(0, 2**16), st.integers(0, 255)),
    min_size=1,
    max_size=3,
)


def mutate(data: bytes, changes: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, byte in changes:
        at = where % (len(out) + (kind == "insert")) if out or kind == "insert" else 0
        if kind == "insert":
            out.insert(at, byte)
        elif not out:
            continue
        elif kind == "delete":
            del out[at]
        elif kind == "flip":
            out[at] ^= 1 << (byte % 8)
        else:
            out[at] = byte
    return bytes(out)


def _genuine(fakes: dict[str, Any], gateway: str, intent: PaymentIntent) -> tuple[bytes, dict[str, str], str]:
    """A valid notification of the paid trade, as the gateway sends it now, and the gateway's trade number."""
    if gateway == "sandbox":
        trade = SandboxTrade.objects.get()
        return urlencode(notification_params(trade)).encode(), {}, trade.trade_no
    server = fakes[gateway]
    trade_no = server.trades[intent.number]["trade_no"]
    if gateway == "wechatpay":
        body, headers = server.notification(server.transaction(intent.number))
        return body, headers, trade_no
    return server.notification(intent.number), {}, trade_no


def _paid_intent(fakes: dict[str, Any], gateway: str, buyer: Any, shop: Any) -> PaymentIntent:
    intent, _url = start(buyer, gateway, (factories.sku_of(shop), 1))
    if gateway == "sandbox":
        sandbox.trade_pay(trade_no=SandboxTrade.objects.get().trade_no)
    elif gateway == "unionpay":
        fakes[gateway].pay(
            intent.number, intent.amount_minor, intent.created_at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
        )
    else:
        fakes[gateway].pay(intent.number, intent.amount_minor)
    return intent


@pytest.mark.parametrize("gateway", ["sandbox", "alipay", "wechatpay", "unionpay"])
def test_a_valid_notification_changed_byte_by_byte_pays_nothing_it_did_not_sign(fakes, gateway, buyer, shop, home):
    intent = _paid_intent(fakes, gateway, buyer, shop)
    client = Client()
    targets = ["body", *SIGNED_HEADERS] if gateway == "wechatpay" else ["body"]

    @fuzzed(150)
    @given(target=st.sampled_from(targets), changes=mutations)
    def post(target: str, changes: list[tuple[str, int, int]]) -> None:
        body, headers, trade_no = _genuine(fakes, gateway, intent)
        if target == "body":
            body = mutate(body, changes)
        else:  # WSGI hands headers over as latin-1 text
            headers = {**headers, target: mutate(headers[target].encode("latin-1"), changes).decode("latin-1")}
        with transaction.atomic():  # each example starts from the same unpaid intent
            response = client.post(
                NOTIFY.format(gateway), data=body, content_type="application/octet-stream", headers=headers
            )
            paid = list(Payment.objects.values_list("gateway", "trade_no", "amount_minor"))
            status = PaymentIntent.objects.get(pk=intent.pk).status
            transaction.set_rollback(True)
        assert response.status_code < 500
        if response.content == FAILURE[gateway]:
            assert (paid, status) == ([], "pending")
        else:  # the change kept the notification's meaning: exactly what the gateway signed is paid
            assert (paid, status) == ([(gateway, trade_no, intent.amount_minor)], "succeeded")

    post()
