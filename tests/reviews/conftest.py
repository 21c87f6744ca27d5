from typing import Any

import pytest

from jishi.orders import services as orders
from jishi.orders.models import Order
from tests import factories


@pytest.fixture
def delivered(buyer: Any, home: Any, shop: Any, merchant_staff: Any) -> Order:
    """The buyer's paid, shipped and received order of one line of the shop's cat food."""
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    orders.order_confirm_receipt(actor=buyer, order_number=order.number)
    order.refresh_from_db()
    return order


@pytest.fixture
def line(delivered: Order) -> Any:
    return delivered.lines.get()
