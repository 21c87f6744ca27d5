"""The order life cycle: shipping, receipt, the sweeps, history, and who may do what."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jishi.core.models import AuditEntry
from jishi.orders import services as orders
from jishi.orders.models import Order, OrderEvent
from jishi.orders.states import TRANSITIONS, OrderStatus
from jishi.orders.tasks import orders_complete_due, orders_confirm_overdue
from tests import factories


@pytest.fixture
def paid_order(buyer, shop, home):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    orders.orders_mark_paid(checkout_number=placement.checkout_number, paid_at=timezone.now())
    return Order.objects.get()


def _ship(api, user, number, **body):
    payload = {"carrier": "顺丰速运", "tracking_number": "SF1234567890"} | body
    return api("post", f"/merchant/orders/{number}/ship", user=user, json=payload)


def test_every_status_is_in_the_transition_table():
    assert set(TRANSITIONS) == set(OrderStatus)


def test_merchant_ships_a_paid_order_and_the_buyer_confirms_receipt(api, buyer, merchant_staff, paid_order):
    shipped = _ship(api, merchant_staff, paid_order.number)
    assert shipped.status_code == 200
    assert (shipped.json()["status"], shipped.json()["tracking_number"]) == ("shipped", "SF1234567890")
    # the merchant sees the number masked, even while the parcel is on its way
    assert shipped.json()["address"]["phone"] == "139****5678"
    received = api("post", f"/orders/{paid_order.number}/confirm-receipt", user=buyer)
    assert received.status_code == 200
    assert received.json()["status"] == "delivered"
    timeline = [(e["from_status"], e["to_status"], e["actor_role"]) for e in received.json()["events"]]
    assert timeline == [
        ("", "pending_payment", "buyer"),
        ("pending_payment", "paid", "system"),
        ("paid", "shipped", "merchant"),
        ("shipped", "delivered", "buyer"),
    ]
    # afterwards the merchant sees the number masked
    detail = api("get", f"/merchant/orders/{paid_order.number}", user=merchant_staff).json()
    assert detail["address"]["phone"] == "139****5678"


def test_the_shop_asks_for_the_receivers_number_while_fulfilling_and_each_look_is_audited(
    api, client, buyer, merchant_staff, other_merchant_staff, paid_order
):
    def ask(user):
        return api("post", f"/merchant/orders/{paid_order.number}/receiver-phone", user=user)

    shown = ask(merchant_staff)
    assert shown.status_code == 200
    assert shown.json() == {"phone": "13912345678"}
    assert shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="orders.receiver_phone_shown")
    assert (entry.actor_id, entry.target_id) == (merchant_staff.pk, str(paid_order.pk))
    assert "13912345678" not in f"{entry.before}{entry.after}{entry.reason}"
    # another shop, and a buyer, are not fulfilling it
    assert ask(other_merchant_staff).status_code == 404
    assert ask(buyer).status_code == 403
    # the page shows it masked, with a button that shows it once
    client.force_login(merchant_staff)
    page = client.get(reverse("merchant:order", args=[paid_order.number])).content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page
    revealed = client.post(reverse("merchant:order_phone", args=[paid_order.number]))
    assert "13912345678" in revealed.content.decode()
    assert revealed["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(action="orders.receiver_phone_shown").count() == 2
    # once the buyer has it, the window is over
    _ship(api, merchant_staff, paid_order.number)
    api("post", f"/orders/{paid_order.number}/confirm-receipt", user=buyer)
    closed = ask(merchant_staff)
    assert closed.status_code == 409
    assert closed.json()["code"] == "orders.phone_not_shown"


def test_repeating_a_transition_changes_nothing(api, buyer, merchant_staff, paid_order):
    _ship(api, merchant_staff, paid_order.number)
    again = _ship(api, merchant_staff, paid_order.number, tracking_number="OTHER1")
    assert again.status_code == 200
    assert again.json()["tracking_number"] == "SF1234567890"
    api("post", f"/orders/{paid_order.number}/confirm-receipt", user=buyer)
    api("post", f"/orders/{paid_order.number}/confirm-receipt", user=buyer)
    assert OrderEvent.objects.filter(order=paid_order).count() == 4


def test_an_unpaid_order_cannot_be_shipped(api, buyer, merchant_staff, shop, home):
    placement = factories.place(buyer, (factories.sku_of(shop), 1))
    response = _ship(api, merchant_staff, placement.orders[0].number)
    assert response.status_code == 409
    assert response.json()["code"] == "orders.invalid_transition"
    assert Order.objects.get().status == "pending_payment"
    assert OrderEvent.objects.count() == 1


def test_receipt_of_an_unshipped_order_cannot_be_confirmed(api, buyer, paid_order):
    response = api("post", f"/orders/{paid_order.number}/confirm-receipt", user=buyer)
    assert response.status_code == 409
    assert Order.objects.get().status == "paid"


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(api, buyer, paid_order):
    response = api("post", f"/orders/{paid_order.number}/cancel", user=buyer, json={})
    assert response.status_code == 409
    assert response.json()["code"] == "checkout.not_cancellable"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": ""}, "carrier"),
        ({"tracking_number": ""}, "tracking_number"),
        ({"tracking_number": "单号"}, "tracking_number"),
    ],
)
def test_a_shipment_needs_a_carrier_and_a_tracking_number(api, merchant_staff, paid_order, body, field):
    response = _ship(api, merchant_staff, paid_order.number, **body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert Order.objects.get().status == "paid"


def test_other_people_cannot_see_or_move_an_order(api, other_buyer, other_merchant_staff, buyer, paid_order):
    assert api("get", f"/orders/{paid_order.number}", user=other_buyer).status_code == 404
    assert api("post", f"/orders/{paid_order.number}/confirm-receipt", user=other_buyer).status_code == 404
    assert api("get", f"/merchant/orders/{paid_order.number}", user=other_merchant_staff).status_code == 404
    assert _ship(api, other_merchant_staff, paid_order.number).status_code == 404
    assert _ship(api, buyer, paid_order.number).status_code == 403
    assert api("get", "/merchant/orders", user=other_merchant_staff).json()["count"] == 0
    assert Order.objects.get().status == "paid"


def test_lists_are_scoped_and_filtered(api, buyer, other_buyer, merchant_staff, paid_order):
    assert api("get", "/orders", user=buyer).json()["count"] == 1
    assert api("get", "/orders", user=other_buyer).json()["count"] == 0
    assert api("get", "/merchant/orders?status=paid", user=merchant_staff).json()["count"] == 1
    assert api("get", "/merchant/orders?status=shipped", user=merchant_staff).json()["count"] == 0


def test_the_sweeps_confirm_receipt_and_complete_orders_when_their_windows_pass(api, merchant_staff, paid_order):
    _ship(api, merchant_staff, paid_order.number)
    assert orders_confirm_overdue.call() == 0  # nothing due yet
    Order.objects.update(confirm_by=timezone.now() - dt.timedelta(seconds=1))
    assert orders_confirm_overdue.call() == 1
    order = Order.objects.get()
    assert order.status == "delivered"
    assert order.events.last().actor_role == "system"
    assert orders_complete_due.call() == 0
    Order.objects.update(complete_at=timezone.now() - dt.timedelta(seconds=1))
    assert orders_complete_due.call() == 1
    assert orders_complete_due.call() == 0
    assert Order.objects.get().status == "completed"


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_the_database_worker_runs_enqueued_jobs(settings, paid_order):
    # the real queue: a table, drained by db_worker
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Order.objects.update(status="shipped", confirm_by=timezone.now() - dt.timedelta(seconds=1))
    orders_confirm_overdue.enqueue()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert Order.objects.get().status == "delivered"
