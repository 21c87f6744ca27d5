"""收藏, 关注 and 足迹 through the services: each member's own rows, idempotent writes, counts from real rows, and the
hourly price-drop notice (降价提醒) told once per drop."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.core.errors import NotAuthenticated
from jishi.core.money import Money
from jishi.favourites import selectors, services
from jishi.favourites.errors import ProductUnavailable, ShopNotFound
from jishi.favourites.models import Favourite, ProductView, ShopFollow
from jishi.favourites.tasks import favourites_price_drops
from jishi.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def reprice(owner, product, price):
    catalog.sku_update(actor=owner, sku_id=factories.sku_of(product).pk, price=Money.parse(price, "CNY"))


def test_a_favourite_keeps_the_price_it_was_saved_at_and_is_idempotent(buyer, shop, merchant_staff):
    # given a product at 99.00
    # when the buyer favourites it twice, the price changing in between
    first = services.favourite_add(actor=buyer, product_id=shop.pk)
    reprice(merchant_staff, shop, "120.00")
    again = services.favourite_add(actor=buyer, product_id=shop.pk)
    # then there is one favourite, at the first price
    assert again.pk == first.pk
    assert (Favourite.objects.count(), again.price) == (1, Money(9900, "CNY"))
    assert selectors.favourite_count(shop.pk) == 1


def test_only_a_product_on_sale_can_be_favourited(buyer, merchant_staff, leaf_category):
    # given a draft product and an id that names nothing
    draft = factories.product(merchant_staff, leaf_category, title="未上架猫砂", publish=False)
    # when the buyer favourites them, then each is not found, and nothing was written
    for product_id in (draft.pk, 999_999):
        with pytest.raises(ProductUnavailable) as refused:
            services.favourite_add(actor=buyer, product_id=product_id)
        assert (refused.value.code, refused.value.field) == ("favourites.product_not_found", "product_id")
    assert Favourite.objects.count() == 0


def test_an_anonymous_visitor_can_keep_nothing(shop):
    with pytest.raises(NotAuthenticated):
        services.favourite_add(actor=None, product_id=shop.pk)
    with pytest.raises(NotAuthenticated):
        services.follow_add(actor=None, merchant_id=shop.merchant_id)
    assert services.view_record(actor=None, product_id=shop.pk) is False
    assert (Favourite.objects.count(), ShopFollow.objects.count(), ProductView.objects.count()) == (0, 0, 0)


def test_removing_a_favourite_is_the_members_own_and_idempotent(buyer, other_buyer, shop):
    # given both buyers keep the product
    services.favourite_add(actor=buyer, product_id=shop.pk)
    services.favourite_add(actor=other_buyer, product_id=shop.pk)
    # when one removes it twice
    assert services.favourite_remove(actor=buyer, product_id=shop.pk) is True
    assert services.favourite_remove(actor=buyer, product_id=shop.pk) is False
    # then only their own went
    assert list(Favourite.objects.values_list("user_id", flat=True)) == [other_buyer.pk]
    assert selectors.favourite_count(shop.pk) == 1


def test_following_counts_real_follows_and_refuses_a_closed_shop(buyer, other_buyer, shop):
    # when two members follow the shop, one of them twice
    services.follow_add(actor=buyer, merchant_id=shop.merchant_id)
    services.follow_add(actor=buyer, merchant_id=shop.merchant_id)
    services.follow_add(actor=other_buyer, merchant_id=shop.merchant_id)
    # then the shop has two followers
    assert selectors.follower_count(shop.merchant_id) == 2
    assert [f.followers for f in selectors.follows_of(buyer)] == [2]
    assert selectors.following(buyer, shop.merchant_id) is True
    # and a shop that is not open cannot be followed
    shop.merchant.status = "suspended"
    shop.merchant.save()
    with pytest.raises(ShopNotFound):
        services.follow_add(actor=factories.user(), merchant_id=shop.merchant_id)
    # unfollowing is idempotent
    assert services.follow_remove(actor=buyer, merchant_id=shop.merchant_id) is True
    assert services.follow_remove(actor=buyer, merchant_id=shop.merchant_id) is False
    assert selectors.follower_count(shop.merchant_id) == 1


def test_a_view_is_one_upsert_that_moves_the_product_to_the_top(buyer, shop, other_shop, django_assert_num_queries):
    # given the buyer viewed shop's product, then other_shop's
    services.view_record(actor=buyer, product_id=shop.pk)
    services.view_record(actor=buyer, product_id=other_shop.pk)
    # when they view the first again
    with django_assert_num_queries(1):
        services.view_record(actor=buyer, product_id=shop.pk)
    # then it is on top, seen twice, in one row
    history = list(selectors.history_of(buyer))
    assert [(v.product_id, v.views) for v in history] == [(shop.pk, 2), (other_shop.pk, 1)]
    assert ProductView.objects.count() == 2


def test_history_is_cleared_one_product_or_all_of_it_and_only_the_members(buyer, other_buyer, shop, other_shop):
    for member in (buyer, other_buyer):
        services.view_record(actor=member, product_id=shop.pk)
        services.view_record(actor=member, product_id=other_shop.pk)
    assert services.history_remove(actor=buyer, product_id=shop.pk) is True
    assert services.history_remove(actor=buyer, product_id=shop.pk) is False
    assert [v.product_id for v in selectors.history_of(buyer)] == [other_shop.pk]
    assert services.history_clear(actor=buyer) == 1
    assert services.history_clear(actor=buyer) == 0
    assert selectors.history_of(buyer).count() == 0
    assert selectors.history_of(other_buyer).count() == 2


def test_interactions_name_favourites_and_views_since_a_time(buyer, other_buyer, shop, other_shop):
    services.favourite_add(actor=buyer, product_id=shop.pk)
    services.view_record(actor=other_buyer, product_id=other_shop.pk)
    earlier = timezone.now() - dt.timedelta(days=1)
    assert list(selectors.interactions(earlier)) == [
        (buyer.pk, shop.pk, "favourite"),
        (other_buyer.pk, other_shop.pk, "view"),
    ]
    assert list(selectors.interactions(timezone.now() + dt.timedelta(seconds=1))) == []


def _drops(user):
    return list(Notification.objects.filter(user=user, kind=services.PRICE_DROP_KIND).order_by("pk"))


def test_a_price_drop_is_told_once_per_drop(buyer, shop, merchant_staff):
    # given the buyer favourited the product at 99.00
    services.favourite_add(actor=buyer, product_id=shop.pk)
    # when the sweep runs before any drop, nobody is told
    favourites_price_drops.call()
    assert _drops(buyer) == []
    # when the price drops to 79.00 and the sweep runs twice
    reprice(merchant_staff, shop, "79.00")
    favourites_price_drops.call()
    favourites_price_drops.call()
    # then the buyer got one message, naming the product and both prices
    [told] = _drops(buyer)
    assert told.link == f"/p/{shop.pk}/"
    assert shop.title in told.title
    assert "79.00" in told.body
    assert "99.00" in told.body
    assert Favourite.objects.get().notified_price_minor == 7900
    assert [f.pk for f in selectors.favourites_of(buyer) if selectors.price_dropped(f)] == [Favourite.objects.get().pk]
    # when it goes back up to 89.00 (still below the saved price, above the last notice), nobody is told again
    reprice(merchant_staff, shop, "89.00")
    favourites_price_drops.call()
    assert len(_drops(buyer)) == 1
    # when it drops below the last notice, the buyer is told once more
    reprice(merchant_staff, shop, "69.00")
    favourites_price_drops.call()
    assert len(_drops(buyer)) == 2
    assert Favourite.objects.get().notified_price_minor == 6900


def test_several_drops_make_one_message_and_a_product_off_sale_none(
    buyer, other_buyer, shop, other_shop, merchant_staff, other_merchant_staff, leaf_category
):
    # given the buyer keeps three products and the other buyer one, and all three drop, one then taken off sale
    third = factories.product(merchant_staff, leaf_category, title="猫抓板", price="30.00")
    for product in (shop, other_shop, third):
        services.favourite_add(actor=buyer, product_id=product.pk)
    services.favourite_add(actor=other_buyer, product_id=third.pk)
    reprice(merchant_staff, shop, "90.00")
    reprice(other_merchant_staff, other_shop, "20.00")
    reprice(merchant_staff, third, "25.00")
    catalog.product_unlist(actor=merchant_staff, product_id=third.pk)
    # when the sweep runs
    assert favourites_price_drops.call() == 1
    # then the buyer gets one message about the two on sale, the other buyer nothing
    [told] = _drops(buyer)
    assert told.link == "/me/favourites/"
    assert "2" in told.title
    assert _drops(other_buyer) == []
    notified = dict(Favourite.objects.filter(user=buyer).values_list("product_id", "notified_price_minor"))
    assert notified == {shop.pk: 9000, other_shop.pk: 2000, third.pk: None}
