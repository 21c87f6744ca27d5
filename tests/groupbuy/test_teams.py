"""拼团: opening, joining, forming, dissolving and leaving a group, with the money and the stock."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jishi.checkout import services as checkout
from jishi.core.errors import DomainError
from jishi.core.money import Money
from jishi.groupbuy import selectors
from jishi.groupbuy import services as groupbuy
from jishi.groupbuy.models import MemberStatus, Team, TeamBuyer, TeamMember, TeamStatus
from jishi.inventory.models import Stock
from jishi.ledger.selectors import order_figures
from jishi.notifications.models import Notification
from jishi.orders import services as orders
from jishi.orders.errors import InvalidTransition
from jishi.orders.states import OrderStatus
from jishi.payments.models import PaymentIntent, PaymentRefund
from tests import factories
from tests.groupbuy.conftest import campaign, join, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, price="129.00", stock=20)


@pytest.fixture
def pair(merchant_staff, product):
    """A plain 2-person group buy at ¥99.00."""
    return campaign(merchant_staff, product, (2, "99.00"))


def _refunded(order) -> int:
    return sum(PaymentRefund.objects.filter(order=order).values_list("amount_minor", flat=True))


def test_opening_a_group_pays_the_group_price_and_holds_the_order(buyer, merchant_staff, pair):
    order = join(buyer, pair)
    assert (order.status, order.kind, order.goods_minor - order.discount_minor) == ("grouping", "team", 9900)
    team = Team.objects.get()
    assert (team.status, team.members, team.capacity, team.leader_id) == (TeamStatus.OPEN, 1, 2, buyer.pk)
    assert team.expires_at - team.opened_at == dt.timedelta(hours=24)
    with pytest.raises(InvalidTransition):  # not shippable until the group forms
        orders.order_ship(actor=merchant_staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    assert Notification.objects.filter(user=buyer, kind="team_joined").exists()


def test_the_second_payer_fills_the_group_and_both_orders_can_ship(buyer, other_buyer, merchant_staff, pair, product):
    first = join(buyer, pair)
    team = Team.objects.get()
    second = join(other_buyer, pair, team_id=team.pk)
    team.refresh_from_db()
    first.refresh_from_db()
    assert (team.status, team.members) == (TeamStatus.FORMED, 2)
    assert (first.status, second.status) == (OrderStatus.PAID, OrderStatus.PAID)
    product.refresh_from_db()
    assert product.sales_count == 2  # counted when the group formed, not when each paid
    orders.order_ship(actor=merchant_staff, order_number=first.number, carrier="顺丰速运", tracking_number="SF1")
    assert Notification.objects.filter(kind="team_formed").count() == 2


def test_every_member_shown_is_a_real_paid_order(buyer, other_buyer, merchant_staff, product):
    trio = campaign(merchant_staff, product, (3, "99.00"))
    join(buyer, trio)
    team = Team.objects.get()
    place(factories.user(), trio, team_id=team.pk)  # placed, never paid: not a member
    join(other_buyer, trio, team_id=team.pk)
    shown = selectors.teams_filling(product.pk, now=timezone.now())[0].seated
    assert [member.buyer_id for member in shown] == [buyer.pk, other_buyer.pk]
    team.refresh_from_db()
    assert team.members == len(shown) == 2
    for member in shown:
        assert member.order.status == OrderStatus.GROUPING
        assert PaymentIntent.objects.get(checkout_number=member.order.checkout_number).status == "succeeded"


def test_a_group_that_does_not_fill_in_time_is_dissolved_and_refunded_once(buyer, pair, product):
    order = join(buyer, pair)
    team = Team.objects.get()
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert groupbuy.team_close_due(team_id=team.pk) == TeamStatus.DISSOLVED
    assert groupbuy.team_close_due(team_id=team.pk) is None  # a second sweep changes nothing
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert _refunded(order) == order.total_minor == 9900 + order.shipping_minor
    figures = order_figures(order)
    assert figures.refunded == figures.paid
    stock = Stock.objects.get(pk=factories.sku_of(product).pk)
    assert (stock.quantity, stock.reserved) == (20, 0)
    assert TeamBuyer.objects.get().units == 0
    assert TeamMember.objects.get().status == MemberStatus.REFUNDED
    product.refresh_from_db()
    assert product.sales_count == 0


def test_a_tiered_group_refunds_each_member_the_difference_to_the_tier_reached(merchant_staff, product):
    tiers = campaign(merchant_staff, product, (2, "99.00"), (3, "89.00"), (4, "79.00"))
    buyers = [factories.user() for _ in range(3)]
    first = join(buyers[0], tiers, quantity=2)
    team = Team.objects.get()
    others = [join(buyer, tiers, team_id=team.pk) for buyer in buyers[1:]]
    team.refresh_from_db()
    assert (team.status, team.members, team.capacity) == (TeamStatus.OPEN, 3, 4)  # formed size, still open
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert groupbuy.teams_close_due() == 1
    team.refresh_from_db()
    assert team.status == TeamStatus.FORMED
    first.refresh_from_db()
    assert first.status == OrderStatus.PAID
    assert _refunded(first) == 2 * 1000  # ¥99 → ¥89, for two units
    assert [_refunded(order) for order in others] == [1000, 1000]
    assert order_figures(first).refunded == 2000
    call_command("ledger_reconcile", stdout=StringIO())  # raises if the books do not balance


def test_a_full_tier_closes_the_group_at_once_at_the_lowest_price(merchant_staff, product):
    tiers = campaign(merchant_staff, product, (2, "99.00"), (3, "89.00"))
    buyers = [factories.user() for _ in range(3)]
    join(buyers[0], tiers)
    team = Team.objects.get()
    last = [join(buyer, tiers, team_id=team.pk) for buyer in buyers[1:]][-1]
    team.refresh_from_db()
    assert team.status == TeamStatus.FORMED
    assert _refunded(last) == 1000


def test_the_leader_leaves_and_the_next_member_leads(buyer, other_buyer, merchant_staff, product):
    trio = campaign(merchant_staff, product, (3, "99.00"))
    first = join(buyer, trio)
    team = Team.objects.get()
    join(other_buyer, trio, team_id=team.pk)
    member = groupbuy.team_leave(actor=buyer, order_number=first.number)
    assert member.status == MemberStatus.LEFT
    team.refresh_from_db()
    first.refresh_from_db()
    assert (team.members, team.leader_id, team.status) == (1, other_buyer.pk, TeamStatus.OPEN)
    assert (first.status, _refunded(first)) == (OrderStatus.CLOSED, first.total_minor)
    with pytest.raises(DomainError) as left_twice:
        groupbuy.team_leave(actor=buyer, order_number=first.number)
    assert left_twice.value.code == "groupbuy.not_grouping"


def test_the_last_member_leaving_dissolves_the_group(buyer, pair):
    order = join(buyer, pair)
    groupbuy.team_leave(actor=buyer, order_number=order.number)
    assert Team.objects.get().status == TeamStatus.DISSOLVED


def test_a_payer_who_finds_the_group_full_gets_a_group_of_their_own(buyer, other_buyer, pair):
    join(buyer, pair)
    team = Team.objects.get()
    late = place(factories.user(), pair, team_id=team.pk)  # placed while a place was left
    join(other_buyer, pair, team_id=team.pk)  # fills it
    factories.pay(late)
    order = late.orders[0]
    order.refresh_from_db()
    seat = TeamMember.objects.get(order=order)
    assert seat.team_id != team.pk
    assert (seat.team.leader_id, seat.team.members, order.status) == (order.buyer_id, 1, OrderStatus.GROUPING)


def test_a_payer_after_the_campaign_ended_is_refunded_in_full(buyer, merchant_staff, pair):
    join(buyer, pair)
    team = Team.objects.get()
    late = place(factories.user(), pair, team_id=team.pk)
    groupbuy.campaign_stop(actor=merchant_staff, campaign_id=pair.pk)
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    factories.pay(late)
    order = late.orders[0]
    order.refresh_from_db()
    assert (order.status, _refunded(order)) == (OrderStatus.CLOSED, order.total_minor)
    assert TeamMember.objects.get(order=order).status == MemberStatus.REFUNDED


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("full", "groupbuy.team_full"),
        ("dissolved", "groupbuy.team_closed"),
        ("expired", "groupbuy.team_closed"),
        ("own", "groupbuy.already_in_team"),
        ("limit", "groupbuy.limit_reached"),
        ("stopped", "groupbuy.campaign_not_running"),
    ],
)
def test_joining_what_cannot_be_joined_is_refused_and_writes_nothing(buyer, merchant_staff, product, setup, code):
    trio = campaign(merchant_staff, product, (3, "99.00"), per_user_limit=1)
    join(buyer, trio)
    team = Team.objects.get()
    joiner = buyer if setup in ("own", "limit") else factories.user()
    team_id: int | None = team.pk
    if setup == "full":
        Team.objects.filter(pk=team.pk).update(members=3)
    elif setup == "dissolved":
        Team.objects.filter(pk=team.pk).update(status=TeamStatus.DISSOLVED)
    elif setup == "expired":
        Team.objects.filter(pk=team.pk).update(expires_at=timezone.now())
    elif setup == "limit":
        team_id = None
    elif setup == "own":
        TeamBuyer.objects.update(units=0)
    elif setup == "stopped":
        groupbuy.campaign_stop(actor=merchant_staff, campaign_id=trio.pk)
        team_id = None
    before = TeamMember.objects.count()
    with pytest.raises(DomainError) as refused:
        place(joiner, trio, team_id=team_id)
    assert (refused.value.code, refused.value.status) == (code, 409)
    assert TeamMember.objects.count() == before


def test_a_group_buy_takes_no_coupon(buyer, pair):
    address = factories.address(buyer)
    buy_now = checkout.BuyNow(sku_id=pair.tiers.get().sku_id, quantity=1, team_campaign_id=pair.pk)
    with pytest.raises(DomainError) as refused:
        checkout.checkout_quote(actor=buyer, address_id=address.pk, buy_now=buy_now, coupon_ids=[1])
    assert refused.value.code == "promotions.coupon_not_applicable"


def test_an_unpaid_group_order_gives_its_units_back_when_cancelled(buyer, pair):
    placement = place(buyer, pair)
    checkout.checkout_cancel(actor=buyer, order_number=placement.orders[0].number)
    assert TeamMember.objects.get().status == MemberStatus.CANCELLED
    assert TeamBuyer.objects.get().units == 0
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tiers": [(1, "99.00")]}, "skus.0.tiers"),
        ({"tiers": [(51, "99.00")]}, "skus.0.tiers"),
        ({"tiers": [(2, "99.00"), (5, "99.00")]}, "skus.0.tiers"),
        ({"tiers": [(5, "89.00"), (2, "99.00")]}, "skus.0.tiers"),
        ({"tiers": [(2, "129.00")]}, "skus.0.tiers.0.price"),
        ({"hours": 0}, "window_hours"),
        ({"hours": 73}, "window_hours"),
        ({"limit": 0}, "per_user_limit"),
        ({"ends": -1}, "ends_at"),
    ],
)
def test_a_campaign_out_of_range_is_refused(merchant_staff, product, change, field):
    now = timezone.now()
    tiers = change.get("tiers", [(2, "99.00")])
    data = groupbuy.TeamCampaignInput(
        product_id=product.pk,
        skus=[
            groupbuy.SkuPricesInput(
                sku_id=factories.sku_of(product).pk,
                tiers=[groupbuy.TierInput(size, Money.parse(price, "CNY")) for size, price in tiers],
            )
        ],
        starts_at=now,
        ends_at=now + dt.timedelta(days=change.get("ends", 1)),
        window_hours=change.get("hours", 24),
        per_user_limit=change.get("limit", 1),
    )
    with pytest.raises(DomainError) as refused:
        groupbuy.campaign_create(actor=merchant_staff, data=data)
    assert (refused.value.status, refused.value.field) == (422, field)


def test_another_shops_product_is_not_found(other_merchant_staff, product):
    with pytest.raises(DomainError) as refused:
        campaign(other_merchant_staff, product, (2, "99.00"))
    assert refused.value.status == 404
