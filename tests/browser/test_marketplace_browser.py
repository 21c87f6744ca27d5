"""A breeder applies, an operator opens its shop, it lists a kitten, an operator publishes it, a buyer finds it."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from jishi.merchants.models import CategoryRequirement, QualificationKind
from tests import factories
from tests.conftest import image_bytes
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str, identifier: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=identifier]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_a_breeder_opens_a_shop_and_a_buyer_finds_its_kitten(page: Page, browser: Browser, live_server, tmp_path):
    base = live_server.url
    kittens = factories.category_path("宠物", "活体宠物", "猫咪")
    CategoryRequirement.objects.create(category=kittens.parent, kind=QualificationKind.ANIMAL_BUSINESS_PERMIT)
    factories.user(email=None, phone="13700001111", display_name="苏州猫舍主人")
    factories.user(email="reviewer@example.com", operator_role="reviewer")
    licence = tmp_path / "licence.png"
    licence.write_bytes(image_bytes(size=(320, 240)))

    # a would-be breeder applies as a company with its animal business permit
    _log_in(page, base, "13700001111")
    page.goto(f"{base}/apply/")
    page.locator("#id_shop_name").fill("姑苏布偶猫舍")
    page.locator("#id_kind").select_option("breeder")
    page.locator("input[name=subject_type][value=company]").check()
    page.locator("#id_company_name").fill("苏州姑苏宠物繁育有限公司")
    page.locator("#id_credit_code").fill("91320505MA1N0R3K73")
    page.locator("#id_legal_representative").fill("张伟")
    page.locator("#id_licence_image").set_input_files(str(licence))
    page.locator("#id_permit_number").fill("(苏)动防合字第320500123号")
    page.locator("#id_permit_authority").fill("苏州市农业农村局")
    page.locator("#id_permit_expires_on").fill("2030-12-31")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".application-status .badge")).to_have_text("待审核")
    page.screenshot(path=str(tmp_path / "applied.png"), full_page=True)

    # an operator reviews the application with its licence and approves it
    operator = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    operator.on("dialog", lambda dialog: dialog.accept())
    _log_in(operator, base, "reviewer@example.com")
    operator.goto(f"{base}/operator/applications/")
    operator.get_by_role("link", name="姑苏布偶猫舍").click()
    expect(operator.locator("img.document").first).to_be_visible()
    operator.locator("button[name=decision][value=approve]").click()
    expect(operator.locator(".message.success")).to_be_visible()

    # the breeder lists a kitten in a category that needs the permit, and submits it for review
    page.goto(f"{base}/apply/")
    expect(page.locator(".application-status .badge")).to_have_text("已通过")
    page.goto(f"{base}/merchant/products/new/")
    page.locator("#id_category").select_option(str(kittens.pk))
    page.wait_for_load_state("networkidle")  # choosing a category redraws the form (its attributes) through htmx
    page.locator("#id_title").fill("布偶猫 海双色 弟弟 已驱虫")
    page.locator("input[name='sku-0-price']").fill("6800.00")
    page.locator("input[name='sku-0-stock']").fill("1")
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("布偶猫 海双色")

    # the operator publishes it
    operator.goto(f"{base}/operator/products/")
    operator.get_by_role("link", name=re.compile("布偶猫 海双色")).first.click()
    operator.locator("button[name=decision][value=approve]").click()

    # and a buyer finds it in search
    buyer = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    buyer.on("dialog", lambda dialog: dialog.accept())
    buyer.goto(f"{base}/search/?q=布偶猫")
    expect(buyer.locator(".product-card").filter(has_text="布偶猫 海双色")).to_have_count(1)
    buyer.screenshot(path=str(tmp_path / "found.png"), full_page=True)
