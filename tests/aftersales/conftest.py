"""Fixtures of after-sales: a buyer's paid order of two lines at one shop, and the shop's staff."""

from typing import Any

import pytest

from jishi.orders.models import Order
from tests import factories
from tests.tasks import _tasks_recorded  # noqa: F401


@pytest.fixture
def food(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮 5.4kg", price="100.00", stock=10)


@pytest.fixture
def treats(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(merchant_staff, leaf_category, title="冻干鸡肉猫零食", price="25.50", stock=10)


@pytest.fixture
def order(buyer: Any, food: Any, treats: Any) -> Order:
    """2 × 100.00 and 1 × 25.50 from one shop, free shipping: 225.50, paid through the sandbox."""
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(food), 2), (factories.sku_of(treats), 1)))
    paid = Order.objects.get(buyer=buyer)
    assert (paid.status, paid.total_minor) == ("paid", 22550)
    return paid


@pytest.fixture
def delivered(order: Order, merchant_staff: Any) -> Order:
    from jishi.orders import services as orders

    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    orders.order_confirm_receipt(actor=order.buyer, order_number=order.number)
    order.refresh_from_db()
    return order
