"""店铺评分: a buyer rates the shop of a completed order on three scores, once, within 90 days; the shop page and
the API show the rolling 180-day averages beside those of the shops selling in the same top-level category."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jishi.orders.errors import OrderNotFound
from jishi.orders.models import Order
from jishi.reviews import selectors, services
from jishi.reviews.errors import AlreadyRated, NotRatable, ReviewInvalid
from jishi.reviews.models import ShopRating
from tests import factories

pytestmark = pytest.mark.django_db


def completed(buyer, product):
    placement = factories.place(buyer, (factories.sku_of(product), 1))
    factories.pay(placement)
    order = Order.objects.filter(buyer=buyer).order_by("-pk").first()
    return factories.complete(order)


def rate(buyer, order, d=5, s=5, lg=5):
    return services.shop_rate(actor=buyer, order_number=order.number, description=d, service=s, logistics=lg)


def test_a_completed_order_is_rated_once(buyer, home, shop, other_buyer):
    order = completed(buyer, shop)
    rating = rate(buyer, order, 5, 4, 3)
    assert (rating.merchant_id, rating.description, rating.service, rating.logistics) == (order.merchant_id, 5, 4, 3)
    with pytest.raises(AlreadyRated):
        rate(buyer, order)
    with pytest.raises(OrderNotFound):
        rate(other_buyer, order)
    assert ShopRating.objects.count() == 1


def test_only_completed_orders_within_ninety_days_with_scores_of_one_to_five(buyer, delivered, shop):
    with pytest.raises(NotRatable):
        rate(buyer, delivered)  # received, but its after-sales window is still open
    Order.objects.filter(pk=delivered.pk).update(
        status="completed", completed_at=timezone.now() - dt.timedelta(days=91)
    )
    delivered.refresh_from_db()
    with pytest.raises(NotRatable):
        rate(buyer, delivered)
    Order.objects.filter(pk=delivered.pk).update(completed_at=timezone.now())
    delivered.refresh_from_db()
    for bad in ({"d": 0}, {"s": 6}, {"lg": -1}):
        with pytest.raises(ReviewInvalid):
            rate(buyer, delivered, **bad)
    assert not ShopRating.objects.exists()


def test_averages_over_180_days_beside_the_peers(buyer, other_buyer, home, shop, other_shop):
    factories.address(other_buyer, is_default=True)
    rate(buyer, completed(buyer, shop), 5, 5, 4)
    rate(other_buyer, completed(other_buyer, shop), 4, 5, 4)
    rate(buyer, completed(buyer, other_shop), 3, 4, 4)  # the other shop sells in the same category: a peer
    old = rate(other_buyer, completed(other_buyer, other_shop), 1, 1, 1)
    ShopRating.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=181))
    found = selectors.shop_scores(shop.merchant_id, now=timezone.now())
    by_name = {s.name: s for s in found.scores}
    assert found.count == 2
    assert (by_name["description"].average, by_name["description"].peers) == (Decimal("4.5"), Decimal("4.0"))
    assert by_name["description"].versus == Decimal("12.5")
    assert by_name["logistics"].versus == Decimal("0.0")
    empty = selectors.shop_scores(shop.merchant_id, now=timezone.now() + dt.timedelta(days=400))
    assert empty.count == 0
    assert all(s.average is None and s.versus is None for s in empty.scores)


def test_the_api_rates_and_shows_scores(api, buyer, home, shop):
    order = completed(buyer, shop)
    answer = api(
        "post", f"/orders/{order.number}/shop-rating", user=buyer, json={"description": 5, "service": 4, "logistics": 5}
    )
    assert answer.status_code == 201
    again = api(
        "post", f"/orders/{order.number}/shop-rating", user=buyer, json={"description": 5, "service": 4, "logistics": 5}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "reviews.already_rated"
    bad = api(
        "post", f"/orders/{order.number}/shop-rating", user=buyer, json={"description": 9, "service": 4, "logistics": 5}
    )
    assert bad.status_code == 422
    scores = api("get", f"/merchants/{shop.merchant_id}/scores").json()
    assert scores["count"] == 1
    assert [(s["name"], s["average"]) for s in scores["scores"]] == [
        ("description", "5.0"),
        ("service", "4.0"),
        ("logistics", "5.0"),
    ]
    assert api("get", "/merchants/999999/scores").status_code == 404
