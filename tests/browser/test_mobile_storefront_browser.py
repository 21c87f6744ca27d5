"""The storefront on a 390 px phone: buy-now, ticked cart lines, errors in place, and the tab bar."""

import re

import pytest
from playwright.sync_api import Page, expect

from jishi.cart.models import CartLine
from jishi.orders.models import Order
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three(merchant_staff, other_merchant_staff):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    return [
        factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="259.00", stock=5),
        factories.product(other_merchant_staff, category, title="冻干鸡肉猫零食", price="25.50", stock=5),
        factories.product(merchant_staff, category, title="猫抓板", price="39.90", stock=5),
    ]


@pytest.fixture
def shopper(page: Page, live_server, buyer):
    factories.address(buyer, is_default=True)
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=identifier]").fill(buyer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".tabbar")).to_be_visible()
    return page


def _pay_on_the_sandbox(page: Page) -> None:
    page.locator("button[data-submit-once]").click()
    expect(page).to_have_url(re.compile(r"/pay/\d{18}/$"))
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.locator("button[value=pay]").click()
    expect(page).to_have_url(re.compile(r"/orders/\?checkout=\d{18}"))


def test_buy_now_buys_that_item_and_leaves_the_cart_alone(shopper: Page, live_server, buyer, three):
    food, treat, _board = three
    factories.in_cart(buyer, (factories.sku_of(treat), 1))
    shopper.goto(f"{live_server.url}/p/{food.pk}/")
    shopper.locator(".buy-bar-now").click()
    expect(shopper.locator(".group-title")).to_have_count(1)
    expect(shopper.locator("main")).not_to_contain_text("冻干鸡肉猫零食")
    _pay_on_the_sandbox(shopper)
    order = Order.objects.get(buyer=buyer)
    assert [line.title for line in order.lines.all()] == ["渴望六种鱼猫粮"]
    assert list(CartLine.objects.filter(cart__user=buyer).values_list("sku_id", "quantity")) == [
        (factories.sku_of(treat).pk, 1)
    ]


def test_a_cart_with_two_of_three_lines_ticked_checks_out_two(shopper: Page, live_server, buyer, three, tmp_path):
    board = three[2]
    factories.in_cart(buyer, *((factories.sku_of(p), 1) for p in three))
    shopper.goto(f"{live_server.url}/cart/")
    shopper.locator(f"input[name=item][value='{factories.sku_of(board).pk}']").uncheck()
    expect(shopper.locator("[data-cart-total]")).to_have_text("¥284.50")
    shopper.screenshot(path=str(tmp_path / "cart.png"), full_page=True)
    shopper.locator("#checkout-form button[type=submit]").click()
    expect(shopper.locator(".group-title")).to_have_count(2)
    _pay_on_the_sandbox(shopper)
    bought = sorted(line.title for order in Order.objects.filter(buyer=buyer) for line in order.lines.all())
    assert bought == ["冻干鸡肉猫零食", "渴望六种鱼猫粮"]
    assert list(CartLine.objects.filter(cart__user=buyer).values_list("sku_id", flat=True)) == [
        factories.sku_of(board).pk
    ]


def test_a_bad_quantity_shows_its_error_where_it_was_typed(shopper: Page, live_server, buyer, three):
    factories.in_cart(buyer, (factories.sku_of(three[0]), 1))
    shopper.goto(f"{live_server.url}/cart/")
    quantity = shopper.locator(".stepper input[name=quantity]")
    quantity.fill("100")
    quantity.dispatch_event("change")
    expect(shopper.locator("#cart .field-error")).to_be_visible()
    expect(shopper.locator(".stepper input[name=quantity]")).to_have_value("100")
    assert CartLine.objects.get().quantity == 1
    # a quantity the cart takes replaces it, and the error goes
    quantity.fill("3")
    quantity.dispatch_event("change")
    expect(shopper.locator("#cart .field-error")).to_have_count(0)
    shopper.locator(".stepper .step[value='1']").click()
    expect(shopper.locator(".stepper input[name=quantity]")).to_have_value("4")
    assert CartLine.objects.get().quantity == 4
    # and the message never turns up later on another page
    shopper.goto(f"{live_server.url}/")
    expect(shopper.locator(".message.error")).to_have_count(0)
