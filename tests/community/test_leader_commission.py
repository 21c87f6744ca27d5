"""A leader's commission: booked when the goods are handed over, taken back pro rata by refunds, settled with the
order, withdrawn through the payouts that shops use, and proven by the reconciliation."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.community import services as community
from jishi.community.models import Pickup
from jishi.core.errors import DomainError
from jishi.core.money import Money
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger import services as ledger
from jishi.ledger.models import EntryKind, JournalEntry, Payout, Settlement
from jishi.ledger.payees import Payee
from jishi.ledger.reconcile import reconcile
from jishi.notifications.models import Notification
from jishi.payments.services import refund_create
from tests import factories
from tests.community.conftest import campaign, completed, hand_over, handed_over, leader, order_for_pickup
from tests.tasks import _tasks_recorded  # noqa: F401


def balances(user):
    figures = ledger_selectors.payee_balances(Payee(leader_id=user.leader.pk))
    return {kind: money.minor for kind, money in figures.items()}


@pytest.fixture
def market(reviewer, admin_operator, merchant_staff, shop_sku, buyer):
    head = leader(reviewer, admin_operator)
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    return head, campaign(merchant_staff, shop_sku, leader_rate_bp=1000)  # 10 % to the leader


def test_the_leader_earns_on_the_goods_handed_over_less_refunds_and_withdraws_it(
    market, buyer, merchant_staff, shop_sku, finance
):
    head, running = market
    order = handed_over(head, merchant_staff, running, buyer, shop_sku, quantity=3)  # 3 × ¥9.90
    entry = JournalEntry.objects.get(kind=EntryKind.LEADER_COMMISSION, order=order)
    assert balances(head)["merchant_pending"] == 297  # 10 % of ¥29.70, pending until the order settles
    figures = ledger_selectors.order_figures(order)
    assert (figures.leader, figures.leader_id) == (297, head.leader.pk)
    assert figures.paid == figures.income + figures.commission + figures.leader + figures.refunded
    # a refund after the pickup (a spoiled pineapple) takes back its share of the commission, pro rata
    refund_create(order=order, amount=Money(990, "CNY"), reason="坏果", reference="spoiled-1")
    assert balances(head)["merchant_pending"] == 198
    assert ledger_selectors.order_figures(order).leader == 198
    # handing over again books nothing more
    assert ledger.leader_commission_post(order=order, leader_id=head.leader.pk, rate_bp=5000) == entry
    completed(order)
    settlement = ledger.order_settle(order_id=order.pk)
    assert (settlement.leader_id, settlement.leader_commission_minor) == (head.leader.pk, 198)
    assert balances(head) == {"merchant_pending": 0, "merchant_available": 198, "payouts_in_transit": 0}
    report = reconcile()
    assert report.ok, report.problems
    # the leader withdraws it like a shop: a verified bank account, a request, finance approves, the adapter pays
    community.leader_bank_account_set(
        actor=head, password=factories.PASSWORD, holder="李团长", bank="招商银行", number="6225880112345678"
    )
    with pytest.raises(DomainError) as too_much:
        community.leader_withdraw(actor=head, amount=Money(199, "CNY"))
    assert (too_much.value.code, too_much.value.field) == ("ledger.insufficient_balance", "amount")
    payout = community.leader_withdraw(actor=head, amount=Money(198, "CNY"))
    assert (payout.leader_id, payout.merchant_id) == (head.leader.pk, None)
    ledger.payout_approve(actor=finance, number=payout.number)
    ledger.payout_execute(payout_id=payout.pk)
    assert Payout.objects.get(pk=payout.pk).status == "paid"
    assert balances(head) == {"merchant_pending": 0, "merchant_available": 0, "payouts_in_transit": 0}
    assert Notification.objects.filter(user=head, kind="payout_decided", link="/leader/earnings/").exists()
    report = reconcile()
    assert report.ok, report.problems


def test_the_platform_default_rate_applies_and_is_fixed_when_the_order_is_paid(
    settings, reviewer, admin_operator, merchant_staff, shop_sku, buyer
):
    settings.JISHI_LEADER_RATE_BP = 500
    head = leader(reviewer, admin_operator)
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    running = campaign(merchant_staff, shop_sku)  # no rate of its own
    order = order_for_pickup(buyer, shop_sku, quantity=2)
    settings.JISHI_LEADER_RATE_BP = 2000  # changed after the order was paid: the order keeps 5 %
    assert Pickup.objects.get(order=order).leader_rate_bp == 500
    hand_over(head, merchant_staff, running, order)
    assert ledger_selectors.order_figures(order).leader == 99  # 5 % of ¥19.80


def test_orders_through_a_leaders_share_link_earn_for_that_leader(
    reviewer, admin_operator, merchant_staff, shop_sku, buyer
):
    home = leader(reviewer, admin_operator)
    sharer = leader(reviewer, admin_operator, name="翠苑二区自提点", latitude=22.55, longitude=114.06)
    running = campaign(merchant_staff, shop_sku, leader_rate_bp=1000)
    community.point_choose(actor=buyer, point_id=home.leader.point.pk)
    factories.address(buyer, is_default=True)
    residence = community.share_link_follow(actor=buyer, campaign_id=running.pk, leader_id=sharer.leader.pk)
    assert residence.point_id == home.leader.point.pk  # the resident still collects at their own point
    order = handed_over(home, merchant_staff, running, buyer, shop_sku, quantity=1)
    pickup = Pickup.objects.get(order=order)
    assert (pickup.leader_id, pickup.via_link) == (sharer.leader.pk, True)
    assert balances(sharer)["merchant_pending"] == 99
    assert balances(home)["merchant_pending"] == 0


def test_a_share_link_of_a_leader_not_approved_or_a_closed_campaign_is_refused(
    reviewer, admin_operator, merchant_staff, shop_sku, buyer
):
    sharer = leader(reviewer, admin_operator)
    running = campaign(merchant_staff, shop_sku)
    community.leader_suspend(actor=admin_operator, leader_id=sharer.leader.pk, reason="投诉较多")
    with pytest.raises(DomainError) as suspended:
        community.share_link_follow(actor=buyer, campaign_id=running.pk, leader_id=sharer.leader.pk)
    assert (suspended.value.status, suspended.value.field) == (409, "leader_id")
    other = leader(reviewer, admin_operator)
    type(running).objects.filter(pk=running.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(DomainError) as closed:
        community.share_link_follow(actor=buyer, campaign_id=running.pk, leader_id=other.leader.pk)
    assert (closed.value.status, closed.value.field) == (404, "campaign_id")
    # a suspended leader keeps what they earned (here nothing, and no bank account yet); a resident is no leader
    with pytest.raises(DomainError) as no_account:
        community.leader_withdraw(actor=sharer, amount=Money(100, "CNY"))
    assert no_account.value.code == "ledger.payout_account_missing"
    with pytest.raises(DomainError) as not_leader:
        community.leader_withdraw(actor=buyer, amount=Money(100, "CNY"))
    assert not_leader.value.status == 403
    assert not Settlement.objects.exists()
