"""An id that is not the caller's is a 404, never an answer as if it were theirs."""

import pytest
from django.urls import reverse

from jishi.accounts import services as accounts
from jishi.accounts.models import ApiToken
from jishi.aftersales.models import AftersalesRequest
from jishi.catalog import services as catalog
from jishi.notifications.models import Notification
from jishi.notifications.services import notify
from jishi.orders.models import Order
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def test_revoking_someone_elses_token_is_not_found_and_leaves_it_working(api, buyer, other_buyer):
    theirs, secret = accounts.token_create(user=other_buyer)
    mine, _ = accounts.token_create(user=buyer)
    response = api("delete", f"/me/tokens/{theirs.pk}", user=buyer)
    assert response.status_code == 404
    assert response.json()["code"] == "accounts.token_not_found"
    assert api("get", "/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert api("delete", "/me/tokens/999999", user=buyer).status_code == 404
    # one's own token: revoked, and revoking it again is still fine
    assert api("delete", f"/me/tokens/{mine.pk}", user=buyer).status_code == 204
    assert api("delete", f"/me/tokens/{mine.pk}", user=buyer).status_code == 204
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None


def test_marking_someone_elses_message_read_is_not_found_and_leaves_it_unread(api, buyer, other_buyer):
    theirs = notify(other_buyer, "test", "给别人的消息")
    mine = notify(buyer, "test", "我的消息")
    response = api("post", "/notifications/read", user=buyer, json={"id": theirs.pk})
    assert response.status_code == 404
    assert response.json() == {"code": "notifications.not_found", "message": response.json()["message"], "field": "id"}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api("post", "/notifications/read", user=buyer, json={"id": mine.pk}).json() == {"marked": 1}
    assert api("post", "/notifications/read", user=buyer, json={"id": mine.pk}).json() == {"marked": 0}


def test_the_inbox_page_refuses_someone_elses_message_too(client, buyer, other_buyer):
    theirs = notify(other_buyer, "test", "给别人的消息")
    client.force_login(buyer)
    assert client.post(reverse("buyer:inbox_read"), {"id": theirs.pk}).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    mine = notify(buyer, "test", "我的消息")
    assert client.post(reverse("buyer:inbox_read"), {"id": mine.pk}).status_code == 302
    assert Notification.objects.get(pk=mine.pk).read_at is not None


def test_the_inbox_page_marks_nothing_for_an_id_that_is_no_number(client, buyer):
    mine = notify(buyer, "test", "我的消息")
    client.force_login(buyer)
    for wrong in ("-3", "abc", " 5", ""):
        assert client.post(reverse("buyer:inbox_read"), {"id": wrong}).status_code == 404
    assert Notification.objects.get(pk=mine.pk).read_at is None


def test_checkout_with_someone_elses_address_is_not_found(client, buyer, other_buyer, merchant_staff, leaf_category):
    theirs = factories.address(other_buyer)
    factories.address(buyer)
    factories.in_cart(buyer, (factories.sku_of(factories.product(merchant_staff, leaf_category)), 1))
    client.force_login(buyer)
    assert client.get(reverse("buyer:checkout"), {"address": theirs.pk}).status_code == 404
    assert client.get(reverse("buyer:checkout"), {"address": 999999}).status_code == 404
    placed = client.post(
        reverse("buyer:checkout_place"), {"address": theirs.pk, "fingerprint": "x", "request_key": "k1"}
    )
    assert placed.status_code == 404
    assert not Order.objects.exists()
    assert client.get(reverse("buyer:checkout")).status_code == 200  # without one: the buyer's own first address


def test_an_aftersales_request_for_another_orders_line_is_not_found(
    api, buyer, other_buyer, merchant_staff, leaf_category
):
    sku = factories.sku_of(factories.product(merchant_staff, leaf_category))
    mine, theirs = factories.place(buyer, (sku, 1)), factories.place(other_buyer, (sku, 1))
    factories.pay(mine)
    factories.pay(theirs)
    order, other_line = mine.orders[0], theirs.orders[0].lines.get()
    body = {
        "order_number": order.number,
        "kind": "refund",
        "reason": "不想要了",
        "lines": [{"order_line_id": other_line.pk, "quantity": 1}],
    }
    response = api("post", "/aftersales", user=buyer, json=body)
    assert response.status_code == 404
    assert response.json()["field"] == "lines.0.order_line_id"
    assert not AftersalesRequest.objects.exists()


def test_ordering_a_gallery_with_another_products_image_is_not_found(
    api, merchant_staff, other_merchant_staff, leaf_category
):
    mine = factories.product(merchant_staff, leaf_category, publish=False)
    theirs = factories.product(other_merchant_staff, leaf_category, publish=False)
    own = catalog.image_add(actor=merchant_staff, product_id=mine.pk, data=image_bytes())
    other = catalog.image_add(actor=other_merchant_staff, product_id=theirs.pk, data=image_bytes())
    response = api(
        "put", f"/merchant/products/{mine.pk}/image-order", user=merchant_staff, json={"image_ids": [other.pk, own.pk]}
    )
    assert response.status_code == 404
    assert response.json()["field"] == "image_ids.0"
    ok = api("put", f"/merchant/products/{mine.pk}/image-order", user=merchant_staff, json={"image_ids": [own.pk]})
    assert ok.status_code == 200
