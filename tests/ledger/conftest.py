"""Fixtures of the ledger: paid orders of two shops, and a merchant with money to withdraw."""

from typing import Any

import pytest
from django.utils import timezone

from jishi.ledger import services as ledger
from jishi.ledger.models import CommissionRule
from jishi.orders.models import Order
from tests import factories
from tests.tasks import _tasks_recorded  # noqa: F401


@pytest.fixture
def shop(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮 5.4kg", price="99.00", stock=50)


@pytest.fixture
def other_shop(other_merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(other_merchant_staff, leaf_category, title="冻干鸡肉猫零食", price="25.50", stock=50)


@pytest.fixture
def paid_checkout(buyer: Any, shop: Any, other_shop: Any) -> list[Order]:
    """One checkout over two shops (2 × 99.00 and 1 × 25.50, free shipping), paid through the sandbox."""
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 2), (factories.sku_of(other_shop), 1)))
    return list(Order.objects.order_by("merchant__name"))


def funded(staff: Any, leaf_category: Any, amount: str) -> Any:
    """Give ``staff``'s merchant ``amount`` of available balance: one order at 0 % commission, completed and settled."""
    merchant = staff.membership.merchant
    CommissionRule.objects.create(merchant=merchant, rate_bp=0, starts_on=timezone.localdate())
    buyer = factories.user()
    product = factories.product(staff, leaf_category, title="结算测试商品", price=amount, stock=5)
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    order = Order.objects.get(buyer=buyer)
    factories.complete(order)
    return ledger.order_settle(order_id=order.pk)
