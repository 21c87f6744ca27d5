"""Tracking end to end on the sandbox courier, and the callback endpoint's answers to what is not a callback."""

import datetime as dt
import itertools
import json
from urllib.parse import urlencode

import pytest
from django.tasks import task_backends
from django.utils import timezone

from jishi.core.models import AuditEntry
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.shipping import sandbox, services, tasks
from jishi.shipping.models import SandboxParcel, TrackingEvent, TrackingSubscription
from tests import factories
from tests.shipping.tracking_support import SF_NUMBER, param, post, ship

ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}


def _sandbox_body(param_text):
    return urlencode({"param": param_text, "sign": sandbox.sign(param_text)}).encode()


def _subscribed(order):
    tasks.tracking_subscribe.call(order.pk)
    return TrackingSubscription.objects.get(order_id=order.pk)


def _state(order):
    order.refresh_from_db()
    return (order.status, order.confirm_by, TrackingEvent.objects.count(), AuditEntry.objects.count())


def test_shipping_subscribes_after_commit_in_a_task(
    buyer, home, shop, merchant_staff, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = ship(buyer, shop, merchant_staff)
    # then: the task is queued, nothing subscribed yet (a slow aggregator never holds up shipping)
    queued = [result for result in task_backends["default"].results if result.task.name == "tracking_subscribe"]
    assert [result.args for result in queued] == [[order.pk]]
    assert not TrackingSubscription.objects.exists()
    # when the task runs
    subscription = _subscribed(order)
    # then
    assert (subscription.carrier_code, subscription.number, subscription.adapter, subscription.state) == (
        "shunfeng",
        SF_NUMBER,
        "sandbox",
        "subscribed",
    )
    assert SandboxParcel.objects.get().callback_url == "http://127.0.0.1:8000/api/v1/tracking/callback/sandbox"


def test_the_sandbox_script_is_a_realistic_journey(shipped):
    # when
    subscription = _subscribed(shipped)
    steps = subscription.sandbox.script
    # then: 揽收 in the shop's city, 2-4 hops, 派送中 and 已签收 in the buyer's, hours apart
    states = [step["state"] for step in steps]
    assert states[0] == "1"
    assert states[-2:] == ["5", "3"]
    assert 2 <= states.count("0") <= 4
    assert (steps[0]["area"], steps[-1]["area"]) == ("杭州", "深圳")
    times = [dt.datetime.fromisoformat(step["at"]) for step in steps]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= dt.timedelta(hours=1) for gap in gaps)
    assert times[0] > shipped.shipped_at
    # subscribing again keeps the script
    tasks.tracking_subscribe.call(shipped.pk)
    assert SandboxParcel.objects.get().script == steps


def test_the_sandbox_parcel_travels_to_signed_for_and_moves_the_confirm_clock(
    shipped, callbacks_through_client, settings
):
    # given: shipped ten days ago, its journey scripted from then
    settings.JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS = 7
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Order.objects.filter(pk=shipped.pk).update(shipped_at=ten_days_ago, confirm_by=ten_days_ago + dt.timedelta(days=10))
    subscription = _subscribed(shipped)
    steps = subscription.sandbox.script
    # when: the courier moves only the first step
    first_due = dt.datetime.fromisoformat(steps[0]["at"])
    assert sandbox.parcels_advance(now=first_due) == 1
    # then
    assert list(TrackingEvent.objects.values_list("status", flat=True)) == ["collected"]
    # when: the periodic task runs now, everything else is due
    assert tasks.sandbox_parcels_advance.call() == len(steps) - 1
    # then: every callback was accepted, each event recorded once, newest first
    assert set(callbacks_through_client) == {(200, json.dumps(ACCEPTED, ensure_ascii=False))}
    events = list(TrackingEvent.objects.filter(subscription=subscription))
    assert len(events) == len(steps)
    assert (events[0].status, events[-1].status) == ("delivered", "collected")
    assert events[1].status == "out_for_delivery"
    assert events[0].time == dt.datetime.fromisoformat(steps[-1]["at"]).replace(microsecond=0)
    shipped.refresh_from_db()
    assert shipped.confirm_by == events[0].time + dt.timedelta(days=7)
    assert shipped.status == "shipped"
    assert AuditEntry.objects.filter(action="shipping.parcel_signed_for", target_id=str(shipped.pk)).count() == 1
    subscription.refresh_from_db()
    assert subscription.state == "ended"
    # and the courier is done
    parcel = SandboxParcel.objects.get()
    assert (parcel.sent, parcel.next_at) == (len(steps), None)
    assert sandbox.parcels_advance(now=timezone.now()) == 0


def _signed_now(number, *, hours_ago=1):
    at = (timezone.now() - dt.timedelta(hours=hours_ago)).replace(microsecond=0)
    return at, param(number, (at, "签收", "【深圳】已签收，签收人：本人"), state="3")


def test_a_late_delivery_extends_the_clock_and_an_early_one_shortens_it(shipped, settings):
    settings.JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS = 7
    _subscribed(shipped)
    # given: the shipping clock runs out tomorrow, the parcel was signed for an hour ago
    Order.objects.filter(pk=shipped.pk).update(confirm_by=timezone.now() + dt.timedelta(days=1))
    at, param_text = _signed_now(SF_NUMBER)
    # when
    answer = post("sandbox", _sandbox_body(param_text))
    # then: the buyer gets seven days from the delivery (extended)
    assert (answer.status_code, answer.json()) == (200, ACCEPTED)
    shipped.refresh_from_db()
    assert shipped.confirm_by == at + dt.timedelta(days=7)


def test_an_early_delivery_shortens_the_ten_day_shipping_clock(shipped, settings):
    settings.JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS = 7
    _subscribed(shipped)
    before = shipped.confirm_by
    at, param_text = _signed_now(SF_NUMBER)
    post("sandbox", _sandbox_body(param_text))
    shipped.refresh_from_db()
    assert shipped.confirm_by == at + dt.timedelta(days=7) < before


def test_the_same_callback_twice_records_once_and_changes_nothing_more(shipped):
    # given
    _subscribed(shipped)
    _at, param_text = _signed_now(SF_NUMBER)
    body = _sandbox_body(param_text)
    first = post("sandbox", body)
    after_first = _state(shipped)
    # when
    again = post("sandbox", body)
    # then
    assert first.status_code == again.status_code == 200
    assert _state(shipped) == after_first
    assert TrackingEvent.objects.count() == 1


def test_a_bad_signature_is_a_403_and_writes_nothing(shipped):
    # given
    _subscribed(shipped)
    before = _state(shipped)
    _at, param_text = _signed_now(SF_NUMBER)
    # when: signed with another key, unsigned, signed with non-ASCII junk
    answers = [
        post("sandbox", urlencode({"param": param_text, "sign": "0" * 64}).encode()),
        post("sandbox", urlencode({"param": param_text}).encode()),
        post("sandbox", urlencode({"param": param_text, "sign": "签名"}).encode()),
        post("sandbox", urlencode({"param": param_text + " ", "sign": sandbox.sign(param_text)}).encode()),
    ]
    # then
    for answer in answers:
        assert answer.status_code == 403
        assert answer.json() == {"code": "shipping.bad_signature", "message": answer.json()["message"], "field": "sign"}
    assert _state(shipped) == before


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"param=a&param=b",
        b"no equals sign here",
        urlencode({"sign": "ABC"}).encode(),
        b"param=" + b"x" * (300 * 1024),
    ],
)
def test_a_body_that_is_no_callback_is_a_400_never_a_500(shipped, body):
    _subscribed(shipped)
    before = _state(shipped)
    answer = post("sandbox", body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "shipping.bad_callback"
    assert set(answer.json()) == {"code", "message", "field"}
    assert _state(shipped) == before


@pytest.mark.parametrize(
    "param_text",
    [
        "not json",
        "[]",
        '{"lastResult": []}',
        '{"lastResult": {"nu": "", "data": []}}',
        '{"lastResult": {"nu": "SF1234567890123", "data": "x"}}',
        '{"lastResult": {"nu": "SF1234567890123", "data": [{"time": "yesterday", "context": "x"}]}}',
        '{"lastResult": {"nu": "SF1234567890123", "data": [{"time": "2999-01-01 00:00:00", "context": "x"}]}}',
        '{"lastResult": {"nu": "SF1234567890123", "data": [{"time": "2026-01-01 00:00:00", "context": ""}]}}',
        '{"lastResult": {"nu": "SF1234567890123", "data": [{"time": "2026-01-01 00:00:00", "context": 5}]}}',
    ],
)
def test_a_signed_param_that_does_not_read_is_a_400(shipped, param_text):
    _subscribed(shipped)
    before = _state(shipped)
    answer = post("sandbox", _sandbox_body(param_text))
    assert answer.status_code == 400
    assert answer.json()["code"] == "shipping.bad_callback"
    assert _state(shipped) == before


def test_a_callback_for_a_number_no_order_shipped_with_is_a_404(shipped):
    _subscribed(shipped)
    before = _state(shipped)
    _at, param_text = _signed_now("SF9999999999999")
    answer = post("sandbox", _sandbox_body(param_text))
    assert answer.status_code == 404
    assert answer.json() == {
        "code": "shipping.subscription_not_found",
        "message": answer.json()["message"],
        "field": "param",
    }
    assert _state(shipped) == before


def test_a_callback_to_an_adapter_this_site_does_not_run_is_a_404(shipped, settings):
    settings.JISHI_KUAIDI100_KEY = ""
    _at, param_text = _signed_now(SF_NUMBER)
    answer = post("kuaidi100", _sandbox_body(param_text))
    assert answer.status_code == 404
    assert answer.json()["code"] == "shipping.unknown_adapter"
    assert post("nope", b"param=x").json()["field"] == "adapter"


def test_an_empty_history_adds_nothing_and_is_answered(shipped):
    _subscribed(shipped)
    answer = post("sandbox", _sandbox_body(param(SF_NUMBER)))
    assert (answer.status_code, answer.json()) == (200, ACCEPTED)
    assert TrackingEvent.objects.count() == 0


def test_callbacks_for_a_completed_order_are_recorded_but_change_nothing(buyer, home, shop, merchant_staff):
    # given
    order = ship(buyer, shop, merchant_staff)
    _subscribed(order)
    orders.order_confirm_receipt(actor=buyer, order_number=order.number)
    Order.objects.filter(pk=order.pk).update(complete_at=timezone.now() - dt.timedelta(seconds=1))
    orders.order_complete_due(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "completed"
    before = (order.status, order.confirm_by, order.delivered_at, order.completed_at)
    # when
    _at, param_text = _signed_now(SF_NUMBER)
    answer = post("sandbox", _sandbox_body(param_text))
    # then
    assert answer.status_code == 200
    assert TrackingEvent.objects.get().status == "delivered"
    order.refresh_from_db()
    assert (order.status, order.confirm_by, order.delivered_at, order.completed_at) == before


def test_a_delivery_of_an_order_on_hold_keeps_its_clock(shipped):
    _subscribed(shipped)
    Order.objects.filter(pk=shipped.pk).update(on_hold=True)
    before = shipped.confirm_by
    _at, param_text = _signed_now(SF_NUMBER)
    assert post("sandbox", _sandbox_body(param_text)).status_code == 200
    shipped.refresh_from_db()
    assert shipped.confirm_by == before
    assert TrackingEvent.objects.count() == 1


def test_two_orders_sent_in_one_parcel_both_get_its_events(buyer, home, shop, merchant_staff):
    first = ship(buyer, shop, merchant_staff)
    second = ship(buyer, shop, merchant_staff)
    _subscribed(first)
    _subscribed(second)
    _at, param_text = _signed_now(SF_NUMBER)
    assert post("sandbox", _sandbox_body(param_text)).status_code == 200
    assert sorted(TrackingEvent.objects.values_list("subscription__order_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )


def test_a_courier_not_on_the_list_is_not_tracked(buyer, home, shop, merchant_staff):
    order = ship(buyer, shop, merchant_staff, carrier="德邦快递", number="DPK123456")
    subscription = _subscribed(order)
    assert (subscription.state, subscription.last_error) == ("failed", "carrier not listed")
    assert not SandboxParcel.objects.exists()


def test_a_pickup_batch_or_an_unshipped_order_is_not_subscribed(buyer, home, shop):
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    assert services.tracking_subscribe(order_id=order.pk) is None
    assert not TrackingSubscription.objects.exists()


def test_no_tracking_service_running_leaves_the_parcel_untracked(shipped, settings):
    settings.JISHI_SANDBOX_ENABLED = False
    subscription = _subscribed(shipped)
    assert (subscription.state, subscription.last_error) == ("failed", "no tracking service")


def test_a_step_not_accepted_is_posted_again_on_the_next_run(shipped, monkeypatch):
    # given: our endpoint is down for the first run
    Order.objects.filter(pk=shipped.pk).update(shipped_at=timezone.now() - dt.timedelta(days=10))
    _subscribed(shipped)
    monkeypatch.setattr(sandbox, "deliver", lambda url, body: "")
    # when
    assert sandbox.parcels_advance(now=timezone.now()) == 0
    # then: nothing was told, and the next run starts from the first step
    parcel = SandboxParcel.objects.get()
    assert (parcel.sent, parcel.next_at) == (0, dt.datetime.fromisoformat(parcel.script[0]["at"]))
    assert TrackingEvent.objects.count() == 0
