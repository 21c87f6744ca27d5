"""Fixtures of the buying flow: two shops with products, a buyer's address, and a sandbox that notifies.

The root conftest offers them everywhere; a folder may override one (the gateway tests price their own shop).
"""

from typing import Any

import pytest
from django.test import Client

from jishi.payments import sandbox
from tests import factories


@pytest.fixture
def shop(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮 5.4kg", price="99.00", stock=10)


@pytest.fixture
def other_shop(other_merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(other_merchant_staff, leaf_category, title="冻干鸡肉猫零食", price="25.50", stock=5)


@pytest.fixture
def home(buyer: Any) -> Any:
    return factories.address(buyer, is_default=True)


@pytest.fixture
def notify_through_client(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sandbox posts its notifications through the test client; returns the answers it got."""
    answers: list[str] = []

    def deliver(url: str, body: bytes) -> str:
        response = Client().post(url, data=body, content_type="application/x-www-form-urlencoded")
        answers.append(response.content.decode())
        return answers[-1]

    monkeypatch.setattr(sandbox, "deliver", deliver)
    return answers


@pytest.fixture
def delivered(buyer: Any, home: Any, shop: Any, merchant_staff: Any) -> Any:
    """The buyer's paid, shipped and received order of one line of the shop's cat food."""
    from jishi.orders import services as orders
    from jishi.orders.models import Order

    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    orders.order_confirm_receipt(actor=buyer, order_number=order.number)
    order.refresh_from_db()
    return order


@pytest.fixture
def delivered_line(delivered: Any) -> Any:
    """The one line of the ``delivered`` order."""
    return delivered.lines.get()
