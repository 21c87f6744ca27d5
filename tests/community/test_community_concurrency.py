"""Real threads, separate connections: a pickup code is honoured once, a cut-off batches each order once, and a
leader's commission is booked once and taken back exactly by racing refunds."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from jishi.community import services as community
from jishi.community.models import Batch, CommunityCampaign, Pickup
from jishi.core.money import Money
from jishi.ledger import services as ledger
from jishi.ledger.models import EntryKind, JournalEntry, Settlement
from jishi.ledger.reconcile import reconcile
from jishi.ledger.selectors import order_figures
from jishi.orders.models import Order
from jishi.payments.services import refund_create
from tests import factories
from tests.community.conftest import campaign, completed, handed_over, leader, order_for_pickup
from tests.races import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def arrived(reviewer, admin_operator, merchant_staff, shop_sku):
    """Three residents' paid pickup orders, batched after the cut-off, sent and arrived at the leader's point."""
    head = leader(reviewer, admin_operator)
    running = campaign(merchant_staff, shop_sku)
    orders = []
    for _ in range(3):
        resident = factories.user()
        community.point_choose(actor=resident, point_id=head.leader.point.pk)
        factories.address(resident, is_default=True)
        orders.append(order_for_pickup(resident, shop_sku))
    CommunityCampaign.objects.filter(pk=running.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    race([1, 2, 3], lambda _: community.campaigns_cut_off_due())  # three sweeps at once: one batch, each order once
    batch = Batch.objects.get()
    assert batch.pickups.count() == 3
    community.batch_send(actor=merchant_staff, batch_id=batch.pk)
    community.batch_arrive(actor=head, batch_id=batch.pk)
    return head, orders


def test_one_code_typed_on_two_phones_at_once_hands_the_goods_over_once(arrived):
    head, orders = arrived
    code = community.pickup_code(Pickup.objects.get(order=orders[0]))
    outcomes = race([code] * 4, lambda typed: community.pickup_verify(actor=head, code=typed).status)
    refused = Counter(getattr(o, "code", repr(o)) for o in outcomes if not isinstance(o, str))
    assert [o for o in outcomes if isinstance(o, str)] == ["collected"]
    assert refused == {"community.pickup_used": 3}
    assert Order.objects.get(pk=orders[0].pk).status == "delivered"
    assert Order.objects.filter(status="shipped").count() == 2


def test_leader_commission_is_booked_once_and_refunds_racing_take_back_exactly_their_share(
    reviewer, admin_operator, merchant_staff, shop_sku
):
    """Refunds of two of three units race a repeated booking of the commission, then two settlement sweeps race:
    the leader keeps exactly the commission on the unit left, once, and the books still prove out."""
    head = leader(reviewer, admin_operator)
    running = campaign(merchant_staff, shop_sku, leader_rate_bp=1000)
    resident = factories.user()
    community.point_choose(actor=resident, point_id=head.leader.point.pk)
    factories.address(resident, is_default=True)
    order = handed_over(head, merchant_staff, running, resident, shop_sku, quantity=3)  # ¥29.70
    assert order_figures(order).leader == 297

    def act(step):
        if step == "book":
            return ledger.leader_commission_post(order=order, leader_id=head.leader.pk, rate_bp=1000).pk
        return refund_create(order=order, amount=Money(990, "CNY"), reason="坏果", reference=step).pk

    outcomes = race(["refund-a", "book", "refund-b"], act)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert JournalEntry.objects.filter(kind=EntryKind.LEADER_COMMISSION, order=order).count() == 1
    figures = order_figures(order)
    assert (figures.refunded, figures.leader) == (1980, 99)  # 297 booked, 2 × 99 taken back, to the fen
    completed(order)
    race([1, 2], lambda _: ledger.orders_settle_due())
    settlement = Settlement.objects.get(order=order)
    assert (settlement.leader_id, settlement.leader_commission_minor) == (head.leader.pk, 99)
    report = reconcile()
    assert report.ok, report.problems
