"""A shop sets its delivery fees at 1280 px: a row for remote provinces, an area not served, the preview swapped in
by htmx before saving, then saved."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jishi.shipping.models import FeeTemplate
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("JISHI_SHOTS")  # a directory to keep screenshots in, to look at them


def test_a_shop_sets_its_delivery_fees_with_a_preview(browser: Browser, live_server, merchant_staff):
    # given the shop's owner signed in on a 1280 px screen
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=identifier]").fill(merchant_staff.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0)
    page.goto(f"{live_server.url}/merchant/shipping/")
    # when they fill in the default fee, add a row for 西藏 and 青海, and do not serve 新疆
    page.locator("#default-first").fill("8")
    page.locator("#default-extra").fill("2")
    page.locator("button[name=add_row]").click()
    page.locator("input[name='rule-0-provinces'][value='540000']").check()
    page.locator("input[name='rule-0-provinces'][value='630000']").check()
    page.locator("#rule-0-first").fill("20")
    page.locator("#rule-0-extra").fill("10")
    page.locator("input[name=not_served][value='650000']").check()
    # the form fits the screen: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # and preview two items to 西藏, then to 新疆
    page.locator("#preview-province").select_option("540000")
    page.locator("#preview-items").fill("2")
    page.locator("#preview-goods").fill("50")
    page.locator("#preview-button").click()
    expect(page.locator("#shipping-preview")).to_contain_text("¥30.00")
    assert not FeeTemplate.objects.exists()  # previewing saves nothing
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "merchant-shipping-1280.png"), full_page=True)
    page.locator("#preview-province").select_option("650000")
    page.locator("#preview-button").click()
    expect(page.locator("#shipping-preview")).to_contain_text("新疆维吾尔自治区")
    expect(page.locator("#shipping-preview .not-served")).to_have_count(1)
    # then saving keeps what they typed
    page.locator("button.primary[name=save]").click()
    expect(page.locator(".message.success")).to_have_count(1)
    template = FeeTemplate.objects.get()
    assert template.not_served == ["650000"]
    assert list(template.rules.values_list("provinces", "first_fee_minor")) == [([], 800), (["540000", "630000"], 2000)]
    assert refused == []
