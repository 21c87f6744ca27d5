"""Sold counts are real: what a card and a product page say equals the paid units that were not refunded."""

import pytest
from django.db.models import F, Sum
from django.test import Client

from jishi.aftersales import services as aftersales
from jishi.catalog.models import Product
from jishi.checkout import services as checkout
from jishi.orders.models import OrderLine
from tests import factories


def _paid_units(product):
    """Units paid for and not refunded; a group buy's (拼团) count once its group forms."""
    lines = OrderLine.objects.filter(product=product, order__paid_at__isnull=False).exclude(order__status="grouping")
    return lines.aggregate(units=Sum(F("quantity") - F("refunded_quantity")))["units"] or 0


@pytest.fixture
def food(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="99.00", stock=50)


def test_the_sold_count_shown_is_the_paid_units_not_refunded(buyer, other_buyer, merchant_staff, food):
    sku = factories.sku_of(food)
    factories.address(buyer, is_default=True)
    factories.address(other_buyer, is_default=True)
    factories.pay(factories.place(buyer, (sku, 3)))  # paid: 3
    factories.pay(factories.place(other_buyer, (sku, 2)))  # paid: 2, then 1 refunded
    factories.place(buyer, (sku, 4))  # placed, never paid: not sold
    cancelled = factories.place(other_buyer, (sku, 5))
    checkout.checkout_cancel(actor=other_buyer, order_number=cancelled.orders[0].number)
    order = other_buyer.orders.filter(paid_at__isnull=False).get()
    request = aftersales.request_create(
        actor=other_buyer,
        order_number=order.number,
        data=aftersales.RequestInput(
            kind="refund", reason="不想要了", lines=[aftersales.LineInput(order.lines.get().pk, 1)]
        ),
    )
    aftersales.request_accept(actor=merchant_staff, number=request.number)
    assert _paid_units(food) == 4
    food.refresh_from_db()
    assert food.sales_count == 4
    # the product page and the search card show exactly that
    page = Client().get(f"/p/{food.pk}/").content.decode()
    assert '<span class="sold">已售 4</span>' in page
    card = Client().get("/search/?q=猫粮").content.decode()
    assert '<span class="sold">已售 4</span>' in card


def test_a_product_nobody_bought_claims_no_sales(food):
    assert "已售" not in Client().get(f"/p/{food.pk}/").content.decode()


@pytest.mark.parametrize(
    ("count", "zh", "en"),
    [
        (0, "已售 0", "0 sold"),
        (9_999, "已售 9,999", "9,999 sold"),
        (12_345, "已售 1.2万+", "12k+ sold"),
        (100_000, "已售 10万+", "100k+ sold"),
    ],
)
def test_large_counts_are_floored_never_rounded_up(count, zh, en):
    from django.utils import translation

    from jishi.web.templatetags.jishi import sold

    with translation.override("zh-hans"):
        assert sold(count) == zh
    with translation.override("en"):
        assert sold(count) == en


def test_every_product_of_the_demo_market_counts_only_real_units(db):
    from jishi.demo.loader import DemoLoader

    DemoLoader(image_every=1000).load()
    assert Product.objects.filter(sales_count__gt=0).count() > 20
    for product in Product.objects.all():
        assert product.sales_count == _paid_units(product), product.title


def test_the_sold_count_never_goes_below_zero(food):
    from jishi.catalog import services as catalog

    catalog.product_record_sales(product_id=food.pk, quantity=2)
    catalog.product_record_sales(product_id=food.pk, quantity=-5)
    food.refresh_from_db()
    assert food.sales_count == 0
