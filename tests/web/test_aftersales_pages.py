"""After-sales pages: the buyer asks and escalates, the shop answers, support rules — and who may open what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jishi.aftersales.models import AftersalesRequest, Evidence
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.payments.models import PaymentRefund, SandboxTrade
from tests import factories
from tests.conftest import image_bytes


@pytest.fixture(autouse=True)
def _tasks_recorded(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def order(buyer, merchant_staff, leaf_category):
    product = factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="99.00", stock=3)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    return Order.objects.get()


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def test_refund_rejected_escalated_and_ruled_for_the_buyer_through_the_pages(order, buyer, merchant_staff, support):
    # the buyer asks for a refund from the order page, with a photo
    shopper = _as(buyer)
    assert "申请退款" in shopper.get(f"/orders/{order.number}/").content.decode()
    form = shopper.get(f"/orders/{order.number}/aftersales/").content.decode()
    line = order.lines.get()
    assert f'name="quantity_{line.pk}"' in form
    photo = SimpleUploadedFile("parcel.png", image_bytes())
    sent = shopper.post(
        f"/orders/{order.number}/aftersales/",
        {"kind": "refund", "reason": "不想要了", f"quantity_{line.pk}": "1", "description": "拍错了", "file": photo},
    )
    request = AftersalesRequest.objects.get()
    assert sent["Location"] == f"/aftersales/{request.number}/"
    assert Evidence.objects.get().party == "buyer"
    # the shop sees it in its queue and rejects it
    shop = _as(merchant_staff)
    assert request.number in shop.get("/merchant/aftersales/").content.decode()
    assert "拍错了" in shop.get(f"/merchant/aftersales/{request.number}/").content.decode()
    shop.post(f"/merchant/aftersales/{request.number}/act/", {"action": "reject", "reason": "已经打包"})
    # the buyer escalates; support sees both sides and rules for the buyer
    shopper.post(f"/aftersales/{request.number}/act/", {"action": "escalate", "note": "还没发货"})
    desk = _as(support)
    assert request.number in desk.get("/operator/aftersales/").content.decode()
    page = desk.get(f"/operator/aftersales/{request.number}/").content.decode()
    assert "已经打包" in page
    assert f"/api/v1/aftersales/{request.number}/evidence/" in page
    desk.post(f"/operator/aftersales/{request.number}/decide/", {"ruling": "buyer", "note": "未发货，应退款"})
    for refund in PaymentRefund.objects.all():
        payments.refund_send(refund_id=refund.pk)
    # then the money went back, the order is closed, and the books balance
    request.refresh_from_db()
    assert request.status == "refunded"
    assert SandboxTrade.objects.get().refunded_minor == 9900
    assert Order.objects.get().status == "closed"
    assert reconcile().ok
    assert "平台裁决" in shopper.get(f"/aftersales/{request.number}/").content.decode()
    assert "已退款 1 件" in shopper.get(f"/orders/{order.number}/").content.decode()


def test_a_refused_form_shows_why_and_writes_nothing(order, buyer):
    shopper = _as(buyer)
    url = f"/orders/{order.number}/aftersales/"
    line = order.lines.get()
    response = shopper.post(
        url,
        {"kind": "refund", "reason": "x", f"quantity_{line.pk}": "1", "amount": "500.00"},
        headers={"Referer": url},
        follow=True,
    )
    assert response.status_code == 422  # shown again in the same answer, with what was typed
    page = response.content.decode()
    assert page.count("退款金额可为 0.01 至 ¥99.00。") == 2  # at the top, and beside the amount
    assert 'value="500.00"' in page
    assert '<option value="x" selected>' not in page  # "x" is not a reason on the list; nothing invented
    assert 'name="kind" value="refund" checked' in page
    assert not AftersalesRequest.objects.exists()
    text = SimpleUploadedFile("notes.txt", b"plain text")
    shopper.post(
        url, {"kind": "refund", "reason": "x", f"quantity_{line.pk}": "1", "file": text}, headers={"Referer": url}
    )
    assert not AftersalesRequest.objects.exists()  # the bad file took the request down with it


ACTORS = ("buyer", "other_buyer", "merchant_staff", "other_merchant_staff", "support", "admin_operator", "finance")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/aftersales/", set(ACTORS)),  # every signed-in user has a list of their own
        ("/aftersales/{n}/", {"buyer"}),
        ("/merchant/aftersales/", {"merchant_staff", "other_merchant_staff"}),
        ("/merchant/aftersales/{n}/", {"merchant_staff"}),
        ("/operator/aftersales/", {"support", "admin_operator"}),
        ("/operator/aftersales/{n}/", {"support", "admin_operator"}),
    ],
)
def test_who_may_open_each_page(request, order, buyer, path, allowed):
    _as(buyer).post(
        f"/orders/{order.number}/aftersales/",
        {"kind": "refund", "reason": "x", f"quantity_{order.lines.get().pk}": "1"},
    )
    url = path.format(n=AftersalesRequest.objects.get().number)
    assert Client().get(url)["Location"].startswith("/login/")
    for name in ACTORS:
        status = _as(request.getfixturevalue(name)).get(url).status_code
        assert (status == 200) == (name in allowed), (name, status)
        assert status in (200, 403, 404)


def _delivered(order, merchant_staff):
    from jishi.orders import services as orders

    orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    orders.order_confirm_receipt(actor=order.buyer, order_number=order.number)


def test_an_arbitrated_return_with_no_shop_address_ends_in_a_refund_through_the_pages(
    order, buyer, merchant_staff, support
):
    _delivered(order, merchant_staff)
    line = order.lines.get()
    shopper, shop, desk = _as(buyer), _as(merchant_staff), _as(support)
    shopper.post(
        f"/orders/{order.number}/aftersales/",
        {"kind": "return", "reason": "不想要了", f"quantity_{line.pk}": "1"},
    )
    request = AftersalesRequest.objects.get()
    shop.post(f"/merchant/aftersales/{request.number}/act/", {"action": "reject", "reason": "不支持退货"})
    shopper.post(f"/aftersales/{request.number}/act/", {"action": "escalate", "note": "七天无理由"})
    page = f"/operator/aftersales/{request.number}/"
    assert "商家没有填写退货地址" in desk.get(page).content.decode()
    # a ruling with nowhere to send the goods is refused where it was made, with the reasons kept
    refused = desk.post(f"{page}decide/", {"ruling": "buyer", "note": "支持七天无理由"}, headers={"Referer": page})
    assert refused.status_code == 422
    assert "支持七天无理由</textarea>" in refused.content.decode()
    assert 'value="buyer" required checked' in refused.content.decode()
    request.refresh_from_db()
    assert request.status == "arbitration"
    # ruled as a refund without a return, it is carried out
    desk.post(f"{page}decide/", {"ruling": "buyer", "note": "支持七天无理由", "without_return": "1"})
    request.refresh_from_db()
    assert request.status == "refunded"
    for refund in PaymentRefund.objects.all():
        payments.refund_send(refund_id=refund.pk)
    assert SandboxTrade.objects.get().refunded_minor == 9900


def test_every_order_page_shows_the_payment_the_refunds_and_what_was_kept(order, buyer, merchant_staff, support):
    line = order.lines.get()
    _as(buyer).post(
        f"/orders/{order.number}/aftersales/",
        {"kind": "refund", "reason": "不想要了", f"quantity_{line.pk}": "1", "amount": "30.00"},
    )
    request = AftersalesRequest.objects.get()
    _as(merchant_staff).post(f"/merchant/aftersales/{request.number}/act/", {"action": "accept"})
    refund = PaymentRefund.objects.get()
    payment = refund.payment
    admin = factories.user(email="boss@example.com", operator_role="admin")
    for user, path, link in (
        (buyer, f"/orders/{order.number}/", f"/aftersales/{request.number}/"),
        (merchant_staff, f"/merchant/orders/{order.number}/", f"/merchant/aftersales/{request.number}/"),
        (admin, f"/operator/orders/{order.number}/", f"/operator/aftersales/{request.number}/"),
    ):
        page = _as(user).get(path).content.decode()
        assert payment.trade_no in page, path
        assert "沙箱支付" in page, path
        assert "-¥30.00" in page, path
        assert "退款中" in page, path
        assert "¥69.00" in page, path  # 99.00 paid, 30.00 going back
        assert link in page, path


def test_the_ship_form_says_a_request_is_open_and_keeps_what_was_typed(order, buyer, merchant_staff):
    line = order.lines.get()
    _as(buyer).post(
        f"/orders/{order.number}/aftersales/", {"kind": "refund", "reason": "不想要了", f"quantity_{line.pk}": "1"}
    )
    request = AftersalesRequest.objects.get()
    shop = _as(merchant_staff)
    page = f"/merchant/orders/{order.number}/"
    assert f"/merchant/aftersales/{request.number}/" in shop.get(page).content.decode()
    blocked = shop.post(
        f"{page}ship/", {"carrier": "顺丰速运", "tracking_number": "SF778899"}, headers={"Referer": page}
    )
    assert blocked.status_code in (409, 422)
    body = blocked.content.decode()
    assert 'value="SF778899"' in body
    assert 'value="顺丰速运"' in body
    assert f"/merchant/aftersales/{request.number}/" in body
    assert Order.objects.get().status == "paid"
