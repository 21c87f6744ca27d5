"""What shoppers see of promotions: flash sales, coupons to claim, the wallet, savings in the cart and at checkout."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from jishi.core.money import Money
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.models import Coupon, FlashSession
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="120.00", stock=20)


@pytest.fixture
def flash(admin_operator, merchant_staff, product):
    """A running session selling 5 at ¥59.90, and one starting tomorrow."""
    session = promotions.flash_session_create(
        actor=admin_operator, title="20:00场", starts_at=hours(-0.5), ends_at=hours(2), real_name_required=False
    )
    promotions.flash_session_create(
        actor=admin_operator, title="明日10:00场", starts_at=hours(20), ends_at=hours(22), real_name_required=False
    )
    item = promotions.flash_item_apply(
        actor=merchant_staff,
        data=promotions.FlashApplication(
            session_id=session.pk, sku_id=factories.sku_of(product).pk, price=yuan("59.90"), quota=5
        ),
    )
    return promotions.flash_item_approve(actor=admin_operator, item_id=item.pk)


def _coupon(actor, *, platform=False, **changes):
    data = {
        "name": "平台券" if platform else "店铺券",
        "kind": CouponKind.AMOUNT,
        "amount": yuan("10.00"),
        "min_spend": yuan("100.00"),
        "total_quantity": 50,
        "valid_days": 7,
    }
    return promotions.coupon_template_create(
        actor=actor, data=promotions.CouponTemplateInput(**(data | changes)), platform=platform
    )


def test_the_flash_page_shows_the_running_session_with_what_is_left_and_a_way_to_buy(client, flash):
    page = client.get("/flash/").content.decode()
    # two sessions as tabs, the running one chosen: its title, its SKU at the flash price, what is left
    assert page.count('href="?s=') == 2
    assert "20:00场" in page
    assert "明日10:00场" not in page
    assert "¥59.90" in page
    assert "¥120.00" in page
    assert "已抢 0% · 剩 5 件" in page
    assert f"/checkout/?sku={flash.sku_id}&amp;qty=1&amp;flash={flash.pk}" in page
    # the session starting tomorrow has nothing to buy yet
    tomorrow = FlashSession.objects.get(title="明日10:00场")
    upcoming = client.get(f"/flash/?s={tomorrow.pk}").content.decode()
    assert "明日10:00场" in upcoming
    assert "flash=" not in upcoming


def test_buying_from_the_flash_page_places_a_flash_order_paid_within_minutes(client, buyer, flash):
    factories.address(buyer)
    client.force_login(buyer)
    link = f"/checkout/?sku={flash.sku_id}&qty=1&flash={flash.pk}"
    page = client.get(link).content.decode()
    assert "秒杀" in page
    assert "Coupons" not in page
    assert "优惠券" not in page
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)
    address = re.search(r'name="address" value="(\d+)"', page).group(1)
    placed = client.post(
        "/checkout/place/",
        {"address": address, "fingerprint": fingerprint, "sku": flash.sku_id, "qty": 1, "flash": flash.pk},
    )
    assert placed.status_code == 302
    assert "/pay/" in placed["Location"]
    order = Order.objects.get()
    assert (order.kind, order.total_minor - order.shipping_minor) == ("flash", 5990)


def test_the_product_page_shows_the_flash_sale_the_limited_price_the_offers_and_coupons_to_claim(
    client, buyer, merchant_staff, admin_operator, product, flash
):
    promotions.threshold_promotion_create(
        actor=merchant_staff,
        data=promotions.ThresholdPromotionInput(
            name="满200减30",
            tiers=[promotions.TierInput(threshold=yuan("200"), off=yuan("30"))],
            starts_at=hours(-1),
            ends_at=hours(24),
        ),
    )
    shop = _coupon(merchant_staff)
    _coupon(admin_operator, platform=True, name="平台满100减8", amount=yuan("8"))
    page = client.get(f"/p/{product.pk}/").content.decode()
    assert "¥59.90" in page
    assert "满200减30" in page
    assert "店铺券" in page
    assert "平台满100减8" in page
    # a guest is sent to log in to claim; a buyer claims and comes back to the product
    assert f"/login/?next=/p/{product.pk}/" in page
    client.force_login(buyer)
    claimed = client.post(f"/coupons/{shop.pk}/claim/", {"next": f"/p/{product.pk}/"})
    assert claimed["Location"] == f"/p/{product.pk}/"
    assert Coupon.objects.get(owner=buyer).template == shop


def test_a_limited_price_shows_struck_through_with_its_countdown(client, merchant_staff, product):
    sku = factories.sku_of(product)
    promotions.limited_price_create(
        actor=merchant_staff,
        data=promotions.LimitedPriceInput(sku_id=sku.pk, price=yuan("99.00"), starts_at=hours(-1), ends_at=hours(3)),
    )
    page = client.get(f"/p/{product.pk}/").content.decode()
    assert re.search(r'data-price>¥99.00</span><span class="compare" data-compare>¥120.00', page)
    assert "限时折扣" in page
    assert "data-countdown" in page
    # and the product's card says so on the search page
    cache.clear()
    listing = client.get("/search/").content.decode()
    assert "限时折扣" in listing
    assert "¥99.00" in listing
    assert 'class="countdown card-countdown" data-countdown="' in listing


def test_the_coupon_centre_and_the_wallet(client, buyer, merchant_staff, admin_operator):
    platform = _coupon(admin_operator, platform=True)
    shop = _coupon(merchant_staff, kind=CouponKind.PERCENT, amount=yuan("20"), percent_off=15, name="85折券")
    client.force_login(buyer)
    centre = client.get("/coupons/").content.decode()
    assert centre.index("平台券") < centre.index("85折券")  # the platform's first
    assert "8.5折" in centre
    assert "最高减¥20.00" in centre
    client.post(f"/coupons/{platform.pk}/claim/", {"next": "/coupons/"})
    assert client.get("/coupons/").content.decode().count("已领取") == 1
    wallet = client.get("/me/coupons/").content.decode()
    assert "平台券" in wallet
    assert "85折券" not in wallet
    assert "平台券" not in client.get("/me/coupons/?tab=used").content.decode()
    assert not Coupon.objects.filter(template=shop).exists()


def test_the_checkout_picks_the_best_coupon_and_the_buyer_may_choose_none(client, buyer, merchant_staff, product):
    template = _coupon(merchant_staff)
    promotions.coupon_claim(actor=buyer, template_id=template.pk)
    factories.address(buyer)
    client.force_login(buyer)
    sku = factories.sku_of(product)
    best = client.get(f"/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "-¥10.00" in best
    assert "checked" in best.split("coupon-pick")[1]
    none = client.get(f"/checkout/?sku={sku.pk}&qty=1&coupons_chosen=1").content.decode()
    assert "-¥10.00" not in none
    # and placing keeps that choice: the order has no coupon, and the coupon stays in the wallet
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', none).group(1)
    address = re.search(r'name="address" value="(\d+)"', none).group(1)
    client.post(
        "/checkout/place/",
        {"address": address, "fingerprint": fingerprint, "sku": sku.pk, "qty": 1, "coupons_chosen": "1"},
    )
    assert Order.objects.get().discount_minor == 0
    assert Coupon.objects.get().checkout_number == ""


def test_the_cart_names_the_shops_offers_and_what_more_earns_the_next_tier(client, buyer, merchant_staff, product):
    promotions.threshold_promotion_create(
        actor=merchant_staff,
        data=promotions.ThresholdPromotionInput(
            name="满200减30",
            tiers=[
                promotions.TierInput(threshold=yuan("200"), off=yuan("30")),
                promotions.TierInput(threshold=yuan("300"), off=yuan("50")),
            ],
            starts_at=hours(-1),
            ends_at=hours(24),
        ),
    )
    factories.in_cart(buyer, (factories.sku_of(product), 2))
    client.force_login(buyer)
    page = client.get("/cart/").content.decode()
    assert "-¥30.00" in page
    assert "¥60.00" in page  # ¥240 in the cart: ¥60 more earns 满300减50


def test_a_promotion_started_shows_on_the_product_page_at_once(
    client, merchant_staff, product, django_capture_on_commit_callbacks
):
    assert "满300减40" not in client.get(f"/p/{product.pk}/").content.decode()  # read, and cached
    with django_capture_on_commit_callbacks(execute=True):
        promotions.threshold_promotion_create(
            actor=merchant_staff,
            data=promotions.ThresholdPromotionInput(
                name="满300减40",
                tiers=[promotions.TierInput(threshold=yuan("300"), off=yuan("40"))],
                starts_at=hours(-1),
                ends_at=hours(24),
            ),
        )
    assert "满300减40" in client.get(f"/p/{product.pk}/").content.decode()
