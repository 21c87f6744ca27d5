"""Fixtures of the real gateways: fake Alipay, WeChat Pay and UnionPay servers, and a checkout to pay on them."""

from typing import Any

import pytest

from jishi.payments import services as payments
from jishi.payments.gateways import http
from jishi.payments.models import PaymentIntent
from tests import factories
from tests.payments.fakes import FakeAlipay, FakeUnionPay, FakeWechatPay
from tests.tasks import _tasks_recorded  # noqa: F401

NOTIFY = "/api/v1/payments/notify/{}"


@pytest.fixture
def fakes(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The three gateways configured with throwaway keys, their servers answering our adapters' requests."""
    servers = {"alipay": FakeAlipay(), "wechatpay": FakeWechatPay(), "unionpay": FakeUnionPay()}
    settings.JISHI_ALIPAY = servers["alipay"].settings()
    settings.JISHI_WECHATPAY = servers["wechatpay"].settings()
    settings.JISHI_UNIONPAY = servers["unionpay"].settings()
    hosts = {"alipay.test": "alipay", "wechatpay.test": "wechatpay", "unionpay.test": "unionpay"}

    def send(method: str, url: str, body: bytes, headers: Any) -> http.Answer:
        host = url.split("/")[2]
        return servers[hosts[host]].handle(method, url, body, headers)

    monkeypatch.setattr(http, "send", send)
    return servers


@pytest.fixture
def shop(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮 5.4kg", price="100.00", stock=20)


@pytest.fixture
def other_shop(other_merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(other_merchant_staff, leaf_category, title="冻干鸡肉猫零食", price="25.50", stock=20)


def start(buyer: Any, gateway: str, *lines: Any) -> tuple[PaymentIntent, str]:
    """Place a checkout of ``lines`` and send the buyer to ``gateway``; returns the intent and the pay URL."""
    placement = factories.place(buyer, *lines)
    url = payments.payment_start(
        actor=buyer,
        intent_number=placement.intent.number,
        gateway_code=gateway,
        notify_url=f"http://testserver{NOTIFY.format(gateway)}",
        return_url="http://testserver/return/",
        client_ip="203.0.113.9",
    )
    return PaymentIntent.objects.get(pk=placement.intent.pk), url


@pytest.fixture
def home(buyer: Any) -> Any:
    return factories.address(buyer, is_default=True)
