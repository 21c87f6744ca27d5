"""A buyer opens a 拼团 group from the product page; a second buyer joins through the group's share page, and the
group fills: both orders can ship."""

import re

import pytest
from playwright.sync_api import Page, expect

from jishi.groupbuy.models import Team
from jishi.orders.models import Order
from tests import factories
from tests.browser.test_buying_browser import _log_in
from tests.browser.test_promotions_browser import _pay, _shot
from tests.groupbuy.conftest import campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def food(merchant_staff, buyer, other_buyer):
    """Cat food at ¥129, ¥99 in a group of two; two buyers with an address each."""
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    product = factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="129.00", stock=20)
    campaign(merchant_staff, product, (2, "99.00"))
    for person in (buyer, other_buyer):
        person.set_password(factories.PASSWORD)
        person.save()
        factories.address(person, is_default=True)
    return product


def test_a_group_opened_on_the_product_page_fills_through_its_share_page(
    page: Page, live_server, food, buyer, other_buyer
):
    base = live_server.url
    _log_in(page, base, buyer.email)
    page.goto(f"{base}/p/{food.pk}/")
    expect(page.locator(".group-ladder")).to_contain_text("¥99.00")
    _shot(page, "group_product")
    page.locator(".buy-bar button[name=campaign]").click()
    expect(page.locator(".group-note")).to_contain_text("拼团")
    _shot(page, "group_checkout")
    _pay(page)
    opened = Order.objects.get(buyer=buyer)
    page.goto(f"{base}/orders/{opened.number}/")
    expect(page.locator(".badge.big")).to_have_text("已支付，待成团")
    page.locator("a", has_text="邀请好友参团").click()
    expect(page).to_have_url(re.compile(r"/groups/\d+/$"))
    expect(page.locator(".avatars .avatar:not(.empty)")).to_have_count(1)
    expect(page.locator(".group-state")).to_contain_text("还差 1 人成团")
    expect(page.locator(".qr svg")).to_be_visible()
    _shot(page, "group_share")
    share = page.url

    # a friend opens the shared link, signs in and joins at the group price
    page.context.clear_cookies()
    _log_in(page, base, other_buyer.email)
    page.goto(share)
    page.locator("a.btn.primary", has_text="参团").click()
    expect(page.locator(".group-note")).to_contain_text("参团")
    _pay(page)
    page.goto(share)
    expect(page.locator(".group-state")).to_have_text("拼团成功")
    expect(page.locator(".avatars .avatar")).to_have_count(2)
    _shot(page, "group_formed")
    assert Team.objects.get().status == "formed"
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
