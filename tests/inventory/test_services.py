"""Stock services: every change is a guarded UPDATE plus a movement row, and a refused change writes nothing."""

import pytest

from jishi.inventory import services as inventory
from jishi.inventory.errors import InvalidQuantity, OutOfStock, StockStateBroken
from jishi.inventory.models import Stock, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku(merchant_staff, leaf_category):
    return factories.sku_of(factories.product(merchant_staff, leaf_category, stock=5))


def _stock(sku):
    stock = Stock.objects.get(pk=sku.pk)
    return stock.quantity, stock.reserved


def test_reserving_more_than_is_free_is_refused_and_writes_nothing(sku):
    # given three of five units reserved
    inventory.stock_reserve(actor=None, lines={"A": [(sku.pk, 3)]})
    movements = StockMovement.objects.count()
    # when a second order asks for three more
    with pytest.raises(OutOfStock) as refused:
        inventory.stock_reserve(actor=None, lines={"B": [(sku.pk, 3)]})
    # then nothing moved
    assert refused.value.params == {"sku_id": sku.pk, "requested": 3}
    assert _stock(sku) == (5, 3)
    assert StockMovement.objects.count() == movements


def test_one_short_line_refuses_the_whole_reservation(merchant_staff, leaf_category, sku):
    # given a second SKU with one unit
    scarce = factories.sku_of(factories.product(merchant_staff, leaf_category, title="限量款", stock=1))
    # when two orders together ask for two of it
    with pytest.raises(OutOfStock):
        inventory.stock_reserve(actor=None, lines={"A": [(sku.pk, 1), (scarce.pk, 1)], "B": [(scarce.pk, 1)]})
    # then the first SKU's reservation was rolled back with it
    assert (_stock(sku), _stock(scarce)) == ((5, 0), (1, 0))


def test_a_commit_sells_what_was_reserved_and_a_release_returns_it(sku):
    # given two orders holding two units each
    inventory.stock_reserve(actor=None, lines={"A": [(sku.pk, 2)], "B": [(sku.pk, 2)]})
    # when one is paid and the other cancelled
    inventory.stock_commit(actor=None, lines={"A": [(sku.pk, 2)]})
    inventory.stock_release(actor=None, lines={"B": [(sku.pk, 2)]})
    # then two units are sold and three are on sale again
    assert _stock(sku) == (3, 0)
    reasons = list(StockMovement.objects.filter(reference__in=["A", "B"]).values_list("reason", "reference"))
    assert sorted(reasons) == [("release", "B"), ("reserve", "A"), ("reserve", "B"), ("sale", "A")]


def test_releasing_or_selling_what_was_never_reserved_is_refused(sku):
    with pytest.raises(StockStateBroken):
        inventory.stock_release(actor=None, lines={"A": [(sku.pk, 1)]})
    with pytest.raises(StockStateBroken):
        inventory.stock_commit(actor=None, lines={"A": [(sku.pk, 1)]})
    assert _stock(sku) == (5, 0)


def test_a_count_below_what_is_reserved_is_refused(merchant_staff, sku):
    # given four units reserved
    inventory.stock_reserve(actor=None, lines={"A": [(sku.pk, 4)]})
    # when the shop counts three
    with pytest.raises(OutOfStock):
        inventory.stock_set(actor=merchant_staff, sku_id=sku.pk, quantity=3)
    # then the count stays; counting four is fine, and the same count again records nothing
    assert _stock(sku) == (5, 4)
    inventory.stock_set(actor=merchant_staff, sku_id=sku.pk, quantity=4)
    movements = StockMovement.objects.count()
    inventory.stock_set(actor=merchant_staff, sku_id=sku.pk, quantity=4)
    assert (_stock(sku), StockMovement.objects.count()) == ((4, 4), movements)


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_line_of_no_units_is_refused(sku, quantity):
    with pytest.raises(InvalidQuantity):
        inventory.stock_reserve(actor=None, lines={"A": [(sku.pk, quantity)]})
    assert _stock(sku) == (5, 0)


def test_returned_units_go_back_on_sale(sku):
    inventory.stock_reserve(actor=None, lines={"A": [(sku.pk, 2)]})
    inventory.stock_commit(actor=None, lines={"A": [(sku.pk, 2)]})
    inventory.stock_return(actor=None, lines={"A": [(sku.pk, 2)]})
    assert _stock(sku) == (5, 0)
