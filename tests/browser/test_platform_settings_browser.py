"""An administrator changes the platform settings and publishes the user agreement at 1280 px; a visitor on a phone
follows the sign-up page's link to it."""

import re

import pytest
from playwright.sync_api import Page, expect

from jishi.policies import selectors
from jishi.policies.models import LegalDocument
from tests import factories
from tests.browser.test_buying_browser import _log_in
from tests.browser.test_promotions_browser import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_saves_the_settings_and_a_visitor_reads_the_agreement(page: Page, live_server, admin_operator):
    admin_operator.set_password(factories.PASSWORD)
    admin_operator.save()
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, base, admin_operator.email)
    page.goto(f"{base}/operator/settings/")
    # the administrator changes the payment minutes and the default delivery fee, and offers no UnionPay
    page.locator("input[name=payment_minutes]").fill("20")
    page.locator("input[name=shipping_first_fee]").fill("6")
    page.locator("input[name=payment_methods][value=unionpay]").uncheck()
    page.locator("form.platform-settings button[type=submit]").click()
    expect(page.locator(".platform-saved")).to_contain_text(str(admin_operator))
    rules = selectors.platform_settings()
    assert (rules.payment_minutes, rules.shipping_first_fee.minor, rules.payment_methods) == (
        20,
        600,
        ("alipay", "wechatpay", "sandbox"),
    )
    # and publishes the user agreement
    page.locator("#legal-terms-body").fill("第一条 欢迎使用集市。\n\n第二条 请文明交易。")
    page.locator("#legal-terms form button[type=submit]").click()
    expect(page.locator("#legal-terms .legal-in-force")).to_contain_text("1")
    _shot(page, "platform-settings-1280")
    assert LegalDocument.objects.get().version == 1
    # a visitor on a phone follows the sign-up page's link
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/signup/")
    page.locator(".signup-consent a").first.click()
    expect(page).to_have_url(re.compile(r"/terms/$"))
    expect(page.locator(".legal-text")).to_contain_text("请文明交易")
    _shot(page, "terms-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
