"""What shoppers see of 拼团: the product page's ladder and open groups, a group's share page, the checkout, the
order page with leaving the group."""

import pytest
from django.test import TestCase

from jishi.groupbuy.models import Team
from jishi.orders.models import Order
from tests import factories
from tests.groupbuy.conftest import campaign, join, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="129.00", stock=20)


@pytest.fixture
def tiered(merchant_staff, product):
    return campaign(merchant_staff, product, (2, "99.00"), (5, "89.00"))


def test_the_product_page_shows_the_ladder_and_the_groups_nearest_to_filling(client, buyer, tiered, product):
    join(buyer, tiered)
    page = client.get(f"/p/{product.pk}/").content.decode()
    assert "¥99.00" in page
    assert "¥89.00" in page
    assert 'name="campaign"' in page
    team = Team.objects.get()
    assert f'name="group" value="{team.pk}"' in page


def test_a_product_without_a_group_buy_shows_none(client, product):
    page = client.get(f"/p/{product.pk}/").content.decode()
    assert 'name="campaign"' not in page


def test_the_buttons_take_the_buyer_to_checkout_for_the_group(client, buyer, tiered, product):
    client.force_login(buyer)
    sku = factories.sku_of(product)
    opened = client.post("/cart/add/", {"product_id": product.pk, "campaign": tiered.pk, "quantity": 1})
    assert opened.url == f"/checkout/?sku={sku.pk}&qty=1&campaign={tiered.pk}"
    joined = client.post(
        "/cart/add/", {"product_id": product.pk, "group": 7, "group_campaign": tiered.pk, "quantity": 1}
    )
    assert joined.url == f"/checkout/?sku={sku.pk}&qty=1&campaign={tiered.pk}&group=7"
    alone = client.post("/cart/add/", {"product_id": product.pk, "buy_now": 1, "group_campaign": tiered.pk})
    assert alone.url == f"/checkout/?sku={sku.pk}&qty=1"
    factories.address(buyer, is_default=True)
    checkout = client.get(opened.url).content.decode()
    assert "group-note" in checkout
    assert "¥99.00" in checkout


def test_the_share_page_shows_only_paid_members_and_a_qr_code(client, buyer, other_buyer, tiered):
    join(buyer, tiered)
    team = Team.objects.get()
    place(other_buyer, tiered, team_id=team.pk)  # placed, not paid: not shown
    page = client.get(f"/groups/{team.pk}/").content.decode()
    assert page.count('class="avatar big lead"') == 1
    assert page.count('class="avatar big"') == 0
    assert page.count("avatar big empty") == 1  # one more forms the group
    assert "<svg" in page
    assert f"group={team.pk}" in page  # a single-SKU product joins straight to checkout
    assert client.get("/groups/999999/").status_code == 404


def test_a_member_leaves_the_group_from_the_order_page(client, buyer, tiered):
    order = join(buyer, tiered)
    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "/leave-group/" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        left = client.post(f"/orders/{order.number}/leave-group/")
    assert left.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "closed"
    again = client.post(f"/orders/{order.number}/leave-group/", follow=True)  # a second time: refused, said why
    assert "只有等待成团的订单才能退出拼团。" in again.content.decode()
