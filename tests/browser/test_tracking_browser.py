"""A parcel at 390 px: the shop ships typing only the number (the carrier fills in), the sandbox courier calls
back over real HTTP, and the buyer follows the parcel on their order page, newest event first."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from jishi.orders.models import Order
from jishi.shipping import sandbox, tasks
from jishi.shipping.models import TrackingEvent
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("JISHI_SHOTS")  # a directory to keep screenshots in, to look at them


def _signed_in(browser, live_server, user):
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=identifier]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0)
    return page, refused


def test_the_shop_ships_by_number_and_the_buyer_follows_the_parcel(
    browser: Browser, live_server, settings, buyer, home, shop, merchant_staff
):
    # given a paid order, and the sandbox courier calling back this live server
    settings.JISHI_SITE_URL = live_server.url
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    # when the shop types only the tracking number: the carrier fills in as it is typed
    page, refused = _signed_in(browser, live_server, merchant_staff)
    page.goto(f"{live_server.url}/merchant/orders/{order.number}/")
    page.locator("#id_tracking_number").fill("SF1234567890123")
    page.locator("#id_tracking_number").blur()
    expect(page.locator("#id_carrier")).to_have_value("顺丰速运")
    page.locator("form[action$='/ship/'] button[type=submit]").click()
    expect(page.locator(".message.success")).to_have_count(1)
    # and the parcel, shipped a while ago, travels all the way
    Order.objects.filter(pk=order.pk).update(shipped_at=timezone.now() - dt.timedelta(days=5))
    tasks.tracking_subscribe.call(order.pk)
    assert sandbox.parcels_advance(now=timezone.now()) >= 5
    events = TrackingEvent.objects.count()
    assert events >= 5
    # then the buyer sees every event, newest first, with the number to copy
    page, refused_buyer = _signed_in(browser, live_server, buyer)
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.locator(".parcel-timeline li")).to_have_count(events)
    expect(page.locator(".parcel-timeline li").first).to_contain_text("已签收")
    expect(page.locator("button[data-copy=tracking-number]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "buyer-order-tracking-390.png"), full_page=True)
    assert refused == refused_buyer == []
