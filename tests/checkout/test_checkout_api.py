"""Checkout over the API: server-side pricing, one order per merchant, idempotent placement, bad input."""

import itertools

import pytest

from jishi.core.models import IdempotencyRecord
from jishi.inventory.models import Stock
from jishi.orders.models import Order, OrderEvent
from jishi.payments.models import PaymentIntent
from tests import factories


def _quote(api, buyer, address):
    response = api("post", "/checkout/quote", user=buyer, json={"address_id": address.pk})
    assert response.status_code == 200, response.json()
    return response.json()


def _snapshot():
    return (
        Order.objects.count(),
        PaymentIntent.objects.count(),
        list(Stock.objects.order_by("pk").values_list("quantity", "reserved")),
    )


def test_quote_prices_each_merchant_with_its_fee_template(api, buyer, merchant_staff, shop, other_shop, home):
    # given a per-item template for the first shop (8 + 2 per extra item) and none for the second
    factories.fee_template(merchant_staff, first="8.00", extra="2.00")
    factories.in_cart(buyer, (factories.sku_of(shop), 3), (factories.sku_of(other_shop), 2))
    # when the buyer asks for a quote
    quote = _quote(api, buyer, home)
    # then each merchant is a group with its own shipping fee, and the total adds up
    groups = {group["merchant"]["name"]: group for group in quote["groups"]}
    assert groups["一号店"]["goods"]["amount"] == "297.00"
    assert groups["一号店"]["shipping"]["amount"] == "12.00"
    assert groups["二号店"]["shipping"]["amount"] == "0.00"
    assert groups["二号店"]["total"]["amount"] == "51.00"
    assert quote["total"] == {"amount": "360.00", "currency": "CNY"}


def test_placing_makes_one_order_per_merchant_under_one_payment(api, buyer, shop, other_shop, home):
    factories.in_cart(buyer, (factories.sku_of(shop), 2), (factories.sku_of(other_shop), 1))
    quote = _quote(api, buyer, home)
    # made-up prices are refused outright, never read
    body = {"address_id": home.pk, "fingerprint": quote["fingerprint"]}
    made_up = api("post", "/checkout/place", user=buyer, json=body | {"total": "0.01"})
    assert made_up.status_code == 422
    assert made_up.json()["code"] == "request.unknown_field"
    # when the buyer places the checkout
    response = api("post", "/checkout/place", user=buyer, json=body)
    # then two orders share one checkout and one intent for the server's total
    assert response.status_code == 201, response.json()
    placed = response.json()
    assert len(placed["orders"]) == 2
    assert {order["status"] for order in placed["orders"]} == {"pending_payment"}
    assert placed["payment"]["amount"] == {"amount": "223.50", "currency": "CNY"}
    assert {o.checkout_number for o in Order.objects.all()} == {placed["checkout_number"]}
    # and stock is reserved, the cart emptied, one history row per order
    assert Stock.objects.get(pk=factories.sku_of(shop).pk).reserved == 2
    assert api("get", "/cart", user=buyer).json()["lines"] == []
    assert OrderEvent.objects.filter(to_status="pending_payment", from_status="").count() == 2


def test_buying_now_over_the_api_quotes_and_places_that_sku_alone(api, buyer, shop, other_shop, home):
    # given a cart holding another shop's product
    factories.in_cart(buyer, (factories.sku_of(other_shop), 1))
    buy_now = {"sku_id": factories.sku_of(shop).pk, "quantity": 2}
    # when the buyer buys two of one SKU now
    quote = api("post", "/checkout/quote", user=buyer, json={"address_id": home.pk, "buy_now": buy_now})
    assert quote.status_code == 200, quote.json()
    [group] = quote.json()["groups"]
    [line] = group["lines"]
    assert (line["id"], line["sku_id"], line["quantity"]) == (None, buy_now["sku_id"], 2)
    body = {"address_id": home.pk, "buy_now": buy_now, "fingerprint": quote.json()["fingerprint"]}
    placed = api("post", "/checkout/place", user=buyer, json=body)
    # then one order is placed for that SKU, and the cart is as it was
    assert placed.status_code == 201, placed.json()
    assert placed.json()["payment"]["amount"] == {"amount": "198.00", "currency": "CNY"}
    assert [line["sku_id"] for line in api("get", "/cart", user=buyer).json()["lines"]] == [
        factories.sku_of(other_shop).pk
    ]


def test_order_numbers_are_not_sequential(buyer, shop, home):
    numbers = [factories.place(buyer, (factories.sku_of(shop), 1)).orders[0].number for _ in range(3)]
    assert all(len(number) == 18 and number.isdigit() for number in numbers)
    assert all(abs(int(a) - int(b)) > 1 for a, b in itertools.combinations(numbers, 2))


def test_same_idempotency_key_and_body_replays_the_first_result(api, buyer, shop, home):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    body = {"address_id": home.pk, "fingerprint": _quote(api, buyer, home)["fingerprint"]}
    headers = {"Idempotency-Key": "order-1"}
    first = api("post", "/checkout/place", user=buyer, json=body, headers=dict(headers))
    again = api("post", "/checkout/place", user=buyer, json=body, headers=dict(headers))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_refused(api, buyer, shop, home):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    fingerprint = _quote(api, buyer, home)["fingerprint"]
    key = {"Idempotency-Key": "order-2"}
    api(
        "post",
        "/checkout/place",
        user=buyer,
        json={"address_id": home.pk, "fingerprint": fingerprint},
        headers=dict(key),
    )
    before = _snapshot()
    response = api(
        "post",
        "/checkout/place",
        user=buyer,
        json={"address_id": home.pk, "fingerprint": fingerprint, "note": "different"},
        headers=dict(key),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency.key_reused"
    assert _snapshot() == before


def test_a_cart_changed_after_the_quote_is_refused(api, buyer, merchant_staff, shop, home):
    sku = factories.sku_of(shop)
    factories.in_cart(buyer, (sku, 1))
    fingerprint = _quote(api, buyer, home)["fingerprint"]
    # when the merchant changes the price before the buyer places
    from jishi.catalog import services as catalog
    from jishi.core.money import Money

    catalog.sku_update(actor=merchant_staff, sku_id=sku.pk, price=Money.parse("89.00", "CNY"))
    before = _snapshot()
    response = api("post", "/checkout/place", user=buyer, json={"address_id": home.pk, "fingerprint": fingerprint})
    assert response.status_code == 409
    assert response.json() == {
        "code": "checkout.cart_changed",
        "message": response.json()["message"],
        "field": "fingerprint",
    }
    assert _snapshot() == before


def test_someone_elses_address_is_not_found(api, buyer, other_buyer, shop):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    theirs = factories.address(other_buyer)
    response = api("post", "/checkout/quote", user=buyer, json={"address_id": theirs.pk})
    assert response.status_code == 404
    assert response.json()["code"] == "accounts.address_not_found"


def test_an_empty_cart_has_nothing_to_order(api, buyer, home):
    response = api("post", "/checkout/quote", user=buyer, json={"address_id": home.pk})
    assert response.status_code == 409
    assert response.json()["code"] == "checkout.nothing_to_order"


def test_placing_without_signing_in_is_401(api, home):
    response = api("post", "/checkout/place", json={"address_id": home.pk, "fingerprint": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "中文"])
def test_malformed_idempotency_keys_are_refused(api, buyer, shop, home, key):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    body = {"address_id": home.pk, "fingerprint": _quote(api, buyer, home)["fingerprint"]}
    response = api("post", "/checkout/place", user=buyer, json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency.invalid_key"
    assert Order.objects.count() == 0


def test_buyer_cancels_an_unpaid_checkout_and_its_stock_returns(api, buyer, shop, other_shop, home):
    placement = factories.place(buyer, (factories.sku_of(shop), 2), (factories.sku_of(other_shop), 1))
    response = api("post", f"/orders/{placement.orders[0].number}/cancel", user=buyer, json={"reason": "买错了"})
    assert response.status_code == 200
    assert [order["status"] for order in response.json()] == ["cancelled", "cancelled"]
    assert response.json()[0]["events"][-1]["reason"] == "买错了"
    assert Stock.objects.get(pk=factories.sku_of(shop).pk).reserved == 0
    assert PaymentIntent.objects.get().status == "cancelled"
    # and cancelling again changes nothing
    again = api("post", f"/orders/{placement.orders[0].number}/cancel", user=buyer, json={})
    assert again.status_code == 200
    assert OrderEvent.objects.filter(to_status="cancelled").count() == 2


def test_another_buyers_order_cannot_be_cancelled(api, buyer, other_buyer, shop, home):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    response = api("post", f"/orders/{placement.orders[0].number}/cancel", user=other_buyer, json={})
    assert response.status_code == 404
    assert Order.objects.get().status == "pending_payment"
