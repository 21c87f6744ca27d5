"""What residents see of 社区团购: choosing a pickup point, its campaigns, and pickup at checkout."""

import pytest

from jishi.community import services as community
from jishi.community.models import Residence
from tests import factories
from tests.community.conftest import campaign, leader, shop_sku  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(reviewer, admin_operator):
    return leader(reviewer, admin_operator).leader.point


def test_a_resident_without_a_point_is_asked_to_choose_one(client, buyer, point):
    client.force_login(buyer)
    page = client.get("/community/").content.decode()
    assert "/community/points/" in page
    near = client.get("/community/points/?lat=22.5440&lng=114.0590").content.decode()
    assert point.name in near
    assert "公里" in near
    chosen = client.post(f"/community/points/{point.pk}/choose/")
    assert chosen.status_code == 302
    assert Residence.objects.get(user=buyer).point_id == point.pk
    assert client.get("/community/points/?lat=95&lng=0").status_code == 200  # out of range: the form says so


def test_the_points_of_the_residents_city_show_without_a_location(client, buyer, point):
    factories.address(buyer, is_default=True)  # 深圳市, like the point
    client.force_login(buyer)
    assert point.name in client.get("/community/points/").content.decode()


def test_the_point_s_campaigns_show_at_the_community_price_and_check_out_for_pickup(
    client,
    buyer,
    point,
    merchant_staff,
    shop_sku,  # noqa: F811
):
    campaign(merchant_staff, shop_sku, price="9.90")
    community.point_choose(actor=buyer, point_id=point.pk)
    factories.address(buyer, is_default=True)
    client.force_login(buyer)
    page = client.get("/community/").content.decode()
    assert "¥9.90" in page
    assert "¥19.90" in page
    added = client.post("/cart/add/", {"product_id": shop_sku.product_id, "quantity": 2})
    assert added.status_code == 302
    merchant_id = shop_sku.product.merchant_id
    checkout = client.get(f"/checkout/?item={shop_sku.pk}&pickup={merchant_id}").content.decode()
    assert point.name in checkout
    assert "¥19.80" in checkout  # two at ¥9.90, no delivery fee
    assert f"pickup={merchant_id}" not in checkout.split("pickup-choice on")[1].split("</p>")[0]  # switch off
    delivered = client.get(f"/checkout/?item={shop_sku.pk}").content.decode()
    assert "pickup-choice" in delivered  # offered: collect at my point
