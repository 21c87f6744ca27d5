"""快递100's protocol without a network: the subscription request and its answers, the signed callback."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlencode

import pytest
from django.utils import timezone

from jishi.orders.models import Order
from jishi.shipping import sandbox, services, tracking
from jishi.shipping.errors import BadSignature, TrackingUnavailable
from jishi.shipping.models import TrackingEvent, TrackingSubscription
from tests.shipping.tracking_support import SF_NUMBER, kuaidi100_body, param, post, ship

KEY, SALT = "kd100-test-key", "kd100-test-salt"
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}


@pytest.fixture(autouse=True)
def _kuaidi100(settings):
    settings.JISHI_KUAIDI100_KEY = KEY
    settings.JISHI_KUAIDI100_SALT = SALT
    settings.JISHI_TRACKING_ADAPTER = "kuaidi100"


@pytest.fixture
def poll(monkeypatch):
    """快递100's /poll, answering what the test sets; records every request."""
    seen: list[tuple[str, dict[str, list[str]]]] = []
    answer = {"status": 200, "body": {"result": True, "returnCode": "200", "message": "提交成功"}}

    def send(url, body):
        seen.append((url, parse_qs(body.decode())))
        if isinstance(answer["body"], Exception):
            raise answer["body"]
        return answer["status"], json.dumps(answer["body"], ensure_ascii=False).encode()

    monkeypatch.setattr(tracking, "send", send)
    return seen, answer


def test_the_subscription_is_the_documented_form_post(shipped, poll):
    seen, _answer = poll
    # when
    assert services.tracking_subscribe(order_id=shipped.pk) is None
    # then
    [(url, form)] = seen
    assert url == "https://poll.kuaidi100.com/poll"
    assert form["schema"] == ["json"]
    assert json.loads(form["param"][0]) == {
        "company": "shunfeng",
        "number": SF_NUMBER,
        "key": KEY,
        "parameters": {
            "callbackurl": "http://127.0.0.1:8000/api/v1/tracking/callback/kuaidi100",
            "salt": SALT,
            "resultv2": "1",
            "phone": "13912345678",  # 顺丰 answers only with the receiver's phone
        },
    }
    subscription = TrackingSubscription.objects.get()
    assert (subscription.adapter, subscription.state, subscription.attempts) == ("kuaidi100", "subscribed", 1)


def test_other_couriers_are_not_given_the_phone(buyer, home, shop, merchant_staff, poll):
    seen, _answer = poll
    order = ship(buyer, shop, merchant_staff, number="75123456789012")
    services.tracking_subscribe(order_id=order.pk)
    sent = json.loads(seen[0][1]["param"][0])
    assert sent["company"] == "zhongtong"
    assert "phone" not in sent["parameters"]


def test_already_subscribed_is_success(shipped, poll):
    _seen, answer = poll
    answer["body"] = {"result": False, "returnCode": "501", "message": "重复订阅"}
    services.tracking_subscribe(order_id=shipped.pk)
    assert TrackingSubscription.objects.get().state == "subscribed"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"result": False, "returnCode": "500", "message": "服务器错误"}),
        (502, {"message": "bad gateway"}),
        (200, "not json"),
        (200, TrackingUnavailable()),
    ],
)
def test_an_aggregator_out_of_reach_is_asked_again_later(shipped, poll, status, body):
    _seen, answer = poll
    answer["status"], answer["body"] = status, body
    # when
    delay = services.tracking_subscribe(order_id=shipped.pk)
    # then
    assert delay == dt.timedelta(seconds=60)
    subscription = TrackingSubscription.objects.get()
    assert (subscription.state, subscription.attempts, subscription.last_error) == ("pending", 1, "unreachable")
    # when it answers the next time
    answer["status"], answer["body"] = 200, {"result": True, "returnCode": "200", "message": "提交成功"}
    assert services.tracking_subscribe(order_id=shipped.pk) is None
    subscription.refresh_from_db()
    assert (subscription.state, subscription.attempts, subscription.last_error) == ("subscribed", 2, "")


def test_after_the_last_retry_the_parcel_is_not_tracked(shipped, poll):
    _seen, answer = poll
    answer["body"] = {"result": False, "returnCode": "500", "message": "服务器错误"}
    delays = [services.tracking_subscribe(order_id=shipped.pk) for _ in range(len(services.SUBSCRIBE_RETRY_DELAYS) + 1)]
    assert delays[-1] is None
    assert all(delays[:-1])
    assert TrackingSubscription.objects.get().state == "failed"


@pytest.mark.parametrize("code", ["600", "601", "700", "701", "702"])
def test_a_refusal_fails_the_subscription_for_good(shipped, poll, code):
    seen, answer = poll
    answer["body"] = {"result": False, "returnCode": code, "message": "拒绝订阅"}
    assert services.tracking_subscribe(order_id=shipped.pk) is None
    subscription = TrackingSubscription.objects.get()
    assert (subscription.state, subscription.last_error) == ("failed", f"{code} 拒绝订阅")
    # and it is not asked again
    services.tracking_subscribe(order_id=shipped.pk)
    assert len(seen) == 1


@pytest.fixture
def subscribed(shipped, poll):
    services.tracking_subscribe(order_id=shipped.pk)
    return shipped


def _journey():
    now = timezone.now().replace(microsecond=0)
    return (
        (now - dt.timedelta(hours=1), "签收", "【深圳市】已签收，签收人：本人"),
        (now - dt.timedelta(hours=4), "派件", "【深圳市】快递员正在派件"),
        (now - dt.timedelta(hours=20), "在途", "快件已到达【深圳转运中心】"),
        (now - dt.timedelta(hours=30), "揽收", "【杭州市】顺丰速运 已收取快件"),
    )


def test_a_signed_callback_is_verified_recorded_and_answered_as_kuaidi100_expects(subscribed):
    # given
    steps = _journey()
    body = kuaidi100_body(param(SF_NUMBER, *steps, state="3"), SALT)
    # when
    answer = post("kuaidi100", body)
    # then
    assert answer.status_code == 200
    assert answer.json() == ACCEPTED
    events = list(TrackingEvent.objects.values_list("status", "description", "location", "time"))
    assert [event[:3] for event in events] == [
        ("delivered", "【深圳市】已签收，签收人：本人", "上海"),
        ("out_for_delivery", "【深圳市】快递员正在派件", "上海"),
        ("in_transit", "快件已到达【深圳转运中心】", "上海"),
        ("collected", "【杭州市】顺丰速运 已收取快件", "上海"),
    ]
    assert [event[3] for event in events] == [step[0] for step in steps]
    subscribed.refresh_from_db()
    assert subscribed.confirm_by == steps[0][0] + dt.timedelta(days=7)


def test_a_callback_signed_with_another_salt_is_refused(subscribed):
    before = Order.objects.values_list("confirm_by", flat=True).get(pk=subscribed.pk)
    answer = post("kuaidi100", kuaidi100_body(param(SF_NUMBER, *_journey(), state="3"), "another-salt"))
    assert answer.status_code == 403
    assert (answer.json()["code"], answer.json()["field"]) == ("shipping.bad_signature", "sign")
    assert TrackingEvent.objects.count() == 0
    assert Order.objects.values_list("confirm_by", flat=True).get(pk=subscribed.pk) == before


def test_a_sandbox_signed_callback_is_not_a_kuaidi100_one():
    adapter = tracking.Kuaidi100Adapter(key=KEY, salt=SALT)
    param_text = param(SF_NUMBER, *_journey())
    with pytest.raises(BadSignature):
        adapter.parse_callback(urlencode({"param": param_text, "sign": sandbox.sign(param_text)}).encode(), {})


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("0", "in_transit"),
        ("1", "collected"),
        ("2", "problem"),
        ("3", "delivered"),
        ("4", "returned"),
        ("5", "out_for_delivery"),
        ("6", "returned"),
        ("7", "in_transit"),
        ("14", "problem"),
        ("103", "collected"),
        ("204", "problem"),
        ("301", "delivered"),
        ("304", "delivered"),
        ("501", "out_for_delivery"),
        ("1002", "in_transit"),
        ("99", None),
    ],
)
def test_kuaidi100_states_map_onto_ours(code, status):
    assert tracking.status_of(code) == status


def test_an_event_without_a_status_word_takes_the_parcel_state_when_it_is_the_newest():
    now = timezone.now().replace(microsecond=0)
    param_text = param(SF_NUMBER, (now, "", "派送途中"), (now - dt.timedelta(hours=5), "", "运输中"), state="5")
    events = tracking.events_of(param_text)
    assert [event.status for event in events] == ["out_for_delivery", "in_transit"]
    assert events[0].time.utcoffset() == dt.timedelta(hours=8)
