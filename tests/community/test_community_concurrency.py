"""Real threads, separate connections: a pickup code is honoured once, and a cut-off batches each order once."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from jishi.community import services as community
from jishi.community.models import Batch, CommunityCampaign, Pickup
from jishi.orders.models import Order
from tests import factories
from tests.community.conftest import campaign, leader, order_for_pickup
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
