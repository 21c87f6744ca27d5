"""Fixtures and helpers of the tracking tests: a shipped order, and callbacks that travel through the test client."""

import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client

from jishi.merchants.models import Merchant
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.shipping import sandbox
from tests import factories

BEIJING = dt.timezone(dt.timedelta(hours=8))
SF_NUMBER = "SF1234567890123"


def ship(buyer: Any, shop: Any, merchant_staff: Any, *, carrier: str = "", number: str = SF_NUMBER) -> Order:
    """The buyer's paid order of the shop's cat food, shipped by the merchant (carrier empty: detected)."""
    Merchant.objects.filter(pk=shop.merchant_id).update(city="杭州市")
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer, status="paid")
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier=carrier, tracking_number=number)
    order.refresh_from_db()
    return order


@pytest.fixture
def shipped(buyer: Any, home: Any, shop: Any, merchant_staff: Any) -> Order:
    return ship(buyer, shop, merchant_staff)


@pytest.fixture
def callbacks_through_client(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """The sandbox courier posts its callbacks through the test client; returns (status, answer) of each."""
    answers: list[tuple[int, str]] = []

    def deliver(url: str, body: bytes) -> str:
        response = Client().post(urlsplit(url).path, data=body, content_type="application/x-www-form-urlencoded")
        answers.append((response.status_code, response.content.decode()))
        return answers[-1][1]

    monkeypatch.setattr(sandbox, "deliver", deliver)
    return answers


def beijing(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def param(number: str, *steps: tuple[dt.datetime, str, str], com: str = "shunfeng", state: str = "0") -> str:
    """A callback ``param`` in 快递100's documented shape; ``steps`` (time, status word, context) newest first."""
    return json.dumps(
        {
            "status": "polling",
            "billstatus": "got",
            "message": "",
            "autoCheck": "0",
            "comOld": "",
            "comNew": "",
            "lastResult": {
                "message": "ok",
                "nu": number,
                "ischeck": "1" if state == "3" else "0",
                "condition": "00",
                "com": com,
                "status": "200",
                "state": state,
                "data": [
                    {"time": beijing(at), "ftime": beijing(at), "context": context, "status": word, "areaName": "上海"}
                    for at, word, context in steps
                ],
            },
        },
        ensure_ascii=False,
    )


def kuaidi100_body(param_text: str, salt: str) -> bytes:
    sign = hashlib.md5((param_text + salt).encode(), usedforsecurity=False).hexdigest().upper()
    return urlencode({"param": param_text, "sign": sign}).encode()


def post(adapter: str, body: bytes) -> Any:
    return Client().post(
        f"/api/v1/tracking/callback/{adapter}", data=body, content_type="application/x-www-form-urlencoded"
    )
