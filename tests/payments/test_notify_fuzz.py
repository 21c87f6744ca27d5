"""A thousand generated bodies at every notify endpoint: never a 5xx, never a payment."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from jishi.payments.models import Payment, PaymentRefund
from tests.fuzzing import fuzzed

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
