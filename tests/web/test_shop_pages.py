"""The shop page (店铺首页) with its scores beside its peers', and rating a shop from a completed order's page."""

import pytest
from django.urls import reverse

from jishi.orders.models import Order
from jishi.reviews import services
from tests import factories

pytestmark = pytest.mark.django_db


def completed(buyer, product):
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    return factories.complete(Order.objects.filter(buyer=buyer).order_by("-pk").first())


def test_the_shop_page_shows_its_goods_scores_and_the_way_to_it(english, buyer, home, shop, other_shop):
    order = completed(buyer, shop)
    services.shop_rate(actor=buyer, order_number=order.number, description=5, service=5, logistics=4)
    page = english.get(reverse("storefront:shop", args=[shop.merchant_id])).content.decode()
    assert shop.title in page
    assert other_shop.title not in page
    assert "Item as described" in page
    assert "<strong>5.0</strong>" in page
    assert "1 rating in the last 180 days" in page
    product = english.get(reverse("storefront:product", args=[shop.pk])).content.decode()
    assert reverse("storefront:shop", args=[shop.merchant_id]) in product
    assert english.get(reverse("storefront:shop", args=[999999])).status_code == 404


def test_a_completed_order_page_takes_the_three_scores_once(english, buyer, home, shop):
    order = completed(buyer, shop)
    english.force_login(buyer)
    url = reverse("buyer:order", args=[order.number])
    form = english.get(url).content.decode()
    assert 'name="description"' in form
    assert 'name="logistics"' in form
    answer = english.post(
        reverse("buyer:shop_rate", args=[order.number]), {"description": "4", "service": "5", "logistics": "3"}
    )
    assert answer.status_code == 302
    shown = english.get(url).content.decode()
    assert 'name="description"' not in shown
    assert "Seller service" in shown
