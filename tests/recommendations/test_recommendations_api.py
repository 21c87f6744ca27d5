"""The recommendations API: product cards like the listing's, public beside a product and for the best sellers,
signed-in for 为你推荐."""

import pytest

from jishi.favourites import services as favourites
from jishi.recommendations.services import recommendations_refresh
from tests import factories
from tests.recommendations.conftest import bought

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(buyer, other_buyer, shop, merchant_staff, leaf_category):
    litter = factories.product(merchant_staff, leaf_category, title="豆腐猫砂", price="39.00", stock=20)
    toy = factories.product(merchant_staff, leaf_category, title="逗猫棒", price="9.90", stock=20)
    bought(buyer, shop, litter)
    bought(other_buyer, shop, litter, toy)
    favourites.view_record(actor=buyer, product_id=toy.pk)
    recommendations_refresh()
    return shop, litter, toy


def test_beside_a_product_bought_and_viewed(api, history):
    food, litter, toy = history
    also_bought = api("get", f"/products/{food.pk}/recommendations?kind=bought")
    assert also_bought.status_code == 200
    body = also_bought.json()
    assert body["kind"] == "bought"
    assert [card["id"] for card in body["items"]] == [litter.pk, toy.pk]
    card = body["items"][0]
    assert (card["title"], card["price_from"], card["in_stock"]) == (
        "豆腐猫砂",
        {"amount": "39.00", "currency": "CNY"},
        True,
    )
    assert set(card) >= {"merchant", "category", "thumbnail_url", "sales_count"}
    viewed = api("get", f"/products/{food.pk}/recommendations").json()
    assert viewed["kind"] == "viewed"
    assert food.pk not in [c["id"] for c in viewed["items"]]
    assert [c["id"] for c in api("get", f"/products/{food.pk}/recommendations?limit=1").json()["items"]] == [litter.pk]


def test_bad_parameters_are_422_in_the_error_shape(api, history):
    food = history[0]
    for query in ("kind=liked", "limit=0", "limit=31", "limit=x"):
        response = api("get", f"/products/{food.pk}/recommendations?{query}")
        assert response.status_code == 422, query
        assert set(response.json()) == {"code", "message", "field"}
    assert api("get", "/products/0/recommendations").status_code == 422


def test_popular_for_everyone_and_for_you_for_members(api, history, buyer):
    food, litter, toy = history
    popular = api("get", "/recommendations/popular").json()
    assert (popular["kind"], [c["id"] for c in popular["items"]]) == ("popular", [food.pk, litter.pk, toy.pk])
    assert api("get", "/me/recommendations").status_code == 401
    mine = api("get", "/me/recommendations", user=buyer).json()
    assert (mine["kind"], [c["id"] for c in mine["items"]]) == ("member", [toy.pk])
    newcomer = api("get", "/me/recommendations", user=factories.user()).json()
    assert [c["id"] for c in newcomer["items"]] == [food.pk, litter.pk, toy.pk]
