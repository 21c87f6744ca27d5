"""Real threads, separate connections: a group's places, its end, and its refunds hold under a burst."""

import datetime as dt
import time
from collections import Counter

import pytest
from django.db.models import Sum
from django.utils import timezone

from jishi.groupbuy import services as groupbuy
from jishi.groupbuy.models import MemberStatus, Team, TeamMember, TeamStatus
from jishi.orders.models import Order
from jishi.orders.states import OrderStatus
from jishi.payments import sandbox
from jishi.payments import services as payments
from jishi.payments.models import PaymentRefund, SandboxTrade
from tests import factories
from tests.groupbuy.conftest import campaign, join, place
from tests.races import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, price="129.00", stock=100)


def _refunds(order_id: int) -> int:
    return PaymentRefund.objects.filter(order_id=order_id).aggregate(total=Sum("amount_minor"))["total"] or 0


def _paid_at_gateway(placement) -> None:
    """The buyer paid on the sandbox gateway; the payment is not applied yet."""
    intent = placement.intent
    payments.payment_start(
        actor=intent.buyer,
        intent_number=intent.number,
        gateway_code="sandbox",
        notify_url="http://testserver/api/v1/payments/notify/sandbox",
        return_url="http://testserver/",
    )
    sandbox.trade_pay(trade_no=SandboxTrade.objects.get(out_trade_no=intent.number).trade_no)


def test_fifty_payers_for_three_places_seat_exactly_three(merchant_staff, product):
    five = campaign(merchant_staff, product, (5, "99.00"))
    join(factories.user(), five)
    team = Team.objects.get()
    join(factories.user(), five, team_id=team.pk)
    placements = [place(factories.user(), five, team_id=team.pk) for _ in range(50)]  # 3 places left
    for placement in placements:
        _paid_at_gateway(placement)
    outcomes = race(placements, lambda placement: payments.payment_sync(intent_id=placement.intent.pk))
    assert set(outcomes) == {"applied"}
    team.refresh_from_db()
    assert (team.status, team.members) == (TeamStatus.FORMED, 5)
    seated = TeamMember.objects.filter(team=team, status=MemberStatus.FORMED)
    assert seated.count() == 5
    assert Order.objects.filter(team_member__team=team, status=OrderStatus.PAID).count() == 5
    # the other 47 each lead a group of their own at the same price, paid and waiting to fill
    others = Team.objects.exclude(pk=team.pk)
    assert (others.count(), set(others.values_list("members", flat=True))) == (47, {1})
    assert Order.objects.filter(status=OrderStatus.GROUPING).count() == 47


@pytest.mark.parametrize("lead", [0.3, 0.08, 0.0])  # applying a payment takes about 0.08 s here
def test_a_fill_racing_the_end_of_the_window_ends_the_group_once(merchant_staff, product, lead):
    """Whichever lands first — the last payment or the window's end — the group ends once, one way."""
    pair = campaign(merchant_staff, product, (2, "99.00"))
    first = join(factories.user(), pair)
    team = Team.objects.get()
    last = place(factories.user(), pair, team_id=team.pk)
    _paid_at_gateway(last)  # only the notification is left: it lands as the window closes
    deadline = timezone.now() + dt.timedelta(milliseconds=300)
    Team.objects.filter(pk=team.pk).update(expires_at=deadline)

    def act(who: str):
        # the payer sets off a little before the deadline; the sweeps keep trying across it
        if who == "payer":
            time.sleep(max((deadline - timezone.now()).total_seconds() - lead, 0))
            return payments.payment_sync(intent_id=last.intent.pk)
        ends = deadline + dt.timedelta(milliseconds=200)
        closed = []
        while timezone.now() < ends:
            closed.append(groupbuy.team_close_due(team_id=team.pk))
            time.sleep(0.005)
        return closed

    outcomes = race(["payer", "sweep", "sweep"], act)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    team.refresh_from_db()
    first.refresh_from_db()
    paid_last = last.orders[0]
    paid_last.refresh_from_db()
    closes = Counter(status for sweep in outcomes[1:] for status in sweep if status)
    if team.status == TeamStatus.FORMED:  # the payment came first
        assert (first.status, paid_last.status) == (OrderStatus.PAID, OrderStatus.PAID)
        assert _refunds(first.pk) == _refunds(paid_last.pk) == 0
        assert not closes
    else:  # the window closed first: the leader is refunded once; the late payer leads a new group
        assert team.status == TeamStatus.DISSOLVED
        assert closes == {TeamStatus.DISSOLVED: 1}
        assert (first.status, _refunds(first.pk)) == (OrderStatus.CLOSED, first.total_minor)
        assert paid_last.status == OrderStatus.GROUPING
        assert TeamMember.objects.get(order=paid_last).team.leader_id == paid_last.buyer_id


def test_two_sweeps_dissolving_many_groups_refund_each_member_once(merchant_staff, product):
    trio = campaign(merchant_staff, product, (3, "99.00"))
    orders = []
    for _ in range(4):
        opened = join(factories.user(), trio)
        team = Team.objects.get(pk=TeamMember.objects.get(order=opened).team_id)
        orders += [opened, join(factories.user(), trio, team_id=team.pk)]
    Team.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    race([1, 2], lambda _: groupbuy.teams_close_due())
    assert set(Team.objects.values_list("status", flat=True)) == {TeamStatus.DISSOLVED}
    paid = sum(order.total_minor for order in orders)
    refunded = PaymentRefund.objects.aggregate(total=Sum("amount_minor"))["total"]
    assert refunded == paid  # Σ refunds = Σ paid, to the cent
    assert PaymentRefund.objects.count() == len(orders)
    assert Order.objects.filter(status=OrderStatus.CLOSED).count() == len(orders)
