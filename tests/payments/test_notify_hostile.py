"""Whatever reaches a notify endpoint, the gateway gets its own failure reply and nothing changes; never a 500."""

import base64
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import Client

from jishi.payments import sandbox
from jishi.payments.gateways.sandbox import notification_params, sign, signed
from jishi.payments.gateways.wire import BEIJING
from jishi.payments.models import NotificationLog, Payment, PaymentIntent, PaymentRefund, SandboxTrade
from tests import factories
from tests.payments.conftest import NOTIFY, start

# What each gateway is answered when we refuse a notification (it will send it again).
FAILURE = {
    "sandbox": (400, b"failure"),
    "alipay": (400, b"fail"),
    "unionpay": (400, b"fail"),
    "wechatpay": (400, b'{"code":"FAIL","message":"rejected"}'),
}
GATEWAYS = sorted(FAILURE)


def _state() -> tuple[Any, ...]:
    return (
        Payment.objects.count(),
        PaymentRefund.objects.count(),
        list(PaymentIntent.objects.values_list("status", flat=True)),
    )


@pytest.fixture
def paid(fakes: dict[str, Any], buyer: Any, shop: Any, home: Any) -> PaymentIntent:
    """A checkout paid on the sandbox page, the notification not sent yet."""
    intent, _url = start(buyer, "sandbox", (factories.sku_of(shop), 1))
    sandbox.trade_pay(trade_no=SandboxTrade.objects.get().trade_no)
    return intent


def _post(gateway: str, body: bytes, content_type: str = "application/x-www-form-urlencoded", **headers: str) -> Any:
    return Client().post(NOTIFY.format(gateway), data=body, content_type=content_type, headers=headers)


def _refused(response: Any, gateway: str) -> None:
    assert (response.status_code, response.content) == FAILURE[gateway]


def _signed_sandbox(**changes: str) -> bytes:
    """A correctly signed sandbox notification of the paid trade with ``changes`` made before signing."""
    params = notification_params(SandboxTrade.objects.get())
    params = {name: value for name, value in params.items() if name not in ("sign", "timestamp", "sign_type")}
    return urlencode(signed({**params, **changes})).encode()


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _signed_sandbox_at(timestamp: str) -> bytes:
    """A sandbox notification of the paid trade sent now, its timestamp written as given, correctly signed."""
    params = notification_params(SandboxTrade.objects.get())
    params["timestamp"] = timestamp
    params["sign"] = sign(params)
    return urlencode(params).encode()


HOSTILE = {
    "non_ascii_sign": lambda: urlencode({**notification_params(SandboxTrade.objects.get()), "sign": "签名"}).encode(),
    "nul": lambda: urlencode({**notification_params(SandboxTrade.objects.get()), "out_trade_no": "1\x00"}).encode(),
    "invalid_utf8": lambda: b"out_trade_no=\xff\xfe&sign=\xc3\x28",
    "duplicated_key": lambda: _signed_sandbox() + b"&total_amount=0.01",
    "huge": lambda: b"a=" + b"9" * (13 * 1024 * 1024),
    "fullwidth_amount": lambda: _signed_sandbox(total_amount="１００.００"),
    "arabic_indic_amount": lambda: _signed_sandbox(total_amount="١٠٠.٠٠"),
    "superscript_amount": lambda: _signed_sandbox(total_amount="²00.00"),
    "fullwidth_timestamp": lambda: _signed_sandbox_at(str(int(time.time())).translate(FULLWIDTH)),
}


@pytest.mark.parametrize("gateway", GATEWAYS)
@pytest.mark.parametrize("body", sorted(HOSTILE))
def test_a_hostile_body_gets_the_failure_reply_and_changes_nothing(paid, gateway, body):
    before = _state()
    _refused(_post(gateway, HOSTILE[body]()), gateway)
    assert _state() == before


@pytest.mark.parametrize("gateway", GATEWAYS)
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=x", "application/json", "text/plain; charset=gbk", "", "image/png"],
)
def test_any_content_type_gets_the_failure_reply(paid, gateway, content_type):
    before = _state()
    _refused(_post(gateway, b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--", content_type), gateway)
    assert _state() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Wechatpay-Timestamp": "²"},  # a latin-1 byte that str.isdigit() accepts and int() refuses
        {"Wechatpay-Timestamp": "１７００００００００"},
        {"Wechatpay-Signature": "签名"},
        {"Wechatpay-Serial": "\x00"},
        {"Wechatpay-Nonce": "ñ" * 5000},
    ],
)
def test_hostile_wechat_pay_headers_get_the_failure_reply(fakes, paid, headers):
    fakes["wechatpay"].pay(paid.number, paid.amount_minor)
    body, signed_headers = fakes["wechatpay"].notification(fakes["wechatpay"].transaction(paid.number))
    before = _state()
    _refused(_post("wechatpay", body, "application/json", **{**signed_headers, **headers}), "wechatpay")
    assert _state() == before


@pytest.mark.parametrize("total", ["１００００", "²", "1e4", "10000.0", " 10000", "-0", True])
def test_a_wechat_pay_amount_that_is_not_ascii_digits_is_refused(fakes, buyer, shop, home, total):
    # given WeChat Pay itself signs a notification whose amount is not plain ASCII digits
    intent, _url = start(buyer, "wechatpay", (factories.sku_of(shop), 1))
    fakes["wechatpay"].pay(intent.number, intent.amount_minor)
    plaintext = fakes["wechatpay"].transaction(intent.number)
    plaintext["amount"]["total"] = total
    body, headers = fakes["wechatpay"].notification(plaintext)
    # then it is refused as malformed
    _refused(_post("wechatpay", body, "application/json", **headers), "wechatpay")
    assert Payment.objects.count() == 0
    assert NotificationLog.objects.get().reason == "malformed"


@pytest.mark.parametrize("amount", ["１００.００", "١٠٠.٠٠", "100.0０"])
def test_an_alipay_amount_that_is_not_ascii_digits_is_refused(fakes, buyer, shop, home, amount):
    intent, _url = start(buyer, "alipay", (factories.sku_of(shop), 1))
    fakes["alipay"].pay(intent.number, intent.amount_minor)
    _refused(_post("alipay", fakes["alipay"].notification(intent.number, total_amount=amount)), "alipay")
    assert Payment.objects.count() == 0
    assert NotificationLog.objects.get().reason == "malformed"


def test_a_unionpay_certificate_with_a_forged_issuer_signature_gets_the_failure_reply(fakes, buyer, shop, home):
    # given a notification whose signing certificate was altered in its issuer's signature (the last bytes)
    intent, _url = start(buyer, "unionpay", (factories.sku_of(shop), 1))
    fakes["unionpay"].pay(
        intent.number, intent.amount_minor, intent.created_at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
    )
    params = dict(parse_qsl(fakes["unionpay"].notification(intent.number).decode()))
    lines = params["signPubKeyCert"].splitlines()
    last = lines[-2]
    lines[-2] = last[:-3] + ("A" if last[-3] != "A" else "B") + last[-2:]
    params["signPubKeyCert"] = "\n".join(lines)
    # then it is refused as untrusted, with no 500
    _refused(_post("unionpay", urlencode(params).encode()), "unionpay")
    assert NotificationLog.objects.get().reason == "untrusted_certificate"


@pytest.mark.parametrize("version", [b"\x22", b"\x07"])
def test_a_unionpay_certificate_of_no_x509_version_gets_the_failure_reply(fakes, buyer, shop, home, version):
    # given a notification whose certificate says it is X.509 version 35 or 8, which cryptography refuses to read
    intent, _url = start(buyer, "unionpay", (factories.sku_of(shop), 1))
    fakes["unionpay"].pay(
        intent.number, intent.amount_minor, intent.created_at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
    )
    params = dict(parse_qsl(fakes["unionpay"].notification(intent.number).decode()))
    body = "".join(params["signPubKeyCert"].splitlines()[1:-1])
    der = base64.b64decode(body)
    assert b"\xa0\x03\x02\x01\x02" in der  # the version field of a v3 certificate
    der = der.replace(b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01" + version, 1)
    encoded = base64.encodebytes(der).decode().replace("\n", "")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    params["signPubKeyCert"] = "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"])
    # then it is refused as untrusted, with no 500
    _refused(_post("unionpay", urlencode(params).encode()), "unionpay")
    assert NotificationLog.objects.get().reason == "untrusted_certificate"
