"""Member segments (用户画像, RFM): the rules on a constructed order history, the counts and members, sending a
platform coupon to a segment (who may, what is audited, who is skipped, how many used it), and bad input refused
with nothing written."""

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.utils import timezone

from jishi.analytics import selectors, services
from jishi.analytics.models import MemberSegment, Segment, SegmentCampaign, SegmentCampaignCoupon
from jishi.analytics.tasks import segments_compute
from jishi.checkout import services as checkout
from jishi.core.errors import InvalidInput, PermissionDenied
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.ledger import services as ledger
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.errors import CouponNotClaimable, CouponTemplateNotFound
from jishi.promotions.models import Coupon, CouponTemplate
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _paid(buyer: Any, product: Any, quantity: int, days_ago: int, now: dt.datetime) -> Order:
    """A paid order of ``quantity`` units, its payment moved back ``days_ago`` days before ``now``."""
    factories.pay(factories.place(buyer, (factories.sku_of(product), quantity)))
    order = Order.objects.filter(buyer=buyer).latest("pk")
    Order.objects.filter(pk=order.pk).update(paid_at=now - dt.timedelta(days=days_ago))
    order.refresh_from_db()
    return order


def _offer(**changes: Any) -> promotions.CouponTemplateInput:
    data = promotions.CouponTemplateInput(
        name="回馈券",
        kind=CouponKind.AMOUNT,
        amount=Money(1000, "CNY"),
        min_spend=Money(0, "CNY"),
        total_quantity=100,
        valid_days=30,
        claimable=False,
    )
    return replace(data, **changes)


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def food(merchant_staff: Any, leaf_category: Any) -> Any:
    return factories.product(merchant_staff, leaf_category, title="渴望猫粮", price="99.00", stock=500)


@pytest.fixture
def history(food: Any, now: dt.datetime) -> dict[str, Any]:
    """Five buyers, one per segment, and two who have none (a 拼团 order still grouping; an unpaid order)."""
    people = {name: factories.user(email=f"{name}@example.com") for name in ("new", "big", "steady", "risk", "gone")}
    for person in people.values():
        factories.address(person, is_default=True)
    orders: dict[str, list[Order]] = {name: [] for name in people}

    def buy(name: str, quantity: int, days_ago: int) -> Order:
        orders[name].append(_paid(people[name], food, quantity, days_ago, now))
        return orders[name][-1]

    buy("new", 1, 5)
    for days_ago in (200, 60, 10):
        buy("big", 5, days_ago)
    for days_ago in (200, 60, 20):
        buy("steady", 1, days_ago)
    refunded = buy("steady", 2, 30)  # refunded in full and closed: no order, no spend
    ledger.refund_post(order=refunded, amount=refunded.total, reference="R-steady")
    Order.objects.filter(pk=refunded.pk).update(status="closed")
    buy("risk", 1, 120)
    buy("gone", 2, 400)  # outside the year: no order and no spend counted, but lapsed
    grouping = factories.user(email="grouping@example.com")
    factories.address(grouping, is_default=True)
    waiting = _paid(grouping, food, 1, 3, now)
    Order.objects.filter(pk=waiting.pk).update(status="grouping")
    unpaid = factories.user(email="unpaid@example.com")
    factories.address(unpaid, is_default=True)
    factories.place(unpaid, (factories.sku_of(food), 1))
    return {"people": people, "orders": orders, "grouping": grouping, "unpaid": unpaid}


def _rows() -> dict[int, tuple[str, int, int, int]]:
    return {
        row.user_id: (row.segment, row.recency_days, row.frequency, row.monetary_minor)
        for row in MemberSegment.objects.all()
    }


def test_each_rule_places_its_buyer_from_their_paid_orders(history, now):
    # given the constructed history
    people, orders = history["people"], history["orders"]
    # when the segments are computed
    assert services.member_segments_compute(now=now) == 5
    # then each buyer has their segment and exact R, F and M; a grouping or unpaid buyer has none
    rows = _rows()
    steady_spend = sum(o.total_minor for o in orders["steady"][:3])
    assert rows == {
        people["new"].pk: ("new", 5, 1, orders["new"][0].total_minor),
        people["big"].pk: ("high_value", 10, 3, sum(o.total_minor for o in orders["big"])),
        people["steady"].pk: ("active", 20, 3, steady_spend),
        people["risk"].pk: ("at_risk", 120, 1, orders["risk"][0].total_minor),
        people["gone"].pk: ("lapsed", 400, 0, 0),
    }
    assert history["grouping"].pk not in rows
    assert history["unpaid"].pk not in rows
    big = MemberSegment.objects.get(user=people["big"])
    assert big.first_paid_at == orders["big"][0].paid_at
    assert big.computed_at == now
    assert big.monetary == Money(5 * 3 * 9900 + sum(o.shipping_minor for o in orders["big"]), "CNY")


def test_the_boundaries_of_new_active_and_at_risk(food, now):
    # given buyers whose only orders sit on each boundary
    cases = {30: "new", 31: "active", 90: "active", 91: "at_risk", 180: "at_risk", 181: "lapsed"}
    people = {}
    for days_ago in cases:
        person = factories.user(email=f"d{days_ago}@example.com")
        factories.address(person, is_default=True)
        _paid(person, food, 1, days_ago, now)
        if days_ago in (31, 90):  # a first order long ago, so they are not new
            _paid(person, food, 1, 300, now)
        people[days_ago] = person
    # when computed
    services.member_segments_compute(now=now)
    # then each is on the side of the boundary the rules say
    assert {days: MemberSegment.objects.get(user=p).segment for days, p in people.items()} == cases


def test_high_value_is_the_top_fifth_by_spend_ties_included():
    # given ten buyers' spend, two tied at the fifth's edge
    spend = [900, 800, 800, 100, 50, 40, 30, 20, 10, 0]
    # then the floor is the second-highest spend, and both tied buyers reach it
    assert services._high_value_floor(spend) == 800
    assert services._high_value_floor([0, 0]) is None
    assert services._high_value_floor([]) is None


def test_computing_again_replaces_the_rows_and_gives_the_same_answer(history, now):
    services.member_segments_compute(now=now)
    first = _rows()
    # when computed again from the same orders
    services.member_segments_compute(now=now)
    assert _rows() == first
    assert MemberSegment.objects.count() == 5
    # and the nightly task runs the same computation
    assert segments_compute.call() == 5


def test_counts_give_every_segment_and_when_computed(history, now, admin_operator):
    # before any computation: every segment at 0, never computed
    empty = selectors.segment_counts(admin_operator)
    assert empty.counts == dict.fromkeys(Segment, 0)
    assert empty.computed_at is None
    services.member_segments_compute(now=now)
    counts = selectors.segment_counts(admin_operator)
    assert list(counts.counts) == list(Segment)
    assert counts.counts == dict.fromkeys(Segment, 1)
    assert counts.computed_at == now


def test_only_administrators_see_segments(history, now, reviewer, buyer):
    services.member_segments_compute(now=now)
    for actor in (reviewer, buyer):
        with pytest.raises(PermissionDenied):
            selectors.segment_counts(actor)
        with pytest.raises(PermissionDenied):
            selectors.segment_members(actor, "new")


# Sending a coupon to a segment ----------------------------------------------------------------------------------


@pytest.fixture
def computed(history, now):
    services.member_segments_compute(now=now)
    return history


def test_an_administrator_sends_a_coupon_to_a_segment_skipping_a_member_at_the_limit(
    computed, admin_operator, food, now
):
    # given two more active members, one of whom already holds the coupon (one per member); with seven buyers the
    # top fifth is two, so the steady buyer (second by spend, three orders) is high value now
    extra = []
    for n in range(2):
        person = factories.user(email=f"active{n}@example.com")
        factories.address(person, is_default=True)
        _paid(person, food, 1, 300, now)
        _paid(person, food, 1, 40, now)
        extra.append(person)
    services.member_segments_compute(now=now)
    template = promotions.coupon_template_create(actor=admin_operator, data=_offer(), platform=True)
    promotions.coupon_grant(template_id=template.pk, user_id=extra[0].pk)
    members = set(MemberSegment.objects.filter(segment="active").values_list("user_id", flat=True))
    assert members == {p.pk for p in extra}
    assert MemberSegment.objects.get(user=computed["people"]["steady"]).segment == "high_value"
    # when the administrator sends it to the active segment
    campaign = services.segment_coupons_send(actor=admin_operator, segment="active", template_id=template.pk)
    # then the other got one, the holder was skipped and counted, and it is recorded and audited
    assert (campaign.targeted, campaign.given, campaign.skipped) == (2, 1, 1)
    given = Coupon.objects.filter(pk__in=SegmentCampaignCoupon.objects.values("coupon_id"))
    assert set(given.values_list("owner_id", flat=True)) == members - {extra[0].pk}
    template.refresh_from_db()
    assert template.claimed_count == 2  # the skipped grant took nothing
    entry = AuditEntry.objects.get(action="analytics.segment_coupons_send")
    assert entry.target_id == str(campaign.pk)
    assert entry.actor_id == admin_operator.pk
    assert entry.after == {"segment": "active", "template_id": template.pk, "targeted": 2, "given": 1, "skipped": 1}
    (row,) = selectors.segment_campaigns(admin_operator)
    assert (row.campaign, row.used) == (campaign, 0)


def test_when_the_coupons_run_out_the_rest_are_skipped(computed, admin_operator, now, food):
    # given a template with one coupon left and a segment of two
    other = factories.user(email="risk2@example.com")
    factories.address(other, is_default=True)
    _paid(other, food, 1, 150, now)
    services.member_segments_compute(now=now)
    template = promotions.coupon_template_create(actor=admin_operator, data=_offer(total_quantity=1), platform=True)
    # when sent to the at-risk segment
    campaign = services.segment_coupons_send(actor=admin_operator, segment="at_risk", template_id=template.pk)
    # then the first member (by id) got the only coupon and the other was skipped
    assert (campaign.targeted, campaign.given) == (2, 1)
    assert Coupon.objects.get(template=template).owner_id == computed["people"]["risk"].pk


def test_a_used_coupon_is_counted_once_a_checkout_uses_it(computed, admin_operator, food, now):
    # given a coupon sent to the new segment
    template = promotions.coupon_template_create(actor=admin_operator, data=_offer(), platform=True)
    services.segment_coupons_send(actor=admin_operator, segment="new", template_id=template.pk)
    member = computed["people"]["new"]
    coupon = Coupon.objects.get(owner=member, template=template)
    # when the member checks out with it and pays
    factories.in_cart(member, (factories.sku_of(food), 1))
    address_id = member.addresses.first().pk
    quote = checkout.checkout_quote(actor=member, address_id=address_id, coupon_ids=[coupon.pk])
    placement = checkout.checkout_place(
        actor=member, address_id=address_id, fingerprint=quote.fingerprint, coupon_ids=[coupon.pk]
    )
    factories.pay(placement)
    # then the campaign counts it used
    (row,) = selectors.segment_campaigns(admin_operator)
    assert (row.campaign.given, row.used) == (1, 1)


def _nothing_written() -> tuple[int, int, int, int]:
    return (
        SegmentCampaign.objects.count(),
        SegmentCampaignCoupon.objects.count(),
        Coupon.objects.count(),
        AuditEntry.objects.filter(action="analytics.segment_coupons_send").count(),
    )


def test_only_administrators_send(computed, admin_operator, reviewer, buyer, merchant_staff):
    template = promotions.coupon_template_create(actor=admin_operator, data=_offer(), platform=True)
    before = _nothing_written()
    for actor in (reviewer, buyer, merchant_staff):
        with pytest.raises(PermissionDenied):
            services.segment_coupons_send(actor=actor, segment="new", template_id=template.pk)
    assert _nothing_written() == before


def test_bad_input_is_refused_and_nothing_is_written(computed, admin_operator, merchant_staff):
    platform = promotions.coupon_template_create(actor=admin_operator, data=_offer(), platform=True)
    shops = promotions.coupon_template_create(actor=merchant_staff, data=_offer(claimable=True))
    stopped = promotions.coupon_template_create(actor=admin_operator, data=_offer(name="停"), platform=True)
    promotions.coupon_template_stop(actor=admin_operator, template_id=stopped.pk)
    before = _nothing_written()
    with pytest.raises(InvalidInput) as unknown:
        services.segment_coupons_send(actor=admin_operator, segment="vip", template_id=platform.pk)
    assert (unknown.value.code, unknown.value.field) == ("analytics.unknown_segment", "segment")
    with pytest.raises(InvalidInput) as shop:
        services.segment_coupons_send(actor=admin_operator, segment="new", template_id=shops.pk)
    assert (shop.value.code, shop.value.field) == ("analytics.shop_template", "template_id")
    with pytest.raises(CouponTemplateNotFound):
        services.segment_coupons_send(actor=admin_operator, segment="new", template_id=10**9)
    with pytest.raises(CouponNotClaimable):
        services.segment_coupons_send(actor=admin_operator, segment="new", template_id=stopped.pk)
    assert _nothing_written() == before
    assert CouponTemplate.objects.get(pk=platform.pk).claimed_count == 0
