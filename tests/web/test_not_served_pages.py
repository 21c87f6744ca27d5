"""A shop that does not deliver to the buyer's province: the product page says so instead of a fee, and the
checkout page keeps the buyer on it with the reason beside the addresses (not sent back to the cart)."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def not_to_guangdong(merchant_staff):
    return factories.fee_template(merchant_staff, not_served=["440000"])


def test_the_product_page_says_the_shop_does_not_deliver_there(english, buyer, home, shop, not_to_guangdong):
    english.force_login(buyer)
    page = english.get(reverse("storefront:product", args=[shop.pk])).content.decode()
    assert "This shop does not deliver there" in page
    assert "Free delivery" not in page


def test_checkout_stays_with_the_reason_and_another_address_prices_it(english, buyer, home, shop, not_to_guangdong):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    english.force_login(buyer)
    page = english.get(reverse("buyer:checkout"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'role="alert"' in body
    assert "广东" in body
    elsewhere = factories.address(buyer, province="浙江省", city="杭州市", district="西湖区")
    priced = english.get(f"{reverse('buyer:checkout')}?address={elsewhere.pk}").content.decode()
    assert 'role="alert"' not in priced
