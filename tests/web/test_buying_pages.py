"""The buying pages: who sees what, and forms that fail show why."""

import pytest
from django.utils import timezone

from jishi.cart.models import CartLine
from jishi.orders import services as orders
from jishi.orders.models import Order
from tests import factories


@pytest.fixture
def shop_product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="99.00", stock=3)


def test_a_guest_adds_to_the_cart_from_the_product_page(client, shop_product):
    response = client.post("/cart/add/", {"product_id": shop_product.pk, "quantity": "2"})
    assert response.status_code == 302
    page = client.get("/cart/")
    assert page.status_code == 200
    assert "渴望六种鱼猫粮" in page.content.decode()
    assert CartLine.objects.get().quantity == 2


def test_buy_now_goes_to_checkout_which_asks_a_guest_to_log_in(client, shop_product):
    response = client.post("/cart/add/", {"product_id": shop_product.pk, "quantity": "1", "buy_now": "1"})
    assert response["Location"] == "/checkout/"
    assert client.get("/checkout/")["Location"].startswith("/login/?next=/checkout/")


def test_a_quantity_the_cart_refuses_comes_back_as_a_message(client, shop_product):
    client.post("/cart/add/", {"product_id": shop_product.pk, "quantity": "100"}, headers={"Referer": "/p/1/"})
    assert not CartLine.objects.exists()


def test_checkout_page_shows_groups_and_the_total(client, buyer, shop_product):
    factories.address(buyer)
    factories.in_cart(buyer, (factories.sku_of(shop_product), 2))
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    assert "一号店" in page
    assert "¥198.00" in page
    assert 'name="fingerprint"' in page


def test_placing_twice_with_one_form_opens_one_cashier(client, buyer, shop_product):
    address = factories.address(buyer)
    factories.in_cart(buyer, (factories.sku_of(shop_product), 1))
    client.force_login(buyer)
    from jishi.checkout import services as checkout

    form = {
        "address": address.pk,
        "fingerprint": checkout.checkout_quote(actor=buyer, address_id=address.pk).fingerprint,
        "request_key": "form-1",
    }
    first = client.post("/checkout/place/", form)
    second = client.post("/checkout/place/", form)
    assert first["Location"] == second["Location"]
    assert first["Location"].startswith("/pay/")
    assert Order.objects.count() == 1


def test_someone_elses_order_and_cashier_are_404(client, buyer, other_buyer, shop_product):
    placement = factories.place(buyer, (factories.sku_of(shop_product), 1))
    client.force_login(other_buyer)
    assert client.get(f"/orders/{placement.orders[0].number}/").status_code == 404
    assert client.get(f"/pay/{placement.intent.number}/").status_code == 404
    assert client.post(f"/orders/{placement.orders[0].number}/cancel/").status_code == 404
    assert Order.objects.get().status == "pending_payment"


def test_the_order_page_shows_the_timeline(client, buyer, shop_product):
    placement = factories.place(buyer, (factories.sku_of(shop_product), 1))
    orders.orders_mark_paid(checkout_number=placement.checkout_number, paid_at=timezone.now())
    client.force_login(buyer)
    page = client.get(f"/orders/{placement.orders[0].number}/").content.decode()
    assert page.count('<li><span class="badge') == 2


def test_the_merchant_ships_from_the_order_page(client, buyer, merchant_staff, shop_product):
    placement = factories.place(buyer, (factories.sku_of(shop_product), 1))
    number = placement.orders[0].number
    client.force_login(merchant_staff)
    # an unpaid order cannot be shipped: the form says so and nothing changes
    refused = client.post(f"/merchant/orders/{number}/ship/", {"carrier": "顺丰速运", "tracking_number": "SF1"})
    assert refused.status_code == 422
    assert Order.objects.get().status == "pending_payment"
    orders.orders_mark_paid(checkout_number=placement.checkout_number, paid_at=timezone.now())
    assert number in client.get("/merchant/orders/").content.decode()
    shipped = client.post(f"/merchant/orders/{number}/ship/", {"carrier": "顺丰速运", "tracking_number": "SF1"})
    assert shipped.status_code == 302
    assert Order.objects.get().status == "shipped"


def test_another_merchant_cannot_open_or_ship_the_order(client, buyer, other_merchant_staff, shop_product):
    placement = factories.place(buyer, (factories.sku_of(shop_product), 1))
    orders.orders_mark_paid(checkout_number=placement.checkout_number, paid_at=timezone.now())
    client.force_login(other_merchant_staff)
    number = placement.orders[0].number
    assert client.get(f"/merchant/orders/{number}/").status_code == 404
    assert client.post(f"/merchant/orders/{number}/ship/", {"carrier": "x", "tracking_number": "y"}).status_code == 404
    assert Order.objects.get().status == "paid"


def test_a_buyer_cannot_open_the_merchant_order_list(client, buyer):
    client.force_login(buyer)
    assert client.get("/merchant/orders/").status_code == 403
