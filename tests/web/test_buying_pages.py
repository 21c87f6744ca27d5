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
    sku = factories.sku_of(shop_product)
    assert response["Location"] == f"/checkout/?sku={sku.pk}&qty=1"
    assert client.get(response["Location"])["Location"].startswith("/login/?next=/checkout/%3Fsku%3D")
    assert not CartLine.objects.exists()


def test_buy_now_buys_that_sku_alone_and_leaves_the_cart_as_it_was(client, buyer, shop_product, other_shop):
    address = factories.address(buyer)
    factories.in_cart(buyer, (factories.sku_of(other_shop), 1), (factories.sku_of(shop_product), 1))
    client.force_login(buyer)
    sku = factories.sku_of(shop_product)
    to_checkout = client.post("/cart/add/", {"product_id": shop_product.pk, "quantity": "2", "buy_now": "1"})
    page = client.get(to_checkout["Location"]).content.decode()
    assert "¥198.00" in page  # two of this SKU, nothing else
    assert other_shop.title not in page
    from jishi.checkout import services as checkout

    quote = checkout.checkout_quote(actor=buyer, address_id=address.pk, buy_now=checkout.BuyNow(sku.pk, 2))
    form = {"address": address.pk, "fingerprint": quote.fingerprint, "request_key": "k", "sku": sku.pk, "qty": 2}
    assert client.post("/checkout/place/", form).status_code == 302
    order = Order.objects.get(buyer=buyer)
    assert [(line.sku_id, line.quantity) for line in order.lines.all()] == [(sku.pk, 2)]
    assert sorted(CartLine.objects.values_list("sku_id", "quantity")) == sorted(
        [(factories.sku_of(other_shop).pk, 1), (sku.pk, 1)]
    )


def test_only_the_ticked_cart_lines_are_checked_out(client, buyer, shop_product, other_shop):
    address = factories.address(buyer)
    factories.in_cart(buyer, (factories.sku_of(other_shop), 1), (factories.sku_of(shop_product), 1))
    client.force_login(buyer)
    ticked = CartLine.objects.get(sku=factories.sku_of(shop_product))
    page = client.get(f"/checkout/?item={ticked.sku_id}").content.decode()
    assert other_shop.title not in page
    from jishi.checkout import services as checkout

    quote = checkout.checkout_quote(actor=buyer, address_id=address.pk, sku_ids={ticked.sku_id})
    form = {"address": address.pk, "fingerprint": quote.fingerprint, "request_key": "k", "item": ticked.sku_id}
    assert client.post("/checkout/place/", form).status_code == 302
    assert list(Order.objects.get(buyer=buyer).lines.values_list("sku_id", flat=True)) == [ticked.sku_id]
    assert list(CartLine.objects.values_list("sku_id", flat=True)) == [factories.sku_of(other_shop).pk]


def test_a_quantity_the_cart_refuses_comes_back_as_a_message(client, shop_product):
    client.post("/cart/add/", {"product_id": shop_product.pk, "quantity": "100"}, headers={"Referer": "/p/1/"})
    assert not CartLine.objects.exists()


def test_a_bad_cart_quantity_shows_its_error_in_place_and_keeps_what_was_typed(client, buyer, shop_product):
    factories.in_cart(buyer, (factories.sku_of(shop_product), 1))
    client.force_login(buyer)
    line = CartLine.objects.get()
    response = client.post(
        f"/cart/lines/{line.pk}/",
        {"quantity": "120", "_form": line.pk},
        headers={"HX-Request": "true", "Referer": "http://testserver/cart/"},
    )
    assert response.status_code == 200  # htmx swaps 2xx only
    fragment = response.content.decode()
    assert fragment.strip().startswith('<div id="cart"')
    assert 'value="120"' in fragment
    assert 'class="field-error"' in fragment
    assert CartLine.objects.get().quantity == 1
    # the error was shown where it happened, and is not left waiting for another page
    assert 'class="message' not in client.get("/").content.decode()


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


def test_unticking_every_cart_line_checks_out_nothing_not_everything(client, buyer, shop_product):
    factories.address(buyer)
    factories.in_cart(buyer, (factories.sku_of(shop_product), 1))
    client.force_login(buyer)
    response = client.get("/checkout/?from_cart=1")
    assert response.status_code == 302
    assert response["Location"] == "/cart/"


def test_buy_now_of_a_product_not_on_sale_is_not_found(client, buyer, merchant_staff, leaf_category):
    draft = factories.product(merchant_staff, leaf_category, title="未上架的猫粮", publish=False)
    factories.address(buyer)
    client.force_login(buyer)
    page = client.get(f"/checkout/?sku={factories.sku_of(draft).pk}&qty=1")
    assert page.status_code in (302, 404)
    assert "未上架的猫粮" not in client.get("/cart/").content.decode()


def test_confirming_receipt_asks_first(client, buyer, merchant_staff, shop_product):
    factories.address(buyer)
    factories.pay(factories.place(buyer, (factories.sku_of(shop_product), 1)))
    order = Order.objects.get()
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'data-confirm="确认已收到商品？确认收货后款项将打给商家。"' in page
