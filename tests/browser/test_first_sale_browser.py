"""A fresh database with no demo data reaches its first sale through the console and the merchant centre alone.

Only the first administrator comes from the command line (``createsuperuser``). They build the category tree with
a typed attribute, appoint a reviewer who signed up like anyone, the reviewer opens a shop that applied and
publishes its first product, and a buyer buys and pays for it.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from jishi.accounts.models import User
from jishi.catalog.models import Category, Product
from jishi.orders.models import Order
from tests.conftest import image_bytes
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str, identifier: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=identifier]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def _sign_up(page: Page, base: str, identifier: str) -> None:
    page.goto(f"{base}/signup/")
    page.locator("input[name=identifier]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def _add_category(page: Page, base: str, name: str, parent: str = "") -> None:
    page.goto(f"{base}/operator/categories/")
    page.locator("#add-name").fill(name)
    if parent:
        page.locator("#add-parent").select_option(label=parent)
    page.locator("form.category-add button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()


def test_from_an_empty_database_to_a_paid_order(browser: Browser, live_server, tmp_path):
    base = live_server.url
    assert not Category.objects.exists()
    User.objects.create_superuser("root@example.com", PASSWORD)  # what `manage.py createsuperuser` does
    licence = tmp_path / "licence.png"
    licence.write_bytes(image_bytes(size=(320, 240)))

    # the administrator builds 宠物 › 宠物食品 › 猫粮, with a required 净含量 in kg
    admin = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin.on("dialog", lambda dialog: dialog.accept())
    _log_in(admin, base, "root@example.com")
    _add_category(admin, base, "宠物")
    _add_category(admin, base, "宠物食品", parent="宠物")
    _add_category(admin, base, "猫粮", parent="宠物 › 宠物食品")
    admin.goto(f"{base}/operator/categories/")
    admin.get_by_role("link", name="猫粮").click()
    admin.locator("#attr-code").fill("net_weight")
    admin.locator("#attr-name").fill("净含量")
    admin.locator("#attr-kind").select_option("number")
    admin.locator("#attr-unit").fill("kg")
    admin.locator("input[name=required]").check()
    admin.locator("form.attribute-form button[type=submit]").click()
    expect(admin.locator(".attribute-list")).to_contain_text("净含量")

    # someone signs up like anyone, and the administrator makes them a reviewer by their mobile number
    reviewer = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    reviewer.on("dialog", lambda dialog: dialog.accept())
    _sign_up(reviewer, base, "13700002222")
    admin.goto(f"{base}/operator/operators/")
    admin.locator("#grant-identifier").fill("13700002222")
    admin.locator("#grant-role").select_option("reviewer")
    admin.locator("form.operator-grant button[type=submit]").click()
    expect(admin.locator("main")).to_contain_text("137****2222")

    # a shop applies, and the new reviewer approves it
    shop = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    shop.on("dialog", lambda dialog: dialog.accept())
    _sign_up(shop, base, "13700003333")
    shop.goto(f"{base}/apply/")
    shop.locator("#id_shop_name").fill("小满宠物食品")
    shop.locator("#id_kind").select_option("shop")
    shop.locator("input[name=subject_type][value=company]").check()
    shop.locator("#id_company_name").fill("杭州小满宠物用品有限公司")
    shop.locator("#id_credit_code").fill("91320505MA1N0R3K73")
    shop.locator("#id_legal_representative").fill("陈小满")
    shop.locator("#id_licence_image").set_input_files(str(licence))
    shop.locator("main form button[type=submit]").click()
    expect(shop.locator(".application-status .badge")).to_have_text("待审核")
    reviewer.goto(f"{base}/operator/applications/")
    reviewer.get_by_role("link", name="小满宠物食品").click()
    reviewer.locator("button[name=decision][value=approve]").click()
    expect(reviewer.locator(".message.success")).to_be_visible()

    # the shop lists cat food in 猫粮, filling the attribute the administrator defined, and the reviewer publishes it
    shop.goto(f"{base}/merchant/products/new/")
    shop.locator("#id_category").select_option(label="宠物 › 宠物食品 › 猫粮")
    shop.wait_for_load_state("networkidle")  # choosing a category redraws the form (its attributes) through htmx
    shop.locator("#attr-net_weight").fill("2")
    shop.locator("#id_title").fill("小满 鸡肉味全价成猫粮 2kg")
    shop.locator("input[name='sku-0-price']").fill("89.00")
    shop.locator("input[name='sku-0-stock']").fill("20")
    shop.locator("button[name=action][value=submit]").click()
    expect(shop.locator(".message.success")).to_be_visible()
    reviewer.goto(f"{base}/operator/products/")
    reviewer.get_by_role("link", name=re.compile("小满 鸡肉味")).first.click()
    reviewer.locator("button[name=decision][value=approve]").click()
    product = Product.objects.get()
    assert product.status == "published"

    # a buyer signs up, buys it at once, adds an address and pays on the sandbox gateway
    buyer = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    buyer.on("dialog", lambda dialog: dialog.accept())
    _sign_up(buyer, base, "13700004444")
    buyer.goto(f"{base}/p/{product.pk}/")
    expect(buyer.locator("table.spec")).to_contain_text("2 kg")
    buyer.locator(".buy-bar-now").click()
    expect(buyer).to_have_url(re.compile(r"/checkout/"))
    buyer.locator("input[name=receiver]").fill("王小明")
    buyer.locator("input[name=phone]").fill("13912345678")
    buyer.locator("select[name=province]").select_option(label="浙江省")
    expect(buyer.locator("select[name=city] option", has_text="杭州市")).to_have_count(1)
    buyer.locator("select[name=city]").select_option(label="杭州市")
    expect(buyer.locator("select[name=district] option", has_text="西湖区")).to_have_count(1)
    buyer.locator("select[name=district]").select_option(label="西湖区")
    buyer.locator("input[name=detail]").fill("文三路 1 号")
    buyer.locator("form:has(input[name=new_address]) button[type=submit]").click()
    buyer.locator("button[data-submit-once]").click()
    expect(buyer).to_have_url(re.compile(r"/pay/\d{18}/$"))
    buyer.locator("form[action$='/start/'] button[type=submit]").click()
    expect(buyer).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
    buyer.locator("button[value=pay]").click()
    expect(buyer).to_have_url(re.compile(r"/orders/\?checkout=\d{18}"))
    expect(buyer.locator(".order-card .badge.paid")).to_have_count(1)
    assert Order.objects.get().status == "paid"
