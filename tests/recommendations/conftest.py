from typing import Any

from tests import factories
from tests.tasks import _tasks_recorded  # noqa: F401


def bought(buyer: Any, *products: Any) -> None:
    """The buyer orders one of each product in one checkout and pays for it."""
    factories.pay(factories.place(buyer, *((factories.sku_of(product), 1) for product in products)))
