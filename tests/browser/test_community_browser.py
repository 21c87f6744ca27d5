"""社区团购 on a phone: a resident orders in a community campaign for pickup at their point and pays; the cut-off
passes and the shop sends the batch; the group leader confirms its arrival in the leader centre and checks the
resident's pickup code, read off the resident's own order page; the order is delivered and collected."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from jishi.community import services as community
from jishi.community.models import Batch, CommunityCampaign, Pickup
from jishi.community.tasks import campaigns_cut_off
from jishi.orders.models import Order
from tests import factories
from tests.browser.test_buying_browser import _log_in
from tests.browser.test_promotions_browser import _pay, _shot
from tests.community.conftest import campaign, leader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def neighbourhood(reviewer, admin_operator, merchant_staff, leaf_category, buyer):
    """An approved leader with 阳光花园自提点; the shop's 周末鲜果团 selling pineapples at ¥9.90 (¥19.90 otherwise)
    until a cut-off ten hours away; the buyer, a resident who chose that point, with a default address."""
    head = leader(reviewer, admin_operator)
    product = factories.product(merchant_staff, leaf_category, title="海南金钻凤梨 2个", price="19.90", stock=100)
    running = campaign(merchant_staff, factories.sku_of(product))
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    return {"leader": head, "campaign": running, "point": head.leader.point}


def _phone(browser: Browser) -> tuple[Page, list[str]]:
    """A second person's phone: its own context, 390 px wide, in Chinese, saying yes to confirmations; with what
    the page's CSP refused, to be empty at the end."""
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    refused: list[str] = []
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    return phone, refused


def test_a_resident_orders_and_collects_with_the_code_the_leader_checks(
    page: Page, browser: Browser, live_server, neighbourhood, buyer, merchant_staff
):
    base = live_server.url
    point = neighbourhood["point"]

    # the resident opens 社区团购: their point, and the campaign it receives at the community price
    _log_in(page, base, buyer.email)
    expect(page.locator("input[name=password]")).to_have_count(0)
    page.goto(f"{base}/community/")
    expect(page.locator(".point-card")).to_contain_text(point.name)
    campaign_card = page.locator(".community-campaign")
    expect(campaign_card).to_contain_text("周末鲜果团")
    expect(campaign_card.locator(".community-item .price")).to_have_text("¥9.90")
    campaign_card.locator(".community-item button[type=submit]").click()
    expect(page.locator("#toast .toast-body")).to_contain_text("已加入购物车")
    _shot(page, "community_home")

    # and checks out for pickup at their point: no delivery fee, the community price
    page.get_by_role("link", name="去结算（自提）").click()
    expect(page).to_have_url(re.compile(r"/checkout/\?"))
    chosen = page.locator(".pickup-choice.on")
    expect(chosen).to_contain_text("自提")
    expect(chosen).to_contain_text(point.name)
    expect(page.locator(".summary .price.big")).to_have_text("¥9.90")
    # the switch turns the shop's order to delivery to the address, at the shop's own price, and back
    chosen.get_by_role("link", name="改为快递到家").click()
    expect(page.locator(".pickup-choice.on")).to_have_count(0)
    expect(page.locator(".sums dt", has_text="团购价")).to_have_count(0)
    expect(page.locator(".summary .price.big")).not_to_have_text("¥9.90")
    page.get_by_role("link", name="改为到我的自提点自提：团购价，免运费").click()
    expect(page.locator(".pickup-choice.on")).to_contain_text(point.name)
    expect(page.locator(".sums dt", has_text="团购价")).to_have_count(1)
    expect(page.locator(".summary .price.big")).to_have_text("¥9.90")
    _shot(page, "community_checkout")
    _pay(page)

    order = Order.objects.get(buyer=buyer)
    assert (order.fulfilment, order.pickup_point_id, order.total_minor) == ("pickup", point.pk, 990)
    order_url = f"{base}/orders/{order.number}/"
    page.goto(order_url)
    expect(page.locator(".badge.big")).to_have_text("待发货")
    card = page.locator(".pickup-card")
    expect(card.locator(".pickup-point")).to_contain_text(point.name)
    expect(card.locator(".badge")).to_have_text("待截团")
    expect(card.locator(".pickup-code")).to_have_text(re.compile(r"^\d{6}$"))
    _shot(page, "community_order_paid")

    # the cut-off passes (by the data, not the clock); the minute's job batches the order; the shop sends it
    CommunityCampaign.objects.filter(pk=neighbourhood["campaign"].pk).update(
        cutoff_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert campaigns_cut_off.call() == 1
    batch = Batch.objects.get()
    assert list(batch.pickups.values_list("order_id", flat=True)) == [order.pk]
    community.batch_send(actor=merchant_staff, batch_id=batch.pk)
    page.reload()
    expect(page.locator(".badge.big")).to_have_text("已发货")
    expect(card.locator(".badge")).to_have_text("待团长收货")

    # the leader, on their own phone, finds the batch on its way and confirms it arrived, nothing short
    leader_page, refused = _phone(browser)
    _log_in(leader_page, base, neighbourhood["leader"].email)
    expect(leader_page.locator("input[name=password]")).to_have_count(0)
    leader_page.goto(f"{base}/leader/")
    on_the_way = leader_page.locator("#on-the-way .batch-row")
    expect(on_the_way).to_have_count(1)
    expect(on_the_way).to_contain_text("周末鲜果团")
    expect(on_the_way).to_contain_text(f"B{batch.pk:08d}")
    _shot(leader_page, "community_leader_home")
    on_the_way.click()
    expect(leader_page).to_have_url(f"{base}/leader/batches/{batch.pk}/")
    customer = leader_page.locator(".customer-order")
    expect(customer).to_have_count(1)
    expect(customer).to_contain_text(order.number)
    expect(customer.locator(".short-input")).to_have_value("0")
    _shot(leader_page, "community_leader_batch")
    leader_page.locator(".arrival-form button[type=submit]").click()
    expect(leader_page.locator(".message.success")).to_have_text("已确认到货，并已通知居民提货。")
    expect(leader_page.locator(".toolbar .badge.big")).to_have_text("已到达自提点")
    expect(leader_page.locator(".arrival-form")).to_have_count(0)

    # the resident is told; their order page now says to collect, with the code to show
    page.reload()
    expect(card.locator(".badge")).to_have_text("待自提")
    expect(card).to_contain_text("商品已到自提点")
    code = card.locator(".pickup-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    _shot(page, "community_pickup_code")

    # the leader types the code the resident shows, and hands the order over
    leader_page.locator(".leader-tabbar a[href='/leader/verify/']").click()
    expect(leader_page).to_have_url(f"{base}/leader/verify/")
    leader_page.locator("input[name=code]").fill(code)
    leader_page.get_by_role("button", name="核销并交付").click()
    expect(leader_page.locator(".message.success")).to_have_text(f"核销成功：请交付订单 {order.number}。")
    handed = leader_page.locator(".handed")
    expect(handed).to_contain_text("请交付此订单")
    expect(handed.locator(".handed-items li")).to_have_count(1)
    expect(handed.locator(".handed-items li")).to_contain_text("海南金钻凤梨 2个")
    expect(handed.locator(".handed-items li")).to_contain_text("× 1")
    _shot(leader_page, "community_leader_handed")
    order.refresh_from_db()
    assert order.status == "delivered"
    pickup = Pickup.objects.get(order=order)
    assert (pickup.status, pickup.collected_at is not None) == ("collected", True)

    # and the resident sees it collected, the code gone
    page.reload()
    expect(page.locator(".badge.big")).to_have_text("已收货")
    expect(card.locator(".badge")).to_have_text("已提货")
    expect(card).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 已提货"))
    expect(card.locator(".pickup-code")).to_have_count(0)
    _shot(page, "community_collected")
    leader_page.context.close()
    assert refused == []
