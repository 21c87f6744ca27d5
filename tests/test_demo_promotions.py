"""The demo market's promotions are real: a flash sale running when it starts, bought through checkout, and 满减,
limited prices and coupons whose figures come from real orders."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order, OrderAdjustment
from jishi.promotions.models import Coupon, CouponTemplate, FlashItem, FlashSession, LimitedPrice

pytestmark = pytest.mark.django_db


def test_the_demo_runs_a_flash_sale_and_promotions_through_real_orders():
    from jishi.demo.loader import DemoLoader

    DemoLoader(image_every=1000).load()
    now = timezone.now()
    running = FlashSession.objects.get(starts_at__lte=now, ends_at__gt=now)
    items = FlashItem.objects.filter(session=running, status="approved")
    assert items.count() >= 3
    # every unit shown as taken is a flash order's line
    for item in items:
        sold = sum(
            line.quantity
            for order in Order.objects.filter(kind="flash").prefetch_related("lines")
            for line in order.lines.all()
            if line.flash_item_id == item.pk and order.status != "cancelled"
        )
        assert item.sold == sold
    assert sum(item.sold for item in items) == 12
    assert FlashSession.objects.filter(starts_at__gt=now).exists()
    # a limited price ends within hours; two shops' 满减 took money off real orders; coupons wait to be claimed
    assert LimitedPrice.objects.filter(ends_at__gt=now, ends_at__lt=now + dt.timedelta(hours=6)).count() == 1
    assert OrderAdjustment.objects.filter(source_kind="threshold").values("order__merchant").distinct().count() == 2
    assert CouponTemplate.objects.filter(merchant__isnull=True).count() == 3
    assert Coupon.objects.filter(owner__display_name="买家小王").count() == 3
    assert reconcile().ok
