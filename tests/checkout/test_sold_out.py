"""A flash sale's late buyers are refused before any write, and only while nothing is left."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jishi.checkout import services as checkout
from jishi.inventory import services as inventory
from jishi.inventory.errors import OutOfStock
from jishi.inventory.models import Stock
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_unit(merchant_staff, leaf_category):
    return factories.sku_of(
        factories.product(merchant_staff, leaf_category, title="秒杀 猫爬架", price="9.90", stock=1)
    )


def _try(buyer, sku):
    """The buyer's placement of one unit, refused: only the placement itself is inside the caller's capture."""
    factories.in_cart(buyer, (sku, 1))
    address = factories.address(buyer)
    fingerprint = checkout.checkout_quote(actor=buyer, address_id=address.pk).fingerprint
    return lambda: checkout.checkout_place(actor=buyer, address_id=address.pk, fingerprint=fingerprint)


def _refused(buyer, sku):
    with pytest.raises(OutOfStock) as refused:
        _try(buyer, sku)()
    return refused.value


def test_once_a_reservation_finds_nothing_left_the_next_buyers_are_refused_without_a_write(
    buyer, other_buyer, support, last_unit
):
    # given the last unit sold, and a buyer who found it gone at the reservation
    factories.place(buyer, (last_unit, 1))
    _refused(other_buyer, last_unit)
    # when another buyer tries
    place = _try(support, last_unit)
    with CaptureQueriesContext(connection) as queries, pytest.raises(OutOfStock) as raised:
        place()
    refused = raised.value
    # then the answer is the same, and nothing was written or locked
    assert refused.params == {"sku_id": last_unit.pk}
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert Stock.objects.get(pk=last_unit.pk).reserved == 1


@pytest.mark.parametrize("basket", ["buy_now", "ticked"])
def test_a_basket_naming_a_sold_out_sku_is_refused_without_a_query(
    buyer, other_buyer, support, last_unit, basket, django_assert_num_queries
):
    # given the last unit sold, and a buyer who found it gone at the reservation
    factories.place(buyer, (last_unit, 1))
    _refused(other_buyer, last_unit)
    # when another buyer buys it now from the product page, or ticks it in the cart
    address = factories.address(support)
    if basket == "buy_now":
        chosen = {"buy_now": checkout.BuyNow(sku_id=last_unit.pk, quantity=1)}
    else:
        factories.in_cart(support, (last_unit, 1))
        chosen = {"sku_ids": [last_unit.pk]}
    fingerprint = checkout.checkout_quote(actor=support, address_id=address.pk, **chosen).fingerprint
    # then the refusal asks the database nothing: not the cart, not the address, not the stock
    with django_assert_num_queries(0), pytest.raises(OutOfStock) as raised:
        checkout.checkout_place(actor=support, address_id=address.pk, fingerprint=fingerprint, **chosen)
    assert raised.value.params == {"sku_id": last_unit.pk}


def test_a_restock_lets_buyers_in_at_once(buyer, other_buyer, merchant_staff, last_unit):
    # given a SKU flagged sold out
    factories.place(buyer, (last_unit, 1))
    _refused(other_buyer, last_unit)
    # when the merchant adds units
    inventory.stock_set(actor=merchant_staff, sku_id=last_unit.pk, quantity=3)
    # then the next buyer gets one
    assert factories.place(other_buyer, (last_unit, 1)).orders


def test_a_cancelled_order_lets_buyers_in_at_once(buyer, other_buyer, support, last_unit):
    # given a SKU flagged sold out
    placed = factories.place(buyer, (last_unit, 1))
    _refused(other_buyer, last_unit)
    # when the first buyer cancels and the unit is released
    checkout.checkout_cancel(actor=buyer, order_number=placed.orders[0].number)
    # then the next buyer gets it
    assert factories.place(support, (last_unit, 1)).orders


def test_a_buyer_short_of_what_they_ask_does_not_flag_what_is_left(buyer, other_buyer, merchant_staff, last_unit):
    # given three units, of which a buyer wants four
    inventory.stock_set(actor=merchant_staff, sku_id=last_unit.pk, quantity=3)
    with pytest.raises(OutOfStock):
        factories.place(buyer, (last_unit, 4))
    # then another buyer still gets one
    assert factories.place(other_buyer, (last_unit, 1)).orders
