"""The parcel on the order pages and in the API: carrier, number with a copy button, the courier's events."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from jishi.shipping import sandbox, services
from tests.shipping.tracking_support import SF_NUMBER, param, post, ship


@pytest.fixture
def travelling(buyer, home, shop, merchant_staff):
    """The buyer's order, shipped, with three events from the courier."""
    order = ship(buyer, shop, merchant_staff)
    services.tracking_subscribe(order_id=order.pk)
    now = timezone.now().replace(microsecond=0)
    param_text = param(
        SF_NUMBER,
        (now - dt.timedelta(hours=2), "派件", "【深圳市】快递员正在派件"),
        (now - dt.timedelta(hours=9), "在途", "快件已到达【深圳转运中心】"),
        (now - dt.timedelta(hours=20), "揽收", "【杭州市】顺丰速运 已收取快件"),
        state="5",
    )
    assert (
        post("sandbox", urlencode({"param": param_text, "sign": sandbox.sign(param_text)}).encode()).status_code == 200
    )
    return order


def _in_order(html, *texts):
    positions = [html.index(text) for text in texts]
    return positions == sorted(positions)


def test_the_buyer_sees_the_parcel_newest_event_first(english, buyer, travelling):
    # given
    english.force_login(buyer)
    # when
    html = english.get(f"/orders/{travelling.number}/").content.decode()
    # then
    assert "Parcel tracking" in html
    assert "顺丰速运" in html
    assert f'id="tracking-number" readonly value="{SF_NUMBER}"' in html
    assert 'data-copy="tracking-number"' in html
    assert "web/leader.js" in html
    assert _in_order(html, "快递员正在派件", "深圳转运中心", "已收取快件")
    assert 'class="parcel-event out_for_delivery latest"' in html
    assert "Out for delivery" in html


def test_the_buyer_reads_it_in_chinese(client, buyer, travelling):
    client.force_login(buyer)
    html = client.get(f"/orders/{travelling.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "快递员正在派件" in html


def test_before_any_event_the_page_says_none_yet(english, buyer, home, shop, merchant_staff):
    order = ship(buyer, shop, merchant_staff)
    english.force_login(buyer)
    html = english.get(f"/orders/{order.number}/").content.decode()
    assert "No news from the courier yet." in html
    assert "parcel-timeline" not in html


def test_the_merchant_sees_the_same_events(english, merchant_staff, travelling):
    english.force_login(merchant_staff)
    html = english.get(f"/merchant/orders/{travelling.number}/").content.decode()
    assert "Parcel tracking" in html
    assert _in_order(html, "快递员正在派件", "深圳转运中心", "已收取快件")


def test_the_tracking_api_for_the_buyer_and_the_shop(api, buyer, merchant_staff, travelling, django_assert_num_queries):
    # when
    with django_assert_num_queries(9):
        answer = api("get", f"/orders/{travelling.number}/tracking", user=buyer)
    # then
    assert answer.status_code == 200
    body = answer.json()
    assert (body["carrier"], body["number"], body["state"]) == ("顺丰速运", SF_NUMBER, "subscribed")
    assert [event["status"] for event in body["events"]] == ["out_for_delivery", "in_transit", "collected"]
    assert body["events"][0]["description"] == "【深圳市】快递员正在派件"
    assert api("get", f"/merchant/orders/{travelling.number}/tracking", user=merchant_staff).json() == body


def test_another_buyer_or_shop_gets_a_404(api, other_buyer, other_merchant_staff, travelling):
    for path, user in (
        (f"/orders/{travelling.number}/tracking", other_buyer),
        (f"/merchant/orders/{travelling.number}/tracking", other_merchant_staff),
    ):
        answer = api("get", path, user=user)
        assert answer.status_code == 404
        assert set(answer.json()) == {"code", "message", "field"}
