"""A buyer searches in Chinese, filters by price, opens a product and picks a SKU — in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from jishi.catalog import services as catalog
from jishi.core.money import Money
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def market(merchant_staff):
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    sizes = ["1.5kg", "5.4kg"]
    factories.product(
        merchant_staff,
        category,
        title="渴望六种鱼猫粮",
        options=[catalog.OptionInput(name="规格", values=sizes)],
        skus=[
            catalog.SkuInput(options={"规格": "1.5kg"}, price=Money(25900, "CNY"), stock=8),
            catalog.SkuInput(options={"规格": "5.4kg"}, price=Money(45900, "CNY"), stock=0),
        ],
    )
    factories.product(merchant_staff, category, title="平价全价猫粮", price="39.90")
    factories.product(merchant_staff, factories.category_path("数码", "耳机"), title="降噪耳机", price="899.00")


def test_search_filter_open_and_pick_a_sku(page: Page, live_server, market):
    # given a buyer on the home page
    page.goto(live_server.url)
    # when they search in Chinese
    page.get_by_role("searchbox").fill("猫粮")
    page.get_by_role("searchbox").press("Enter")
    results = page.locator("#results .product-card")
    expect(results).to_have_count(2)
    expect(page.locator("#results")).not_to_contain_text("降噪耳机")
    # and keep prices from 100, in the 筛选 drawer
    page.locator(".filter-drawer > summary").click()
    page.locator("#price-min").fill("100")
    page.get_by_role("button", name="确定").click()
    expect(results).to_have_count(1)
    expect(page).to_have_url(re.compile(r"price_min=100"))
    # and open the product
    results.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("渴望六种鱼猫粮")
    expect(page.locator("[data-price]")).to_have_text("¥259.00 – ¥459.00")
    # then picking a size shows that SKU's price and stock
    page.get_by_role("radio", name="1.5kg").check()
    expect(page.locator("[data-price]")).to_have_text("¥259.00")
    expect(page.locator("[data-stock]")).to_have_text("库存 8 件")
    page.get_by_role("radio", name="5.4kg").check()
    expect(page.locator("[data-price]")).to_have_text("¥459.00")
    expect(page.locator("[data-stock]")).to_have_text("已售罄")
