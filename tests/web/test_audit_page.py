"""The audit log reads as words, money and links, and shop-side money and status changes are in it."""

import pytest
from django.test import Client

from jishi.aftersales import services as aftersales
from jishi.core.models import AuditEntry
from jishi.orders import services as orders
from jishi.orders.models import Order
from tests import factories


@pytest.fixture
def paid(buyer, merchant_staff, leaf_category):
    product = factories.product(merchant_staff, leaf_category, title="渴望六种鱼猫粮", price="99.00", stock=5)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1)))
    return Order.objects.get()


def _refunded_by_the_shop(buyer, shop, order):
    request = aftersales.request_create(
        actor=buyer,
        order_number=order.number,
        data=aftersales.RequestInput(
            kind="refund", reason="not_needed", lines=[aftersales.LineInput(order.lines.get().pk, 1)]
        ),
    )
    aftersales.request_accept(actor=shop, number=request.number)
    return request


def _admin():
    admin = factories.user(email="boss@example.com", operator_role="admin")
    client = Client()
    client.force_login(admin)
    return client


def test_a_shop_agreeing_a_refund_is_audited(buyer, merchant_staff, paid):
    request = _refunded_by_the_shop(buyer, merchant_staff, paid)
    aftersales.request_accept(actor=merchant_staff, number=request.number)  # a repeat is not a second change
    entry = AuditEntry.objects.get(action="aftersales.shop_refunded")
    assert (entry.actor_id, entry.before, entry.after["amount_minor"]) == (
        merchant_staff.pk,
        {"status": "requested"},
        9900,
    )


def test_a_shipment_is_audited_once(merchant_staff, paid):
    for _ in range(2):
        orders.order_ship(actor=merchant_staff, order_number=paid.number, carrier="顺丰速运", tracking_number="SF1")
    entry = AuditEntry.objects.get(action="orders.shipped")
    assert entry.after == {"status": "shipped", "carrier": "顺丰速运", "tracking_number": "SF1"}


def test_the_log_shows_actions_objects_and_money_in_the_readers_language(buyer, merchant_staff, paid):
    request = _refunded_by_the_shop(buyer, merchant_staff, paid)
    orders_page = _admin().get("/operator/audit/", headers={"Accept-Language": "zh-Hans"}).content.decode()
    assert "售后 · 已退款（商家）" in orders_page
    assert "¥99.00" in orders_page  # money as money, not 9900
    assert f'href="/operator/aftersales/{request.number}/"' in orders_page  # the object as a link
    assert "aftersales.shop_refunded</" not in orders_page  # the code only as a title


def test_the_log_is_filtered_by_who_did_it_by_phone_or_e_mail(merchant_staff, paid):
    orders.order_ship(actor=merchant_staff, order_number=paid.number, carrier="顺丰速运", tracking_number="SF1")
    client = _admin()
    mine = client.get("/operator/audit/", {"actor": merchant_staff.email}).content.decode()
    assert "SF1" in mine
    nobody = client.get("/operator/audit/", {"actor": "nobody@example.com"}).content.decode()
    assert "SF1" not in nobody
