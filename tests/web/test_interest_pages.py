"""收藏, 关注 and 足迹 on the pages: the product page's toggles, counts, 会员价 and 看了又看 / 买了又买 rows, the
home page's 为你推荐, and the member's three lists under 我的."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.favourites import services as favourites
from jishi.favourites.models import Favourite, ProductView, ShopFollow
from jishi.loyalty import services as loyalty
from jishi.loyalty.models import Member, Tier
from jishi.recommendations import selectors as recommendations
from jishi.recommendations.services import recommendations_refresh
from tests import factories
from tests.recommendations.conftest import bought

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(merchant_staff, leaf_category):
    return [
        factories.product(merchant_staff, leaf_category, title=title, price="99.00", stock=50)
        for title in ("渴望猫粮", "豆腐猫砂", "瓦楞猫抓板", "逗猫棒")
    ]


def _page(client, product) -> str:
    answer = client.get(f"/p/{product.pk}/")
    assert answer.status_code == 200
    return answer.content.decode()


def _htmx_post(client, path: str, data: dict) -> object:
    return client.post(path, data, headers={"HX-Request": "true"})


# 收藏 and 关注 ---------------------------------------------------------------------------------------------------


def test_favouriting_from_the_product_page_toggles_and_counts(english, buyer, other_buyer, products):
    food = products[0]
    favourites.favourite_add(actor=other_buyer, product_id=food.pk)
    english.force_login(buyer)
    # when the buyer taps 收藏 (htmx)
    answer = _htmx_post(english, f"/me/favourites/{food.pk}/", {"favourite": "1", "variant": "bar"})
    # then the button comes back pressed, with the real count of two members
    body = answer.content.decode()
    assert answer.status_code == 200
    assert 'aria-pressed="true"' in body
    assert '<span class="interest-count" title="Favourited by 2">2</span>' in body
    assert Favourite.objects.filter(user=buyer, product=food).exists()
    # and pressing it again (favourite=0) removes it, without htmx going back to the page it was pressed on
    again = english.post(f"/me/favourites/{food.pk}/", {"favourite": "0", "next": f"/p/{food.pk}/"})
    assert (again.status_code, again["Location"]) == (302, f"/p/{food.pk}/")
    assert not Favourite.objects.filter(user=buyer, product=food).exists()
    assert Favourite.objects.filter(product=food).count() == 1


def test_the_favourite_count_is_hidden_at_zero_and_real_above(english, buyer, other_buyer, products):
    food = products[0]
    assert "interest-count" not in _page(english, food)
    for member in (buyer, other_buyer):
        favourites.favourite_add(actor=member, product_id=food.pk)
    page = _page(english, food)
    assert page.count('<span class="interest-count" title="Favourited by 2">2</span>') == 2  # the bar and desktop


def test_a_signed_out_toggle_goes_to_log_in_and_back_to_the_product(client, products):
    food = products[0]
    # a plain post
    answer = client.post(f"/me/favourites/{food.pk}/", {"favourite": "1", "next": f"/p/{food.pk}/"})
    assert (answer.status_code, answer["Location"]) == (302, f"/login/?next=%2Fp%2F{food.pk}%2F")
    # htmx: a whole-page visit, never the log-in form swapped into the button
    answer = _htmx_post(client, f"/me/follows/{food.merchant_id}/", {"follow": "1", "next": f"/p/{food.pk}/"})
    assert (answer.status_code, answer["HX-Redirect"]) == (204, f"/login/?next=%2Fp%2F{food.pk}%2F")
    assert (Favourite.objects.count(), ShopFollow.objects.count()) == (0, 0)
    # and the page offers the log-in link rather than a form
    assert f'href="/login/?next=/p/{food.pk}/"' in _page(client, food)


def test_following_the_shop_from_the_product_page_counts_its_followers(english, buyer, other_buyer, products):
    food = products[0]
    favourites.follow_add(actor=other_buyer, merchant_id=food.merchant_id)
    english.force_login(buyer)
    assert "Followers 1" in _page(english, food)
    # when the buyer follows the shop (htmx)
    answer = _htmx_post(english, f"/me/follows/{food.merchant_id}/", {"follow": "1"})
    # then the button says Following and the count, swapped out of band, is two
    body = answer.content.decode()
    assert "Following" in body
    assert re.search(r'<span id="shop-followers" class="meta" hx-swap-oob="true">\s*Followers 2\s*</span>', body)
    assert ShopFollow.objects.filter(merchant_id=food.merchant_id).count() == 2
    # and unfollowing takes it back
    _htmx_post(english, f"/me/follows/{food.merchant_id}/", {"follow": "0"})
    assert "Followers 1" in _page(english, food)


# 足迹 --------------------------------------------------------------------------------------------------------


def test_a_members_visit_is_recorded_and_an_anonymous_one_is_not(client, buyer, products):
    food = products[0]
    _page(client, food)
    assert ProductView.objects.count() == 0
    client.force_login(buyer)
    _page(client, food)
    _page(client, food)
    assert list(ProductView.objects.values_list("user_id", "product_id", "views")) == [(buyer.pk, food.pk, 2)]


def test_a_history_that_cannot_be_written_never_fails_the_page(client, buyer, products, monkeypatch):
    from django.db import OperationalError

    def locked(**_kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(favourites, "view_record", locked)
    client.force_login(buyer)
    assert "渴望猫粮" in _page(client, products[0])


def test_history_groups_by_day_removes_one_and_clears(english, buyer, products):
    food, litter, board, _ = products
    for product in (food, litter, board):
        favourites.view_record(actor=buyer, product_id=product.pk)
    ProductView.objects.filter(product=board).update(viewed_at=timezone.now() - dt.timedelta(days=1))
    english.force_login(buyer)
    page = english.get("/me/history/").content.decode()
    assert (
        page.index("Viewed today") < page.index("豆腐猫砂") < page.index("Viewed yesterday") < page.index("瓦楞猫抓板")
    )
    # when one is removed (htmx: its tile goes)
    removed = _htmx_post(english, f"/me/history/{litter.pk}/remove/", {})
    assert (removed.status_code, removed.content) == (200, b"")
    assert set(ProductView.objects.values_list("product_id", flat=True)) == {food.pk, board.pk}
    # when the whole history is cleared
    cleared = english.post("/me/history/clear/")
    assert (cleared.status_code, cleared["Location"]) == (302, "/me/history/")
    assert ProductView.objects.count() == 0
    assert "Nothing viewed yet." in english.get("/me/history/").content.decode()


def test_history_clear_asks_first(english, buyer, products):
    favourites.view_record(actor=buyer, product_id=products[0].pk)
    english.force_login(buyer)
    assert 'data-confirm="Clear your whole browsing history?"' in english.get("/me/history/").content.decode()


# 我的收藏 and 关注的店铺 ---------------------------------------------------------------------------------------


def test_my_favourites_show_the_price_now_and_the_drop(english, buyer, merchant_staff, products):
    food, litter, *_ = products
    favourites.favourite_add(actor=buyer, product_id=food.pk)
    favourites.favourite_add(actor=buyer, product_id=litter.pk)
    catalog.sku_update(actor=merchant_staff, sku_id=factories.sku_of(food).pk, price=Money.parse("79.00", "CNY"))
    english.force_login(buyer)
    page = english.get("/me/favourites/").content.decode()
    assert '<span class="price">¥79.00</span> <span class="interest-drop">Down ¥20.00</span>' in page
    assert page.count("interest-drop") == 1  # litter kept its price
    # when one is removed from the list (htmx: its row goes)
    removed = _htmx_post(english, f"/me/favourites/{food.pk}/", {"favourite": "0", "variant": "row"})
    assert (removed.status_code, removed.content) == (200, b"")
    assert list(Favourite.objects.values_list("product_id", flat=True)) == [litter.pk]


def test_my_follows_list_and_unfollow(english, buyer, products):
    food = products[0]
    favourites.follow_add(actor=buyer, merchant_id=food.merchant_id)
    english.force_login(buyer)
    page = english.get("/me/follows/").content.decode()
    assert food.merchant.name in page
    assert "Followers 1" in page
    english.post(f"/me/follows/{food.merchant_id}/", {"follow": "0", "next": "/me/follows/"})
    assert ShopFollow.objects.count() == 0
    assert "You follow no shops yet" in english.get("/me/follows/").content.decode()


def test_the_me_page_counts_favourites_follows_and_history(english, buyer, other_buyer, products):
    food, litter, *_ = products
    favourites.favourite_add(actor=buyer, product_id=food.pk)
    favourites.favourite_add(actor=other_buyer, product_id=litter.pk)  # someone else's
    favourites.follow_add(actor=buyer, merchant_id=food.merchant_id)
    for product in products[:3]:
        favourites.view_record(actor=buyer, product_id=product.pk)
    english.force_login(buyer)
    page = english.get("/me/").content.decode()
    assert '<a href="/me/favourites/"><strong>1</strong>Favourites</a>' in page
    assert '<a href="/me/follows/"><strong>1</strong>Shops followed</a>' in page
    assert '<a href="/me/history/"><strong>3</strong>Browsing history</a>' in page


def test_the_lists_are_for_members(client):
    for path in ("/me/favourites/", "/me/follows/", "/me/history/"):
        answer = client.get(path)
        assert (answer.status_code, answer["Location"]) == (302, f"/login/?next={path}")


# 会员价 --------------------------------------------------------------------------------------------------------------


def test_the_member_price_line_names_its_tier_and_says_when_it_applies(english, buyer, merchant_staff, products):
    food = products[0]
    sku = factories.sku_of(food)
    assert "Member price" not in _page(english, food)
    loyalty.member_price_set(actor=merchant_staff, sku_id=sku.pk, price=Money.parse("89.00", "CNY"))
    # an anonymous visitor sees the price and its tier
    page = _page(english, food)
    assert re.search(
        r"Member price</span> <strong>¥89.00</strong>\s*<span class=\"meta\">Silver and above</span>", page
    )
    # a regular member too; a silver member is told it applies
    english.force_login(buyer)
    assert "Silver and above" in _page(english, food)
    Member.objects.create(user=buyer, tier=Tier.SILVER)
    page = _page(english, food)
    assert "Your tier gets this price" in page
    assert "Silver and above" not in page


# Recommendations ----------------------------------------------------------------------------------------------------


def _ids_in(section: str, page: str) -> list[int]:
    match = re.search(rf'<section class="reco-row" aria-labelledby="{section}">(.*?)</section>', page, re.S)
    return [int(pk) for pk in re.findall(r'href="/p/(\d+)/"', match.group(1))] if match else []


def test_the_product_page_rows_show_what_the_recommendations_choose(client, buyer, other_buyer, products):
    food, litter, board, toy = products
    bought(buyer, food, litter)
    bought(other_buyer, food, board)
    for member in (buyer, other_buyer):
        favourites.view_record(actor=member, product_id=food.pk)
        favourites.view_record(actor=member, product_id=toy.pk)
    recommendations_refresh()
    page = _page(client, food)
    assert _ids_in("reco-viewed", page) == [card.pk for card in recommendations.also_viewed(food.pk)]
    assert _ids_in("reco-bought", page) == [card.pk for card in recommendations.also_bought(food.pk)]
    assert toy.pk in _ids_in("reco-viewed", page)
    assert _ids_in("reco-bought", page)[:2] == sorted([litter.pk, board.pk], key=_ids_in("reco-bought", page).index)
    assert food.pk not in _ids_in("reco-viewed", page) + _ids_in("reco-bought", page)


def test_empty_rows_are_hidden(client, products):
    # nothing learnt yet and no best sellers: no rows at all
    page = _page(client, products[0])
    assert "reco-row" not in page


def test_the_home_page_recommends_for_a_member_only(english, buyer, products):
    litter = products[1]
    bought(factories.user(), litter)
    recommendations_refresh()
    anonymous = english.get("/").content.decode()
    assert "Recommended for you" not in anonymous  # the page's best-selling list serves visitors
    english.force_login(buyer)
    member = english.get("/").content.decode()
    assert "Recommended for you" in member
    shown = re.search(r'<section class="reco-home".*?</section>', member, re.S).group(0)
    expected = [card.pk for card in recommendations.for_member(buyer.pk, 10)]
    assert [int(pk) for pk in re.findall(r'href="/p/(\d+)/"', shown)] == expected == [litter.pk]
