"""Refunds: never more than was paid, however many race; only paid orders; one refund per reference."""

from collections import Counter

import pytest

from jishi.checkout import services as checkout
from jishi.core.money import Money
from jishi.ledger.errors import RefundTooLarge
from jishi.ledger.models import EntryKind, JournalEntry
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.payments.errors import RefundNotAllowed, RefundReferenceReused
from jishi.payments.models import PaymentRefund, SandboxTrade
from tests import factories
from tests.races import race

TWENTY = Money(2000, "CNY")


@pytest.fixture
def paid_order(buyer, shop, home):
    """One order of exactly 100.00 (free shipping), paid through the sandbox."""
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get()
    assert order.total_minor == 10000
    return order


def _refunds():
    return (
        PaymentRefund.objects.count(),
        JournalEntry.objects.filter(kind=EntryKind.REFUND).count(),
        SandboxTrade.objects.get().refunded_minor,
    )


def test_a_refund_is_booked_sent_and_balanced(paid_order):
    refund = payments.refund_create(order=paid_order, amount=TWENTY, reason="少发一件", reference="test:1")
    assert (refund.status, refund.amount) == ("pending", TWENTY)
    refund = payments.refund_send(refund_id=refund.pk)
    assert refund.status == "succeeded"
    assert _refunds() == (1, 1, 2000)
    assert reconcile().ok
    # sending again (a retried task) refunds nothing more
    payments.refund_send(refund_id=refund.pk)
    assert _refunds() == (1, 1, 2000)


def test_the_same_reference_makes_one_refund(paid_order):
    first = payments.refund_create(order=paid_order, amount=TWENTY, reason="", reference="aftersales:7")
    again = payments.refund_create(order=paid_order, amount=TWENTY, reason="", reference="aftersales:7")
    assert again.pk == first.pk
    with pytest.raises(RefundReferenceReused):
        payments.refund_create(order=paid_order, amount=Money(2100, "CNY"), reason="", reference="aftersales:7")
    assert PaymentRefund.objects.count() == 1


def test_no_refund_beyond_what_is_left_and_none_on_unpaid_orders(paid_order, buyer, shop):
    payments.refund_create(order=paid_order, amount=Money(9000, "CNY"), reason="", reference="test:a")
    with pytest.raises(RefundTooLarge):
        payments.refund_create(order=paid_order, amount=Money(1001, "CNY"), reason="", reference="test:b")
    # an unpaid order, then the same order cancelled
    placement = factories.place(factories.user(), (factories.sku_of(shop), 1))
    unpaid = placement.orders[0]
    with pytest.raises(RefundNotAllowed):
        payments.refund_create(order=unpaid, amount=TWENTY, reason="", reference="test:c")
    checkout.checkout_cancel(actor=unpaid.buyer, order_number=unpaid.number, reason="不要了")
    unpaid.refresh_from_db()
    with pytest.raises(RefundNotAllowed):
        payments.refund_create(order=unpaid, amount=TWENTY, reason="", reference="test:d")
    assert PaymentRefund.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_refunds_of_20_on_100_succeed_exactly_five_times(paid_order):
    # given a 100.00 order; when ten different refunds of 20.00 are asked for at the same moment
    outcomes = race(
        list(range(10)),
        lambda i: payments.refund_create(order=paid_order, amount=TWENTY, reason="", reference=f"race:{i}"),
    )
    # then exactly five are booked and the other five are refused as too large
    kinds = Counter(type(outcome).__name__ for outcome in outcomes)
    assert kinds == {"PaymentRefund": 5, "RefundTooLarge": 5}
    for refund in PaymentRefund.objects.all():
        payments.refund_send(refund_id=refund.pk)
    assert _refunds() == (5, 5, 10000)
    assert reconcile().ok
