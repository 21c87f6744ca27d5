"""A buyer pays, asks for a refund before shipping; the shop rejects; the buyer escalates; support rules for the
buyer; the money goes back through the gateway and the ledger balances."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments.models import PaymentRefund, SandboxTrade
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Set JISHI_SCREENSHOTS to a folder to keep a picture of every page the test passes through.
SHOTS = os.environ.get("JISHI_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _signed_in(browser: Browser, base: str, identifier: str, width: int) -> Page:
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login/")
    page.locator("input[name=identifier]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0)
    return page


def test_refund_before_shipping_rejected_escalated_and_ruled_for_the_buyer(
    browser: Browser, live_server, settings, buyer, merchant_staff, support
):
    # the refund is sent by the worker the moment the ruling commits
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    base = live_server.url
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    food = factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="259.00", stock=5)
    factories.address(buyer, is_default=True)
    factories.in_cart(buyer, (factories.sku_of(food), 1))

    # given a buyer on a phone who checks out and pays on the sandbox gateway
    shopper = _signed_in(browser, base, buyer.email, 390)
    shopper.goto(f"{base}/checkout/")
    shopper.locator("button[data-submit-once]").click()
    shopper.locator("form[action$='/start/'] button[type=submit]").click()
    shopper.locator("button[value=pay]").click()
    expect(shopper.locator(".order-card .badge.paid")).to_have_count(1)
    order = Order.objects.get()

    # when they ask for a refund before it ships
    shopper.goto(f"{base}/orders/{order.number}/")
    shopper.locator(f"a[href='/orders/{order.number}/aftersales/']").click()
    shopper.locator("select[name=reason]").select_option(label="拍错了 / 规格不对")
    shopper.locator("textarea[name=description]").fill("选错了口味，还没发货请退款")
    _shot(shopper, "1-buyer-asks")
    shopper.locator("main form button[type=submit]").click()
    expect(shopper.locator(".badge.requested.big")).to_be_visible()

    # and the shop rejects it from its after-sales queue
    shop = _signed_in(browser, base, merchant_staff.email, 1280)
    shop.goto(f"{base}/merchant/aftersales/")
    shop.locator("table a.mono").first.click()
    _shot(shop, "2-shop-answers")
    shop.locator("textarea[name=reason]").fill("已经打包好了，不能退")
    shop.locator("form:has(textarea[name=reason]) button[type=submit]").click()
    expect(shop.locator(".badge.rejected.big")).to_be_visible()

    # and the buyer escalates with a message
    shopper.reload()
    shopper.locator("textarea[name=note]").fill("订单还没有发货，商家却拒绝退款")
    shopper.locator("form:has(textarea[name=note]) button[type=submit]").click()
    expect(shopper.locator(".badge.arbitration.big")).to_be_visible()

    # then support sees both sides in the arbitration queue and rules for the buyer
    desk = _signed_in(browser, base, support.email, 1280)
    desk.goto(f"{base}/operator/aftersales/")
    desk.locator("table a.mono").first.click()
    expect(desk.locator(".evidence-side")).to_have_count(2)
    expect(desk.locator("main")).to_contain_text("已经打包好了，不能退")
    _shot(desk, "3-arbitration")
    desk.locator("input[name=ruling][value=buyer]").check()
    desk.locator("textarea[name=note]").fill("订单未发货，全额退款")
    desk.locator("form[action$='/decide/'] button[type=submit]").click()
    expect(desk.locator(".badge.refunded.big")).to_be_visible()

    # and the money is back through the gateway, the order is closed and the books balance
    refund = PaymentRefund.objects.get()
    assert (refund.status, refund.amount_minor) == ("succeeded", order.total_minor)
    assert SandboxTrade.objects.get().refunded_minor == order.total_minor
    assert Order.objects.get().status == "closed"
    assert reconcile().ok
    shopper.reload()
    expect(shopper.locator(".badge.refunded.big")).to_be_visible()
    expect(shopper.locator("main")).to_contain_text("订单未发货，全额退款")
    _shot(shopper, "4-buyer-refunded")


def test_an_arbitrated_return_against_a_shop_without_a_return_address_ends_in_a_refund(
    browser: Browser, live_server, settings, buyer, merchant_staff, support
):
    from jishi.aftersales import services as aftersales
    from jishi.aftersales.models import AftersalesRequest
    from jishi.orders import services as orders

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    category = factories.category_path("宠物", "宠物食品", "猫粮")
    food = factories.product(merchant_staff, category, title="渴望六种鱼猫粮", price="259.00", stock=5)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(food), 1)))
    order = Order.objects.get()
    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    orders.order_confirm_receipt(actor=buyer, order_number=order.number)
    # given a return the shop refused and the buyer escalated; the shop never gave a return address
    request = aftersales.request_create(
        actor=buyer,
        order_number=order.number,
        data=aftersales.RequestInput(
            kind="return", reason="damaged", lines=[aftersales.LineInput(order.lines.get().pk, 1)]
        ),
    )
    aftersales.request_reject(actor=merchant_staff, number=request.number, reason="不支持退货")
    aftersales.request_escalate(actor=buyer, number=request.number, note="包装破损")

    # when support opens it, the page says there is nowhere to send the goods
    desk = _signed_in(browser, live_server.url, support.email, 1280)
    desk.goto(f"{live_server.url}/operator/aftersales/{request.number}/")
    expect(desk.locator("main")).to_contain_text("商家没有填写退货地址")
    # and a ruling for the buyer with no address is refused on the page, keeping the reasons typed
    desk.locator("input[name=ruling][value=buyer]").check()
    desk.locator("textarea[name=note]").fill("包装破损，支持退款")
    desk.locator("form[action$='/decide/'] button[type=submit]").click()
    expect(desk.locator(".field-error")).to_be_visible()
    expect(desk.locator("textarea[name=note]")).to_have_value("包装破损，支持退款")
    _shot(desk, "arbitration-no-address")
    # then a refund without the goods coming back is carried out
    desk.locator("input[name=ruling][value=buyer]").check()
    desk.locator("input[name=without_return]").check()
    desk.locator("form[action$='/decide/'] button[type=submit]").click()
    expect(desk.locator(".badge.refunded.big")).to_be_visible()
    assert AftersalesRequest.objects.get().status == "refunded"
    assert SandboxTrade.objects.get().refunded_minor == 25900
    assert reconcile().ok
