"""A buyer claims a coupon, buys in a running flash session, sees each discount on the order, and a partial refund
returns the line's paid share."""

import datetime as dt
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jishi.aftersales import services as aftersales
from jishi.core.money import Money
from jishi.orders.models import Order
from jishi.payments.models import PaymentRefund
from jishi.promotions import services as promotions
from jishi.promotions.pricing import CouponKind
from tests import factories
from tests.browser.test_buying_browser import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("JISHI_SHOTS")  # a directory to keep screenshots in, to look at them


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


@pytest.fixture
def market(admin_operator, merchant_staff, buyer):
    """A shop with cat food (flash sale at ¥59.90, 3 units) and treats, its 满100减10 coupon, and a buyer."""
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    food = factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="120.00", stock=20)
    treats = factories.product(merchant_staff, category, title="冻干鸡肉猫零食", price="80.00", stock=20)
    now = timezone.now()
    session = promotions.flash_session_create(
        actor=admin_operator,
        title="20:00场",
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=2),
        real_name_required=False,
    )
    item = promotions.flash_item_apply(
        actor=merchant_staff,
        data=promotions.FlashApplication(
            session_id=session.pk, sku_id=factories.sku_of(food).pk, price=yuan("59.90"), quota=3
        ),
    )
    promotions.flash_item_approve(actor=admin_operator, item_id=item.pk)
    promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="满100减10",
            kind=CouponKind.AMOUNT,
            amount=yuan("10.00"),
            min_spend=yuan("100.00"),
            total_quantity=100,
            valid_days=7,
        ),
    )
    buyer.set_password(factories.PASSWORD)
    buyer.save()
    factories.address(buyer, is_default=True)
    return {"food": food, "treats": treats}


def _pay(page: Page) -> None:
    page.locator("button[data-submit-once]").click()
    expect(page).to_have_url(re.compile(r"/pay/\d{18}/$"))
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.locator("button[value=pay]").click()
    expect(page).to_have_url(re.compile(r"/orders/\?checkout=\d{18}"))


def test_coupon_flash_sale_discount_lines_and_a_partial_refund(page: Page, live_server, market, buyer, merchant_staff):
    base = live_server.url
    _log_in(page, base, buyer.email)
    # the buyer claims the shop's coupon in the coupon centre
    page.goto(f"{base}/coupons/")
    _shot(page, "coupons")
    page.locator("form[action$='/claim/'] button").first.click()
    expect(page.locator(".coupon .badge.approved")).to_have_text("已领取")

    # and buys the cat food in the running flash session, at the flash price alone
    page.goto(f"{base}/flash/")
    expect(page.locator(".flash-item")).to_have_count(1)
    _shot(page, "flash")
    page.locator(".flash-item a.btn.primary").click()
    expect(page.locator(".sums dt", has_text="秒杀")).to_be_visible()
    expect(page.locator("#coupons-title")).to_have_count(0)
    _pay(page)
    flash_order = Order.objects.get(kind="flash")
    assert flash_order.total_minor - flash_order.shipping_minor == 5990

    # then two bags of treats from the product page: the coupon is chosen for them
    page.goto(f"{base}/p/{market['treats'].pk}/")
    _shot(page, "product")
    page.locator("#buy-qty").fill("2")
    page.locator(".buy-bar-now").click()
    expect(page.locator(".sums dt", has_text="满100减10")).to_be_visible()
    _shot(page, "checkout")
    _pay(page)
    order = Order.objects.get(kind="standard")
    (line,) = order.lines.all()
    assert (line.discount_minor, line.total_minor) == (1000, 15000)

    # the order page names each discount
    page.goto(f"{base}/orders/{order.number}/")
    expect(page.locator(".sums dt", has_text="满100减10")).to_be_visible()
    expect(page.locator(".sums dd.saving")).to_have_text("-¥10.00")
    _shot(page, "order")

    # when the buyer asks for one bag's money back before shipping and the shop agrees
    page.locator(f"a[href='/orders/{order.number}/aftersales/']").click()
    page.locator(f"input[name='quantity_{line.pk}']").fill("1")
    page.locator("select[name=reason]").select_option(index=1)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".badge.requested.big")).to_be_visible()
    request = order.aftersales.get()
    aftersales.request_accept(actor=merchant_staff, number=request.number)
    # then the refund is that bag's paid share: ¥150.00 over 2 bags is ¥75.00, not its ¥80.00 list price
    assert PaymentRefund.objects.get(order=order).amount_minor == 7500
    page.reload()
    expect(page.locator("main")).to_contain_text("¥75.00")
