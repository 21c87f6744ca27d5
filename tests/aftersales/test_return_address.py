"""Where returned goods go: the shop's default return address, and rulings that always carry themselves out.

A ruling for the buyer on a return must end in a state change or a clear
error: never a page that says it was carried out while nothing moved.
"""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.aftersales import services
from jishi.aftersales.models import AftersalesEvent, AftersalesRequest
from jishi.core.masking import mask_personal_data
from jishi.core.models import AuditEntry
from jishi.inventory.models import Stock
from jishi.ledger.reconcile import reconcile
from jishi.payments import services as payments
from jishi.payments.models import PaymentRefund, SandboxTrade
from tests import factories

ADDRESS = "李店长 13800000009 上海市浦东新区退货仓 1 号"


def _return(api, order, quantities=(1, 0)):
    lines = [
        {"order_line_id": line.pk, "quantity": quantity}
        for line, quantity in zip(order.lines.order_by("-unit_price_minor"), quantities, strict=True)
        if quantity
    ]
    body = {"order_number": order.number, "kind": "return", "reason": "不合适", "lines": lines}
    return api("post", "/aftersales", user=order.buyer, json=body).json()["number"]


def _escalated(api, order, shop):
    number = _return(api, order)
    api("post", f"/merchant/aftersales/{number}/reject", user=shop, json={"reason": "不同意退货"})
    api("post", f"/aftersales/{number}/escalate", user=order.buyer, json={"note": "请平台介入"})
    assert AftersalesRequest.objects.get(number=number).status == "arbitration"
    return number


def _decide(api, number, support, **body):
    return api("post", f"/operator/aftersales/{number}/decide", user=support, json={"note": "支持买家", **body})


def test_the_shop_keeps_a_default_return_address_used_when_it_accepts(api, delivered, merchant_staff):
    assert api("get", "/merchant/return-address", user=merchant_staff).json() == {"return_address": ""}
    saved = api("put", "/merchant/return-address", user=merchant_staff, json={"return_address": ADDRESS})
    assert saved.json() == {"return_address": ADDRESS}
    assert AuditEntry.objects.filter(action="merchant.return_address").count() == 1
    number = _return(api, delivered)
    accepted = api("post", f"/merchant/aftersales/{number}/accept", user=merchant_staff, json={})
    assert accepted.json()["status"] == "awaiting_return"
    assert AftersalesRequest.objects.get(number=number).return_address == ADDRESS


def test_accepting_a_return_with_no_address_anywhere_is_refused_and_nothing_moves(api, delivered, merchant_staff):
    number = _return(api, delivered)
    refused = api("post", f"/merchant/aftersales/{number}/accept", user=merchant_staff, json={})
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("aftersales.no_return_address", "return_address")
    assert AftersalesRequest.objects.get(number=number).status == "requested"


def test_a_buyer_cannot_set_a_shop_return_address(api, buyer):
    response = api("put", "/merchant/return-address", user=buyer, json={"return_address": ADDRESS})
    assert response.status_code == 403


def test_a_ruling_for_the_buyer_without_any_address_is_an_error_and_writes_nothing(
    api, delivered, merchant_staff, support
):
    number = _escalated(api, delivered, merchant_staff)
    events = AftersalesEvent.objects.count()
    ruled = _decide(api, number, support, for_buyer=True)
    assert ruled.status_code == 422
    assert ruled.json()["code"] == "aftersales.no_return_address"
    request = AftersalesRequest.objects.get(number=number)
    assert (request.status, request.decision, request.decided_by_id) == ("arbitration", "", None)
    assert AftersalesEvent.objects.count() == events
    assert not AuditEntry.objects.filter(action="aftersales.decided").exists()


def test_the_arbitrator_gives_the_return_address(api, delivered, merchant_staff, support):
    number = _escalated(api, delivered, merchant_staff)
    ruled = _decide(api, number, support, for_buyer=True, return_address=ADDRESS)
    assert ruled.json()["status"] == "awaiting_return"
    request = AftersalesRequest.objects.get(number=number)
    assert request.return_address == ADDRESS
    assert request.events.last().to_status == "awaiting_return"
    assert AuditEntry.objects.get(action="aftersales.decided").after["return_address"] == mask_personal_data(ADDRESS)


def test_the_arbitrator_corrects_the_shops_return_address(api, delivered, merchant_staff, support):
    api("put", "/merchant/return-address", user=merchant_staff, json={"return_address": "旧地址 已经搬走的仓库 1 号"})
    number = _escalated(api, delivered, merchant_staff)
    _decide(api, number, support, for_buyer=True, return_address=ADDRESS)
    assert AftersalesRequest.objects.get(number=number).return_address == ADDRESS


def test_a_refund_without_a_return_leaves_the_goods_and_the_stock_where_they_are(
    api, delivered, merchant_staff, support, food
):
    stock = Stock.objects.get(pk=factories.sku_of(food).pk).quantity
    number = _escalated(api, delivered, merchant_staff)
    ruled = _decide(api, number, support, for_buyer=True, without_return=True)
    assert ruled.json()["status"] == "refunded"
    for refund in PaymentRefund.objects.filter(status="pending"):
        payments.refund_send(refund_id=refund.pk)
    assert SandboxTrade.objects.get().refunded_minor == 10000
    assert Stock.objects.get(pk=factories.sku_of(food).pk).quantity == stock  # the goods stay with the buyer
    assert reconcile().ok


@pytest.mark.parametrize("for_buyer", [True, False])
def test_refund_without_return_is_only_for_a_return_ruled_for_the_buyer(
    api, order, delivered, merchant_staff, support, for_buyer
):
    number = _escalated(api, delivered, merchant_staff)
    if for_buyer:  # a return whose goods were already sent back: the shop confirms them, not the ruling
        AftersalesRequest.objects.filter(number=number).update(return_tracking="ZT1", return_carrier="中通")
    ruled = _decide(api, number, support, for_buyer=for_buyer, without_return=True)
    assert (ruled.status_code, ruled.json()["field"]) == (422, "without_return")
    assert AftersalesRequest.objects.get(number=number).status == "arbitration"


def test_a_silent_shop_without_a_return_address_hands_the_return_to_the_platform(api, delivered):
    number = _return(api, delivered)
    AftersalesRequest.objects.update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    services.requests_act_on_deadlines()
    request = AftersalesRequest.objects.get(number=number)
    assert request.status == "arbitration"
    assert request.events.last().party == "system"


def test_a_second_ruling_finds_the_request_ruled(api, delivered, merchant_staff, support):
    number = _escalated(api, delivered, merchant_staff)
    assert _decide(api, number, support, for_buyer=True, without_return=True).status_code == 200
    again = _decide(api, number, support, for_buyer=False)
    assert (again.status_code, again.json()["code"]) == (409, "aftersales.invalid_transition")
    assert AuditEntry.objects.filter(action="aftersales.decided").count() == 1
