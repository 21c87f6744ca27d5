"""买了又买, 看了又看 and 为你推荐 from the nightly tables: learnt from real orders, favourites and views; only products
on sale, never the product itself, topped up with the best sellers; two statements each."""

import pytest

from jishi.catalog import services as catalog
from jishi.favourites import services as favourites
from jishi.recommendations import selectors
from jishi.recommendations.models import Popular, Similar
from jishi.recommendations.services import recommendations_refresh
from jishi.recommendations.tasks import recommendations_refresh as refresh_task
from tests import factories
from tests.recommendations.conftest import bought

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(merchant_staff, leaf_category):
    return [
        factories.product(merchant_staff, leaf_category, title=title, price="10.00", stock=50)
        for title in ("猫粮", "猫砂", "猫抓板", "逗猫棒", "猫罐头")
    ]


def ids(cards):
    return [card.pk for card in cards]


def test_co_purchases_make_bought_neighbours_most_alike_first(buyer, other_buyer, products):
    food, litter, scratcher, _, cans = products
    # given two buyers bought food with litter, one of them with a scratcher too, and a third only cans
    bought(buyer, food, litter, scratcher)
    bought(other_buyer, food, litter)
    bought(factories.user(), cans)
    # when the tables are rebuilt
    done = recommendations_refresh()
    # then food's co-purchases are litter (both buyers), then the scratcher: the cosine, shrunk by n / (n + 5) for
    # the n buyers who took both, weighed by the share of the most-taken product's buyers who took the neighbour
    assert [other for other, _ in selectors.neighbour_scores(food.pk, "bought")] == [litter.pk, scratcher.pk]
    score = dict(selectors.neighbour_scores(food.pk, "bought"))
    assert score[litter.pk] == pytest.approx(1.0 * 2 / 7 * 1.0, abs=1e-6)
    assert score[scratcher.pk] == pytest.approx(1 / 2**0.5 * 1 / 6 * 1 / 2, abs=1e-6)
    assert selectors.neighbour_scores(cans.pk, "bought") == []
    assert done.popular == 4
    # and 买了又买 shows them, then tops up with the best sellers, never food itself
    shown = ids(selectors.also_bought(food.pk, limit=4))
    assert shown == [litter.pk, scratcher.pk, cans.pk]
    assert food.pk not in shown


def test_views_and_favourites_make_viewed_neighbours(buyer, other_buyer, products):
    food, _, scratcher, toy, _ = products
    # given the two buyers looked at the toy and food, one favourited the scratcher with them, nobody bought anything
    for member in (buyer, other_buyer):
        favourites.view_record(actor=member, product_id=food.pk)
        favourites.view_record(actor=member, product_id=toy.pk)
    favourites.favourite_add(actor=buyer, product_id=scratcher.pk)
    recommendations_refresh()
    # then 看了又看 beside food is the toy, then the scratcher; and there are no co-purchases
    assert ids(selectors.also_viewed(food.pk, limit=5)) == [toy.pk, scratcher.pk]
    assert Similar.objects.filter(kind="bought").count() == 0
    assert Popular.objects.count() == 0


def test_a_product_off_sale_or_sold_out_is_never_recommended(buyer, other_buyer, products, merchant_staff):
    food, litter, scratcher, toy, _ = products
    bought(buyer, food, litter, scratcher, toy)
    bought(other_buyer, food, litter, scratcher, toy)
    recommendations_refresh()
    # when litter is taken off sale and the scratcher sells out
    catalog.product_unlist(actor=merchant_staff, product_id=litter.pk)
    catalog.sku_update(actor=merchant_staff, sku_id=factories.sku_of(scratcher).pk, stock=0)
    # then no list shows either
    for cards in (
        selectors.also_bought(food.pk),
        selectors.also_viewed(food.pk),
        selectors.for_member(factories.user().pk),
        selectors.popular(),
    ):
        assert litter.pk not in ids(cards)
        assert scratcher.pk not in ids(cards)
    assert ids(selectors.also_bought(food.pk)) == [toy.pk]


def test_for_member_sums_neighbours_of_recent_products_and_leaves_out_what_they_bought(buyer, other_buyer, products):
    food, litter, scratcher, toy, cans = products
    # given others bought food with litter and the toy, and cans with the scratcher
    bought(other_buyer, food, litter, toy)
    bought(factories.user(), food, litter)
    bought(factories.user(), cans, scratcher)
    # and the member bought litter and looked at food
    bought(buyer, litter)
    favourites.view_record(actor=buyer, product_id=food.pk)
    recommendations_refresh()
    # then 为你推荐 ranks food (which they looked at and the litter's buyers bought) and the toy (bought with both)
    # above the best sellers, and never litter
    shown = ids(selectors.for_member(buyer.pk, limit=5))
    assert shown[:2] == [food.pk, toy.pk]
    assert litter.pk not in shown
    assert set(shown) == {food.pk, toy.pk, cans.pk, scratcher.pk}


def test_a_new_member_and_a_product_without_neighbours_get_the_best_sellers(buyer, other_buyer, products):
    food, litter, _, _, cans = products
    bought(buyer, food, litter)
    bought(other_buyer, food)
    recommendations_refresh()
    assert ids(selectors.popular()) == [food.pk, litter.pk]
    assert ids(selectors.for_member(factories.user().pk)) == [food.pk, litter.pk]
    assert ids(selectors.also_viewed(cans.pk)) == [food.pk, litter.pk]


@pytest.mark.parametrize("history", [1, 4])
def test_each_list_costs_two_statements_whatever_the_history(
    history, buyer, other_buyer, products, django_assert_num_queries
):
    # given the member bought one product and looked at one or four others
    bought(buyer, products[-1])
    for product in products[:history]:
        favourites.view_record(actor=buyer, product_id=product.pk)
    bought(other_buyer, *products)
    recommendations_refresh()
    for read in (
        lambda: selectors.also_bought(products[0].pk),
        lambda: selectors.also_viewed(products[0].pk),
        lambda: selectors.for_member(buyer.pk),
        selectors.popular,
    ):
        with django_assert_num_queries(2):
            read()


def test_the_nightly_task_rebuilds_the_same_tables_from_the_same_history(buyer, other_buyer, products):
    food, litter, scratcher, _, _ = products
    bought(buyer, food, litter)
    bought(other_buyer, food, scratcher)

    def tables():
        return (
            sorted(Similar.objects.values_list("product_id", "other_id", "kind", "score")),
            sorted(Popular.objects.values_list("product_id", "units", "rank")),
        )

    # food~litter and food~scratcher both ways, of each kind, and three best sellers
    assert refresh_task.call() == 4 + 4 + 3
    first = tables()
    refresh_task.call()
    assert tables() == first
