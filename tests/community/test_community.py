"""社区团购: leaders and their points, a resident's point, community prices at checkout, the cut-off's batches,
arrival with shortages refunded, and pickup by code."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.checkout import services as checkout
from jishi.community import selectors
from jishi.community import services as community
from jishi.community.models import Batch, Leader, Pickup
from jishi.core.errors import DomainError
from jishi.ledger.selectors import order_figures
from jishi.notifications.models import Notification
from jishi.orders import services as orders
from jishi.orders.states import OrderStatus
from jishi.payments.models import PaymentRefund
from tests import factories
from tests.community.conftest import campaign, cut_off, leader, order_for_pickup, point_input, verified

pytestmark = pytest.mark.django_db


def _code(refused) -> tuple[str, int, str | None]:
    return refused.value.code, refused.value.status, refused.value.field


def test_a_verified_resident_applies_and_an_operator_decides(reviewer, admin_operator, buyer):
    with pytest.raises(DomainError) as unverified:
        community.leader_apply(actor=buyer, data=point_input())
    assert _code(unverified)[:2] == ("community.real_name_required", 403)
    user = verified(reviewer)
    applied = community.leader_apply(actor=user, data=point_input())
    assert (applied.status, applied.point.latitude_e6, applied.point.longitude_e6) == ("applied", 22543100, 114057900)
    with pytest.raises(DomainError) as twice:
        community.leader_apply(actor=user, data=point_input())
    assert _code(twice)[:2] == ("community.already_leader", 409)
    with pytest.raises(DomainError):  # a buyer is no reviewer
        community.leader_approve(actor=buyer, leader_id=applied.pk)
    community.leader_reject(actor=reviewer, leader_id=applied.pk, reason="地址不清楚")
    again = community.leader_apply(actor=user, data=point_input(detail="阳光花园 3 栋 101 商铺"))
    assert again.status == "applied"
    assert community.leader_approve(actor=reviewer, leader_id=again.pk).status == "approved"
    suspended = community.leader_suspend(actor=admin_operator, leader_id=again.pk, reason="多次未按时发货")
    assert suspended.status == "suspended"
    assert Notification.objects.filter(user=user, kind="application_decided").count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [({"latitude": 90.5}, "latitude"), ({"longitude": -181}, "longitude"), ({"name": ""}, "name")],
)
def test_a_point_out_of_range_is_refused(reviewer, change, field):
    user = verified(reviewer)
    with pytest.raises(DomainError) as refused:
        community.leader_apply(actor=user, data=point_input(**change))
    assert _code(refused)[1:] == (422, field)
    assert not Leader.objects.exists()


def test_the_nearest_open_points_come_first(reviewer, admin_operator, buyer):
    far = leader(reviewer, admin_operator, name="科技园站", latitude=22.5400, longitude=113.9500)  # ~11 km west
    near = leader(reviewer, admin_operator, name="阳光花园", latitude=22.5440, longitude=114.0590)
    mid = leader(reviewer, admin_operator, name="华强北站", latitude=22.5450, longitude=114.0850)
    found = selectors.points_nearest(latitude=22.5431, longitude=114.0579, within_km=20)
    assert [n.point.name for n in found] == ["阳光花园", "华强北站", "科技园站"]
    assert found[0].km < 0.2 < found[1].km < 3 < found[2].km
    assert [n.point.name for n in selectors.points_nearest(latitude=22.5431, longitude=114.0579, within_km=5)] == [
        "阳光花园",
        "华强北站",
    ]
    community.leader_suspend(actor=admin_operator, leader_id=near.leader.pk, reason="暂停")
    assert selectors.points_nearest(latitude=22.5431, longitude=114.0579)[0].point.name == "华强北站"
    with pytest.raises(DomainError) as closed:
        community.point_choose(actor=buyer, point_id=near.leader.point.pk)
    assert _code(closed) == ("community.point_unavailable", 409, "point_id")
    assert community.point_choose(actor=buyer, point_id=mid.leader.point.pk).point_id == mid.leader.point.pk
    assert far  # three points: one suspended, two open


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cutoff_at": timezone.now() - dt.timedelta(minutes=1)}, "cutoff_at"),
        ({"leader_rate_bp": 10_001}, "leader_rate"),
        ({"price": "19.90"}, "items.0.price"),
    ],
)
def test_a_campaign_out_of_range_is_refused(merchant_staff, shop_sku, change, field):
    with pytest.raises(DomainError) as refused:
        campaign(merchant_staff, shop_sku, **change)
    assert _code(refused)[1:] == (422, field)


@pytest.fixture
def market(reviewer, admin_operator, merchant_staff, shop_sku, buyer):
    """A leader's point, a running campaign selling the pineapples at ¥9.90 there, and a resident of the point."""
    head = leader(reviewer, admin_operator)
    running = campaign(merchant_staff, shop_sku)
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    return {"leader": head, "campaign": running, "point": head.leader.point}


def test_a_resident_orders_for_pickup_at_the_community_price(market, buyer, shop_sku):
    order = order_for_pickup(buyer, shop_sku, quantity=2)
    assert (order.fulfilment, order.pickup_point_id, order.shipping_minor) == ("pickup", market["point"].pk, 0)
    assert order.total_minor == 2 * 990
    assert order.address_detail.endswith("（阳光花园自提点）")
    pickup = Pickup.objects.get(order=order)
    assert (pickup.status, pickup.campaign_id, len(community.pickup_code(pickup))) == (
        "waiting",
        market["campaign"].pk,
        6,
    )


def test_pickup_needs_a_point_and_community_items(market, buyer, other_buyer, merchant_staff, leaf_category):
    other = factories.sku_of(factories.product(merchant_staff, leaf_category, title="普通商品", price="30.00"))
    factories.in_cart(buyer, (other, 1))
    address = buyer.addresses.first()
    with pytest.raises(DomainError) as refused:
        checkout.checkout_quote(actor=buyer, address_id=address.pk, pickup_merchant_ids=[other.product.merchant_id])
    assert _code(refused)[:2] == ("community.not_for_pickup", 409)
    factories.in_cart(other_buyer, (other, 1))
    mine = factories.address(other_buyer)
    with pytest.raises(DomainError) as nowhere:
        checkout.checkout_quote(actor=other_buyer, address_id=mine.pk, pickup_merchant_ids=[other.product.merchant_id])
    assert _code(nowhere)[:2] == ("community.no_point", 409)


def test_after_the_cut_off_the_batch_goes_out_arrives_and_is_collected_by_code(
    market, buyer, other_buyer, merchant_staff, shop_sku
):
    mine = order_for_pickup(buyer, shop_sku, quantity=2)
    community.point_choose(actor=other_buyer, point_id=market["point"].pk)
    factories.address(other_buyer, is_default=True)
    theirs = order_for_pickup(other_buyer, shop_sku, quantity=1)
    assert community.campaign_cut_off(campaign_id=market["campaign"].pk) == 0  # before the cut-off: nothing
    cut_off(market["campaign"])
    batch = Batch.objects.get()
    assert set(batch.pickups.values_list("order_id", flat=True)) == {mine.pk, theirs.pk}
    community.campaigns_cut_off_due()  # again: nothing moves
    assert Batch.objects.count() == 1
    community.batch_send(actor=merchant_staff, batch_id=batch.pk)
    mine.refresh_from_db()
    assert (mine.status, mine.confirm_by) == (OrderStatus.SHIPPED, None)  # collected, never confirmed by the clock
    with pytest.raises(DomainError):  # nor by the buyer: the leader's check of the code delivers it
        orders.order_confirm_receipt(actor=buyer, order_number=mine.number)
    # the leader confirms arrival: one of their pineapple came damaged, and is refunded at once
    line = theirs.lines.get()
    community.batch_arrive(actor=market["leader"], batch_id=batch.pk, shortages=(community.Shortage(line.pk, 1),))
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.CLOSED
    assert PaymentRefund.objects.get(order=theirs).amount_minor == 990
    assert order_figures(theirs).refunded == order_figures(theirs).paid
    pickup = Pickup.objects.get(order=mine)
    assert pickup.status == "ready"
    assert Notification.objects.filter(user=buyer, kind="pickup_ready").count() == 1
    # the resident shows the code; the leader checks it, once
    code = community.pickup_code(pickup)
    assert community.pickup_verify(actor=market["leader"], code=code).status == "collected"
    mine.refresh_from_db()
    assert mine.status == OrderStatus.DELIVERED
    with pytest.raises(DomainError) as used:
        community.pickup_verify(actor=market["leader"], code=code)
    assert _code(used) == ("community.pickup_used", 409, "code")


def test_wrong_codes_are_throttled_and_another_points_code_is_wrong(
    reviewer, admin_operator, market, buyer, shop_sku, merchant_staff
):
    order = order_for_pickup(buyer, shop_sku)
    code = community.pickup_code(Pickup.objects.get(order=order))
    other = leader(reviewer, admin_operator, name="华强北站", latitude=22.5450, longitude=114.0850)
    with pytest.raises(DomainError) as elsewhere:
        community.pickup_verify(actor=other, code=code)
    assert _code(elsewhere) == ("community.wrong_code", 404, "code")
    with pytest.raises(DomainError) as early:  # the right point, before the goods arrived
        community.pickup_verify(actor=market["leader"], code=code)
    assert _code(early)[:2] == ("community.pickup_not_ready", 409)
    wrong = "000000" if code != "000000" else "000001"
    for _ in range(4):  # the other leader has used one of five
        with pytest.raises(DomainError):
            community.pickup_verify(actor=other, code=wrong)
    with pytest.raises(DomainError) as blocked:
        community.pickup_verify(actor=other, code=code)
    assert _code(blocked)[:2] == ("community.too_many_wrong_codes", 429)
    with pytest.raises(DomainError) as not_leader:
        community.pickup_verify(actor=buyer, code=code)
    assert _code(not_leader)[:2] == ("community.not_a_leader", 403)


def test_orders_not_collected_in_time_are_flagged_once(settings, market, buyer, merchant_staff, shop_sku):
    order = order_for_pickup(buyer, shop_sku)
    cut_off(market["campaign"])
    batch = Batch.objects.get()
    community.batch_send(actor=merchant_staff, batch_id=batch.pk)
    community.batch_arrive(actor=market["leader"], batch_id=batch.pk)
    Pickup.objects.filter(order=order).update(ready_at=timezone.now() - dt.timedelta(days=4))
    assert community.pickups_flag_uncollected() == 1
    assert community.pickups_flag_uncollected() == 0
    assert Notification.objects.filter(kind="pickup_uncollected").count() == 2  # the leader and the shop
