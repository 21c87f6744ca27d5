"""After-sales over the API: refunds before shipping, returns, exchanges, rejection, arbitration and deadlines.

Money always goes back through the original gateway, stock comes back
when goods do, and the ledger reconciles to the cent after every outcome.
"""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.aftersales import services
from jishi.aftersales.models import AftersalesRequest
from jishi.core.models import AuditEntry
from jishi.inventory.models import Stock
from jishi.ledger.reconcile import reconcile
from jishi.ledger.selectors import order_figures
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.payments.models import PaymentRefund, SandboxTrade
from tests import factories
from tests.conftest import image_bytes


def _lines(order, *quantities):
    """Lines of the order, food (100.00) first, then treats (25.50), with the quantities asked for."""
    return [
        {"order_line_id": line.pk, "quantity": quantity}
        for line, quantity in zip(order.lines.order_by("-unit_price_minor"), quantities, strict=False)
        if quantity
    ]


def _ask(api, order, kind="refund", quantities=(2, 1), **extra):
    body = {"order_number": order.number, "kind": kind, "reason": "不想要了", "lines": _lines(order, *quantities)}
    return api("post", "/aftersales", user=order.buyer, json={**body, **extra})


def _send_refunds():
    for refund in PaymentRefund.objects.filter(status="pending"):
        payments.refund_send(refund_id=refund.pk)


def _stock(product):
    return Stock.objects.get(pk=factories.sku_of(product).pk).quantity


def test_a_refund_before_shipping_accepted_by_the_shop_returns_everything(api, order, merchant_staff, food):
    # given a paid order the buyer wants to cancel before it ships
    asked = _ask(api, order)
    assert asked.status_code == 201
    number = asked.json()["number"]
    assert asked.json()["amount"] == {"amount": "225.50", "currency": "CNY"}
    order.refresh_from_db()
    assert order.on_hold is True
    # when the shop accepts
    accepted = api("post", f"/merchant/aftersales/{number}/accept", user=merchant_staff, json={})
    _send_refunds()
    # then the whole payment goes back through the sandbox, the goods are sellable again and the order closes
    assert accepted.json()["status"] == "refunded"
    assert SandboxTrade.objects.get().refunded_minor == 22550
    order.refresh_from_db()
    assert (order.status, order.on_hold) == ("closed", False)
    assert _stock(food) == 10  # 10 - 2 sold + 2 back
    assert order_figures(order).refunded == 22550
    assert reconcile().ok
    timeline = [e["to_status"] for e in api("get", f"/aftersales/{number}", user=order.buyer).json()["events"]]
    assert timeline == ["requested", "refunded"]


def test_a_partial_refund_leaves_the_rest_of_the_order_to_ship(api, order, merchant_staff, food, treats):
    # given the buyer wants one of the two bags of food back, for less than it cost
    number = _ask(api, order, quantities=(1, 0), amount="80.00").json()["number"]
    api("post", f"/merchant/aftersales/{number}/accept", user=merchant_staff, json={})
    _send_refunds()
    order.refresh_from_db()
    # then 80.00 went back, one bag is sellable again, and the order is still there to ship
    assert (order.status, order.on_hold) == ("paid", False)
    assert SandboxTrade.objects.get().refunded_minor == 8000
    assert (_stock(food), _stock(treats)) == (9, 9)
    shipped = api(
        "post",
        f"/merchant/orders/{order.number}/ship",
        user=merchant_staff,
        json={"carrier": "顺丰", "tracking_number": "SF2"},
    )
    assert shipped.status_code == 200
    assert reconcile().ok


def test_a_refund_above_the_lines_or_on_a_shipped_order_is_refused(api, order, merchant_staff):
    too_much = _ask(api, order, quantities=(1, 0), amount="100.01")
    assert (too_much.status_code, too_much.json()["code"], too_much.json()["field"]) == (
        422,
        "aftersales.invalid_request",
        "amount",
    )
    too_many = _ask(api, order, quantities=(3, 0))
    assert (too_many.status_code, too_many.json()["field"]) == (422, "lines.0.quantity")
    api(
        "post",
        f"/merchant/orders/{order.number}/ship",
        user=merchant_staff,
        json={"carrier": "顺丰", "tracking_number": "SF3"},
    )
    shipped = _ask(api, order)
    assert (shipped.status_code, shipped.json()["code"]) == (409, "aftersales.not_eligible")
    assert not AftersalesRequest.objects.exists()


def test_an_open_request_holds_the_order_and_a_second_one_waits(api, order, merchant_staff):
    _ask(api, order, quantities=(1, 0))
    second = _ask(api, order, quantities=(0, 1))
    assert (second.status_code, second.json()["code"]) == (409, "aftersales.already_open")
    ship = api(
        "post",
        f"/merchant/orders/{order.number}/ship",
        user=merchant_staff,
        json={"carrier": "顺丰", "tracking_number": "SF4"},
    )
    assert (ship.status_code, ship.json()["code"]) == (409, "orders.on_hold")


def test_someone_elses_order_or_request_is_not_found(api, order, other_buyer, other_merchant_staff, merchant_staff):
    other = api(
        "post",
        "/aftersales",
        user=other_buyer,
        json={"order_number": order.number, "kind": "refund", "reason": "x", "lines": _lines(order, 1)},
    )
    assert other.status_code == 404
    number = _ask(api, order).json()["number"]
    assert api("get", f"/aftersales/{number}", user=other_buyer).status_code == 404
    assert api("post", f"/merchant/aftersales/{number}/accept", user=other_merchant_staff, json={}).status_code == 404
    assert api("post", f"/merchant/aftersales/{number}/accept", user=order.buyer, json={}).status_code == 403
    assert (
        api(
            "post", f"/operator/aftersales/{number}/decide", user=merchant_staff, json={"for_buyer": True, "note": "x"}
        ).status_code
        == 403
    )
    assert AftersalesRequest.objects.get().status == "requested"
    assert not PaymentRefund.objects.exists()


def test_rejected_escalated_and_ruled_for_the_buyer(api, order, merchant_staff, support):
    number = _ask(api, order).json()["number"]
    api("post", f"/merchant/aftersales/{number}/reject", user=merchant_staff, json={"reason": "已打包，不能退"})
    # the buyer puts a photo and a message before the platform, then escalates
    photo = api(
        "post",
        f"/aftersales/{number}/evidence",
        user=order.buyer,
        data={"file": _upload("chat.png", image_bytes()), "message": "聊天记录"},
    )
    assert photo.status_code == 201
    escalated = api("post", f"/aftersales/{number}/escalate", user=order.buyer, json={"note": "商家未发货却拒绝退款"})
    assert escalated.json()["status"] == "arbitration"
    queue = api("get", "/operator/aftersales", user=support).json()
    assert [item["number"] for item in queue["items"]] == [number]
    detail = api("get", f"/operator/aftersales/{number}", user=support).json()
    assert [e["party"] for e in detail["evidence"]] == ["buyer"]
    assert api("get", detail["evidence"][0]["url"].removeprefix("/api/v1"), user=support).status_code == 200
    # when support rules for the buyer
    ruled = api(
        "post",
        f"/operator/aftersales/{number}/decide",
        user=support,
        json={"for_buyer": True, "note": "商家未发货，全额退款"},
    )
    _send_refunds()
    # then the money goes back and the decision is audited
    assert ruled.json()["status"] == "refunded"
    assert SandboxTrade.objects.get().refunded_minor == 22550
    assert AuditEntry.objects.filter(action="aftersales.decided", reason="商家未发货，全额退款").count() == 1
    assert reconcile().ok


def test_ruled_for_the_shop_the_request_closes_and_the_order_goes_on(api, order, merchant_staff, support):
    number = _ask(api, order).json()["number"]
    api("post", f"/merchant/aftersales/{number}/reject", user=merchant_staff, json={"reason": "定制商品"})
    api("post", f"/aftersales/{number}/escalate", user=order.buyer, json={"note": "请平台介入"})
    ruled = api(
        "post", f"/operator/aftersales/{number}/decide", user=support, json={"for_buyer": False, "note": "定制商品不退"}
    )
    assert ruled.json()["status"] == "closed"
    order.refresh_from_db()
    assert (order.status, order.on_hold) == ("paid", False)
    assert not PaymentRefund.objects.exists()


def test_the_hold_and_its_release_are_steps_on_the_orders_timeline(api, order, merchant_staff, support):
    # given a paid order
    number = _ask(api, order).json()["number"]
    # when the request is ruled for the shop after escalation
    api("post", f"/merchant/aftersales/{number}/reject", user=merchant_staff, json={"reason": "定制商品"})
    api("post", f"/aftersales/{number}/escalate", user=order.buyer, json={"note": "请平台介入"})
    api(
        "post", f"/operator/aftersales/{number}/decide", user=support, json={"for_buyer": False, "note": "定制商品不退"}
    )
    # then the order's timeline shows who held it and who let it go on, once each
    events = api("get", f"/orders/{order.number}", user=order.buyer).json()["events"]
    assert [(e["kind"], e["to_status"], e["actor_role"]) for e in events] == [
        ("status", "pending_payment", "buyer"),
        ("status", "paid", "system"),
        ("held", "paid", "buyer"),
        ("released", "paid", "operator"),
    ]


def test_a_return_is_refunded_when_the_shop_has_the_goods_back(api, delivered, merchant_staff, food):
    number = _ask(api, delivered, kind="return", quantities=(1, 0)).json()["number"]
    accepted = api(
        "post",
        f"/merchant/aftersales/{number}/accept",
        user=merchant_staff,
        json={"return_address": "上海市浦东新区退货仓 1 号"},
    )
    assert accepted.json()["status"] == "awaiting_return"
    shipped = api(
        "post",
        f"/aftersales/{number}/ship-back",
        user=delivered.buyer,
        json={"carrier": "中通", "tracking_number": "ZT778899"},
    )
    assert shipped.json()["status"] == "return_shipped"
    received = api("post", f"/merchant/aftersales/{number}/receive", user=merchant_staff, json={})
    _send_refunds()
    assert received.json()["status"] == "refunded"
    assert SandboxTrade.objects.get().refunded_minor == 10000
    assert _stock(food) == 9
    delivered.refresh_from_db()
    assert (delivered.status, delivered.on_hold) == ("delivered", False)
    assert reconcile().ok


def _sent_back(api, order, number, shop, tracking):
    """The shop agrees to take the goods back at its warehouse, and the buyer ships them."""
    api("post", f"/merchant/aftersales/{number}/accept", user=shop, json={"return_address": "上海市退货仓"})
    api(
        "post",
        f"/aftersales/{number}/ship-back",
        user=order.buyer,
        json={"carrier": "中通", "tracking_number": tracking},
    )


def test_an_exchange_ends_with_the_replacement_shipped_and_no_refund(api, delivered, merchant_staff):
    number = _ask(api, delivered, kind="exchange", quantities=(0, 1)).json()["number"]
    _sent_back(api, delivered, number, merchant_staff, "ZT1")
    missing = api("post", f"/merchant/aftersales/{number}/receive", user=merchant_staff, json={})
    assert missing.json()["field"] == "replacement_carrier"
    done = api(
        "post",
        f"/merchant/aftersales/{number}/receive",
        user=merchant_staff,
        json={"replacement_carrier": "顺丰", "replacement_tracking": "SF9"},
    )
    assert (done.json()["status"], done.json()["amount"]["amount"]) == ("exchanged", "0.00")
    assert not PaymentRefund.objects.exists()


def test_a_shop_that_does_not_answer_has_agreed(api, order):
    number = _ask(api, order).json()["number"]
    AftersalesRequest.objects.update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    assert services.requests_act_on_deadlines() == 1
    assert services.requests_act_on_deadlines() == 0
    _send_refunds()
    request = AftersalesRequest.objects.get(number=number)
    assert request.status == "refunded"
    assert request.events.last().party == "system"
    assert SandboxTrade.objects.get().refunded_minor == 22550


def test_a_rejection_not_escalated_in_time_closes(api, order, merchant_staff):
    number = _ask(api, order).json()["number"]
    api("post", f"/merchant/aftersales/{number}/reject", user=merchant_staff, json={"reason": "不同意"})
    AftersalesRequest.objects.update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    services.requests_act_on_deadlines()
    assert AftersalesRequest.objects.get().status == "closed"
    assert Order.objects.get().on_hold is False


def test_a_held_order_is_not_completed_so_its_money_stays_refundable(api, delivered):
    from jishi.orders.tasks import orders_complete_due

    _ask(api, delivered, kind="return", quantities=(1, 0))
    Order.objects.update(complete_at=timezone.now() - dt.timedelta(seconds=1))
    orders_complete_due.call()
    assert Order.objects.get().status == "delivered"


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.txt", b"just text"), ("fake.png", b"\x89PNG\r\n\x1a\n not really"), ("broken.pdf", b"%PDF-1.7 no end")],
)
def test_evidence_that_is_not_a_photo_or_a_pdf_is_refused(api, order, name, content):
    number = _ask(api, order).json()["number"]
    response = api("post", f"/aftersales/{number}/evidence", user=order.buyer, data={"file": _upload(name, content)})
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        422,
        "aftersales.invalid_evidence",
        "file",
    )
    assert not AftersalesRequest.objects.get().evidence.exists()


def test_a_pdf_from_the_shop_is_kept_and_shown_to_both_sides(api, order, merchant_staff, other_buyer):
    number = _ask(api, order).json()["number"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    added = api(
        "post", f"/aftersales/{number}/evidence", user=merchant_staff, data={"file": _upload("waybill.pdf", pdf)}
    )
    assert (added.status_code, added.json()["party"], added.json()["content_type"]) == (
        201,
        "merchant",
        "application/pdf",
    )
    path = added.json()["url"].removeprefix("/api/v1")
    download = api("get", path, user=order.buyer)
    assert (download.status_code, download["Content-Disposition"]) == (200, "attachment")
    assert b"".join(download.streaming_content) == pdf
    assert api("get", path, user=other_buyer).status_code == 404


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_staff_of_another_shop_buying_here_add_evidence_as_the_buyer(api, other_merchant_staff, food):
    factories.address(other_merchant_staff, is_default=True)
    factories.pay(factories.place(other_merchant_staff, (factories.sku_of(food), 1)))
    order = Order.objects.get(buyer=other_merchant_staff)
    number = _ask(api, order, quantities=(1,)).json()["number"]
    added = api("post", f"/aftersales/{number}/evidence", user=other_merchant_staff, data={"message": "还没发货"})
    assert (added.status_code, added.json()["party"]) == (201, "buyer")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_refund_request_and_a_shipment_at_the_same_moment_exclude_each_other(order, merchant_staff):
    from jishi.orders import services as orders
    from tests.races import race

    line = order.lines.order_by("-unit_price_minor").first()

    def act(who):
        if who == "shop":
            return orders.order_ship(
                actor=merchant_staff, order_number=order.number, carrier="顺丰", tracking_number="SF7"
            )
        return services.request_create(
            actor=order.buyer,
            order_number=order.number,
            data=services.RequestInput(kind="refund", reason="不要了", lines=[services.LineInput(line.pk, 1)]),
        )

    outcomes = race(["shop", "buyer"], act)
    order.refresh_from_db()
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(won) == 1, outcomes
    if isinstance(won[0], Order):  # shipped first: no request, nothing held
        assert (order.status, order.on_hold, AftersalesRequest.objects.count()) == ("shipped", False, 0)
        assert type(outcomes[1]).__name__ == "NotEligible"
    else:  # asked first: the shop may not ship while the request is open
        assert (order.status, order.on_hold, AftersalesRequest.objects.count()) == ("paid", True, 1)
        assert type(outcomes[0]).__name__ == "OrderOnHold"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("at_once", [False, True], ids=["in_sequence", "at_once"])
def test_the_shop_accepting_a_refund_twice_gets_the_same_answer_twice(api, order, merchant_staff, at_once):
    from django.test import Client

    from jishi.accounts import services as accounts
    from tests.races import race

    # given a refund request for the whole order
    number = _ask(api, order).json()["number"]
    _, token = accounts.token_create(user=merchant_staff)

    def accept(_):
        response = Client().post(
            f"/api/v1/merchant/aftersales/{number}/accept",
            data={},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.json().get("status", response.json().get("code"))

    # when the shop accepts it twice, in sequence or at the same moment (two tabs, a double tap)
    answers = race([1, 2], accept) if at_once else [accept(1), accept(2)]
    # then both answers say it was refunded, and one refund of the whole order was made
    assert answers == [(200, "refunded"), (200, "refunded")]
    assert list(PaymentRefund.objects.values_list("amount_minor", flat=True)) == [22550]
    assert reconcile().ok


def _line_counts(answer):
    return {line["title"]: (line["quantity"], line["refunded_quantity"], line["returned_quantity"]) for line in answer}


def test_a_client_builds_a_request_from_the_order_answer_alone(api, order, merchant_staff):
    # given only what the buyer's order answer says
    lines = api("get", f"/orders/{order.number}", user=order.buyer).json()["lines"]
    food = next(line for line in lines if line["unit_price"]["amount"] == "100.00")
    # when the buyer asks for one bag of food back by the line id it gives
    asked = api(
        "post",
        "/aftersales",
        user=order.buyer,
        json={
            "order_number": order.number,
            "kind": "refund",
            "reason": "买多了",
            "lines": [{"order_line_id": food["id"], "quantity": 1}],
        },
    )
    assert asked.status_code == 201
    api("post", f"/merchant/aftersales/{asked.json()['number']}/accept", user=merchant_staff, json={})
    # then the buyer's and the shop's answers both count the refunded bag on its line, and nothing returned
    for answer in (
        api("get", f"/orders/{order.number}", user=order.buyer).json(),
        api("get", f"/merchant/orders/{order.number}", user=merchant_staff).json(),
    ):
        assert _line_counts(answer["lines"]) == {"渴望六种鱼猫粮 5.4kg": (2, 1, 0), "冻干鸡肉猫零食": (1, 0, 0)}
    listed = api("get", "/orders", user=order.buyer).json()["items"][0]["lines"]
    assert {line["id"] for line in listed} == set(order.lines.values_list("pk", flat=True))


def test_returned_and_exchanged_units_are_counted_on_their_lines(api, delivered, merchant_staff):
    # given a return of one bag of food, received and refunded
    number = _ask(api, delivered, kind="return", quantities=(1, 0)).json()["number"]
    _sent_back(api, delivered, number, merchant_staff, "Z1")
    api("post", f"/merchant/aftersales/{number}/receive", user=merchant_staff, json={})
    # and an exchange of the treats, received and replaced
    number = _ask(api, delivered, kind="exchange", quantities=(0, 1)).json()["number"]
    _sent_back(api, delivered, number, merchant_staff, "Z2")
    api(
        "post",
        f"/merchant/aftersales/{number}/receive",
        user=merchant_staff,
        json={"replacement_carrier": "顺丰", "replacement_tracking": "SF9"},
    )
    # then
    lines = api("get", f"/orders/{delivered.number}", user=delivered.buyer).json()["lines"]
    assert _line_counts(lines) == {"渴望六种鱼猫粮 5.4kg": (2, 1, 1), "冻干鸡肉猫零食": (1, 0, 1)}
