"""A guest fills a cart from two shops, signs up, checks out and pays; a shop ships; the buyer confirms receipt."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from jishi.orders.models import Order
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_shops(merchant_staff, other_merchant_staff):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    food = factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="259.00", stock=5)
    treat = factories.product(other_merchant_staff, category, title="冻干鸡肉猫零食", price="25.50", stock=5)
    return food, treat


def _log_in(page: Page, base: str, identifier: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=identifier]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_guest_to_paid_orders_then_shipped_and_received(
    page: Page, browser: Browser, live_server, two_shops, merchant_staff, tmp_path
):
    food, treat = two_shops
    base = live_server.url
    # given a guest who puts one product of each shop into the cart
    page.goto(f"{base}/p/{food.pk}/")
    page.locator("#buy-qty").fill("2")
    # adding stays on the page: a toast, and the cart badge counts up
    page.locator(".buy-bar-add").click()
    expect(page.locator("#toast .toast-body")).to_be_visible()
    expect(page.locator(".buy-bar [data-cart-count]")).to_have_text("2")
    page.goto(f"{base}/p/{treat.pk}/")
    page.locator(".buy-bar-add").click()
    expect(page.locator(".buy-bar [data-cart-count]")).to_have_text("3")
    page.goto(f"{base}/cart/")
    expect(page.locator(".cart-group")).to_have_count(2)
    expect(page.locator("[data-cart-total]")).to_have_text("¥543.50")
    # when they check out, they are asked to sign up first, and their cart follows them
    page.locator("#checkout-form button[type=submit]").click()
    page.locator("main a[href^='/signup/']").click()
    page.locator("input[name=identifier]").fill("13800009999")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/checkout/"))
    # and add a delivery address on the checkout page
    page.locator("input[name=receiver]").fill("王小明")
    page.locator("input[name=phone]").fill("13912345678")
    # the place is chosen from the national list, each list filled when the one above is chosen
    page.locator("select[name=province]").select_option(label="广东省")
    expect(page.locator("select[name=city] option", has_text="深圳市")).to_have_count(1)
    page.locator("select[name=city]").select_option(label="深圳市")
    expect(page.locator("select[name=district] option", has_text="南山区")).to_have_count(1)
    page.locator("select[name=district]").select_option(label="南山区")
    page.locator("input[name=detail]").fill("科技园路 1 号")
    page.locator("form:has(input[name=new_address]) button[type=submit]").click()
    expect(page.locator("section[aria-labelledby^=group-]")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "checkout.png"), full_page=True)
    # and place the order, then pay on the sandbox gateway's page
    page.locator("button[data-submit-once]").click()
    expect(page).to_have_url(re.compile(r"/pay/\d{18}/$"))
    page.locator("form[action$='/start/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
    page.locator("button[value=pay]").click()
    # then they are back in the shop and both orders are paid
    expect(page).to_have_url(re.compile(r"/orders/\?checkout=\d{18}"))
    expect(page.locator(".order-card")).to_have_count(2)
    expect(page.locator(".order-card .badge.paid")).to_have_count(2)
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}

    # when the first shop ships its order
    merchant = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    merchant.on("dialog", lambda dialog: dialog.accept())
    _log_in(merchant, base, merchant_staff.email)
    merchant.goto(f"{base}/merchant/orders/")
    merchant.locator("table a.mono").first.click()
    merchant.locator("input[name=carrier]").fill("顺丰速运")
    merchant.locator("input[name=tracking_number]").fill("SF1234567890")
    merchant.locator("form[action$='/ship/'] button[type=submit]").click()
    expect(merchant.locator(".badge.shipped.big")).to_be_visible()
    merchant.close()

    # then the buyer sees it shipped and confirms receipt
    shipped = Order.objects.get(status="shipped")
    page.goto(f"{base}/orders/{shipped.number}/")
    expect(page.locator(".timeline li")).to_have_count(3)
    page.locator("form[action$='/confirm/'] button").click()
    expect(page.locator(".badge.delivered.big")).to_be_visible()
    expect(page.locator(".timeline li")).to_have_count(4)
    assert sorted(Order.objects.values_list("status", flat=True)) == ["delivered", "paid"]
