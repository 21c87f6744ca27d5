"""The 收藏 / 关注 / 足迹 API: signed-in members only, each their own rows, errors in the one shape."""

import pytest

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.favourites import services
from jishi.favourites.models import Favourite, ProductView, ShopFollow
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/favourites"),
        ("post", "/me/favourites/1"),
        ("delete", "/me/favourites/1"),
        ("get", "/me/follows"),
        ("post", "/me/follows/1"),
        ("delete", "/me/follows/1"),
        ("get", "/me/history"),
        ("delete", "/me/history"),
        ("delete", "/me/history/1"),
    ],
)
def test_every_route_wants_a_signed_in_member(api, method, path):
    response = api(method, path)
    assert (response.status_code, response.json()["code"]) == (401, "auth.not_authenticated")


def test_favouriting_through_the_api(api, buyer, other_buyer, shop, merchant_staff):
    # when the buyer favourites a product twice
    first = api("post", f"/me/favourites/{shop.pk}", user=buyer)
    again = api("post", f"/me/favourites/{shop.pk}", user=buyer)
    # then both answer the same state, with the count from real rows
    assert first.status_code == 201, first.json()
    assert first.json() == again.json() == {"product_id": shop.pk, "favourited": True, "favourites": 1}
    # and when the price drops the list says so
    catalog.sku_update(actor=merchant_staff, sku_id=factories.sku_of(shop).pk, price=Money.parse("88.00", "CNY"))
    listed = api("get", "/me/favourites", user=buyer).json()
    assert (listed["count"], listed["pages"]) == (1, 1)
    [item] = listed["items"]
    assert item["product"]["id"] == shop.pk
    assert item["product"]["title"] == shop.title
    assert (item["saved_price"]["amount"], item["price_now"]["amount"]) == ("99.00", "88.00")
    assert (item["price_dropped"], item["on_sale"]) == (True, True)
    # another member's list is their own
    assert api("get", "/me/favourites", user=other_buyer).json()["items"] == []
    # removing answers the new count, twice alike
    for _ in range(2):
        gone = api("delete", f"/me/favourites/{shop.pk}", user=buyer)
        assert gone.json() == {"product_id": shop.pk, "favourited": False, "favourites": 0}
    assert Favourite.objects.count() == 0


def test_a_product_not_on_sale_or_a_bad_id_is_a_4xx_in_the_error_shape(api, buyer, merchant_staff, leaf_category):
    draft = factories.product(merchant_staff, leaf_category, title="草稿", publish=False)
    missing = api("post", f"/me/favourites/{draft.pk}", user=buyer)
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "favourites.product_not_found",
        "message": missing.json()["message"],
        "field": "product_id",
    }
    for bad in ("abc", "0", str(2**60)):
        response = api("post", f"/me/favourites/{bad}", user=buyer)
        assert response.status_code == 422, bad
        assert set(response.json()) == {"code", "message", "field"}
    assert api("get", "/me/favourites?page_size=101", user=buyer).status_code == 422
    assert Favourite.objects.count() == 0


def test_following_through_the_api(api, buyer, other_buyer, shop):
    merchant_id = shop.merchant_id
    followed = api("post", f"/me/follows/{merchant_id}", user=buyer)
    assert followed.status_code == 201
    assert followed.json() == {"merchant_id": merchant_id, "following": True, "followers": 1}
    api("post", f"/me/follows/{merchant_id}", user=other_buyer)
    [item] = api("get", "/me/follows", user=buyer).json()["items"]
    assert (item["merchant"], item["followers"]) == ({"id": merchant_id, "name": shop.merchant.name}, 2)
    unknown = api("post", "/me/follows/999999", user=buyer)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "favourites.shop_not_found")
    assert api("delete", f"/me/follows/{merchant_id}", user=buyer).json()["followers"] == 1
    assert list(ShopFollow.objects.values_list("user_id", flat=True)) == [other_buyer.pk]


def test_history_through_the_api(api, buyer, other_buyer, shop, other_shop, merchant_staff):
    # given the buyer viewed two products, the first twice and last, and the other buyer one
    services.view_record(actor=buyer, product_id=other_shop.pk)
    services.view_record(actor=buyer, product_id=shop.pk)
    services.view_record(actor=buyer, product_id=shop.pk)
    services.view_record(actor=other_buyer, product_id=shop.pk)
    catalog.product_unlist(actor=merchant_staff, product_id=shop.pk)
    # then the history is newest first, paged, and says which is off sale now
    page = api("get", "/me/history?page_size=1", user=buyer).json()
    assert (page["count"], page["pages"], page["page_size"]) == (2, 2, 1)
    assert [(i["product"]["id"], i["views"], i["on_sale"]) for i in page["items"]] == [(shop.pk, 2, False)]
    second = api("get", "/me/history?page=2&page_size=1", user=buyer).json()
    assert [i["product"]["id"] for i in second["items"]] == [other_shop.pk]
    # one product, then all of it, goes; the other buyer's stays
    assert api("delete", f"/me/history/{shop.pk}", user=buyer).status_code == 204
    assert api("delete", f"/me/history/{shop.pk}", user=buyer).status_code == 204
    assert [i["product"]["id"] for i in api("get", "/me/history", user=buyer).json()["items"]] == [other_shop.pk]
    assert api("delete", "/me/history", user=buyer).status_code == 204
    assert api("get", "/me/history", user=buyer).json()["count"] == 0
    assert list(ProductView.objects.values_list("user_id", flat=True)) == [other_buyer.pk]


def test_the_favourites_list_costs_the_same_for_one_as_for_four(
    api, buyer, merchant_staff, leaf_category, shop, django_assert_max_num_queries
):
    services.favourite_add(actor=buyer, product_id=shop.pk)
    with django_assert_max_num_queries(99) as one:
        api("get", "/me/favourites", user=buyer)
    for n in range(3):
        product = factories.product(merchant_staff, leaf_category, title=f"猫粮 {n}")
        services.favourite_add(actor=buyer, product_id=product.pk)
    with django_assert_max_num_queries(99) as four:
        listed = api("get", "/me/favourites", user=buyer)
    assert len(listed.json()["items"]) == 4
    assert len(four) == len(one)
