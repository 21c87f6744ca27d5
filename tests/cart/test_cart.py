"""The cart: guests and users, merging at log-in, current prices and stock, quantities 1..99."""

import pytest

from jishi.cart.models import Cart, CartLine
from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.inventory.services import stock_set
from tests import factories
from tests.factories import PASSWORD


def _add(client, sku, quantity=1):
    return client.post(
        "/api/v1/cart/lines", data={"sku_id": sku.pk, "quantity": quantity}, content_type="application/json"
    )


def test_a_guest_cart_lives_in_the_session_and_merges_at_log_in(client, buyer, shop, other_shop):
    # given a buyer whose own cart already holds 2 of one SKU
    factories.in_cart(buyer, (factories.sku_of(shop), 2))
    # and a guest browser that adds 1 of it and 3 of another
    assert _add(client, factories.sku_of(shop), 1).status_code == 201
    guest = _add(client, factories.sku_of(other_shop), 3)
    assert guest.json()["count"] == 4
    # when the guest logs in on the page
    response = client.post("/login/", {"identifier": buyer.email, "password": PASSWORD})
    assert response.status_code == 302
    # then one cart remains: the larger quantity of the shared SKU, plus the guest's other line
    lines = dict(CartLine.objects.filter(cart__user=buyer).values_list("sku_id", "quantity"))
    assert lines == {factories.sku_of(shop).pk: 2, factories.sku_of(other_shop).pk: 3}
    assert Cart.objects.count() == 1
    assert client.get("/api/v1/cart").json()["count"] == 5


def test_the_cart_flags_changed_prices_and_short_stock(api, buyer, merchant_staff, shop):
    sku = factories.sku_of(shop)
    factories.in_cart(buyer, (sku, 3))
    catalog.sku_update(actor=merchant_staff, sku_id=sku.pk, price=Money.parse("109.00", "CNY"))
    stock_set(actor=merchant_staff, sku_id=sku.pk, quantity=2)
    line = api("get", "/cart", user=buyer).json()["lines"][0]
    assert line["unit_price"]["amount"] == "109.00"
    assert line["price_when_added"]["amount"] == "99.00"
    assert line["price_changed"] is True
    assert (line["available"], line["out_of_stock"]) == (2, True)
    assert line["line_total"]["amount"] == "327.00"


def test_adding_adds_to_the_existing_line_up_to_99(api, buyer, shop):
    sku = factories.sku_of(shop)
    assert api("post", "/cart/lines", user=buyer, json={"sku_id": sku.pk, "quantity": 60}).status_code == 201
    response = api("post", "/cart/lines", user=buyer, json={"sku_id": sku.pk, "quantity": 40})
    assert response.status_code == 422
    assert response.json()["code"] == "cart.invalid_quantity"
    assert CartLine.objects.get().quantity == 60


@pytest.mark.parametrize("quantity", [-1, 0, 1.5, "1e3", "2", 100, 2**31, 2**63, None, True])
def test_bad_quantities_are_refused_and_nothing_is_written(api, buyer, shop, quantity):
    response = api("post", "/cart/lines", user=buyer, json={"sku_id": factories.sku_of(shop).pk, "quantity": quantity})
    assert response.status_code == 422
    assert response.json()["field"] == "quantity"
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("quantity", [0, 100, -1, 1.5])
def test_bad_quantity_updates_leave_the_line_alone(api, buyer, shop, quantity):
    factories.in_cart(buyer, (factories.sku_of(shop), 2))
    line = CartLine.objects.get()
    response = api("patch", f"/cart/lines/{line.pk}", user=buyer, json={"quantity": quantity})
    assert response.status_code == 422
    assert CartLine.objects.get().quantity == 2


def test_only_published_skus_can_be_added(api, buyer, merchant_staff, leaf_category):
    draft = factories.product(merchant_staff, leaf_category, publish=False)
    response = api("post", "/cart/lines", user=buyer, json={"sku_id": factories.sku_of(draft).pk})
    assert response.status_code == 404
    assert response.json()["code"] == "catalog.sku_not_found"


def test_an_unlisted_product_stays_in_the_cart_but_cannot_be_ordered(api, buyer, merchant_staff, shop, home):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    catalog.product_unlist(actor=merchant_staff, product_id=shop.pk)
    assert api("get", "/cart", user=buyer).json()["lines"][0]["purchasable"] is False
    response = api("post", "/checkout/quote", user=buyer, json={"address_id": home.pk})
    assert response.status_code == 409
    assert response.json()["code"] == "checkout.nothing_to_order"


def test_someone_elses_cart_line_is_not_found(api, buyer, other_buyer, shop):
    factories.in_cart(other_buyer, (factories.sku_of(shop), 2))
    theirs = CartLine.objects.get()
    assert api("patch", f"/cart/lines/{theirs.pk}", user=buyer, json={"quantity": 5}).status_code == 404
    assert api("delete", f"/cart/lines/{theirs.pk}", user=buyer).status_code == 404
    assert CartLine.objects.get().quantity == 2


def test_removing_a_line(api, buyer, shop, other_shop):
    factories.in_cart(buyer, (factories.sku_of(shop), 1), (factories.sku_of(other_shop), 1))
    line = CartLine.objects.get(sku=factories.sku_of(shop))
    response = api("delete", f"/cart/lines/{line.pk}", user=buyer)
    assert response.status_code == 200
    assert [entry["sku_id"] for entry in response.json()["lines"]] == [factories.sku_of(other_shop).pk]


def test_reading_the_cart_costs_the_same_queries_for_one_line_or_ten(api, buyer, merchant_staff, leaf_category):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    products = [factories.product(merchant_staff, leaf_category, title=f"猫粮{i}") for i in range(10)]
    factories.in_cart(buyer, (factories.sku_of(products[0]), 1))
    with CaptureQueriesContext(connection) as one:
        api("get", "/cart", user=buyer)
    factories.in_cart(buyer, *[(factories.sku_of(p), 1) for p in products[1:]])
    with CaptureQueriesContext(connection) as ten:
        assert len(api("get", "/cart", user=buyer).json()["lines"]) == 10
    assert len(ten) == len(one)
