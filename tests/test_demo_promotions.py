"""The demo market's promotions are real: a flash sale running when it starts, bought through checkout, and 满减,
limited prices and coupons whose figures come from real orders."""

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order, OrderAdjustment
from jishi.promotions.models import Coupon, CouponTemplate, FlashItem, FlashSession, LimitedPrice

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo market, loaded once for this module (each test runs in a savepoint of it), rolled back at the end."""
    from jishi.demo.loader import DemoLoader

    with django_db_blocker.unblock(), transaction.atomic():
        DemoLoader(image_every=1000).load()
        yield
        transaction.set_rollback(True)


def test_the_demo_runs_a_flash_sale_and_promotions_through_real_orders(demo):
    now = timezone.now()
    running = FlashSession.objects.get(starts_at__lte=now, ends_at__gt=now)
    items = FlashItem.objects.filter(session=running, status="approved")
    assert items.count() >= 3
    # every unit shown as taken is a flash order's line
    for item in items:
        sold = sum(
            line.quantity
            for order in Order.objects.filter(kind="flash").prefetch_related("lines")
            for line in order.lines.all()
            if line.flash_item_id == item.pk and order.status != "cancelled"
        )
        assert item.sold == sold
    assert sum(item.sold for item in items) == 12
    assert FlashSession.objects.filter(starts_at__gt=now).exists()
    # a limited price ends within hours; two shops' 满减 took money off real orders; coupons wait to be claimed
    assert LimitedPrice.objects.filter(ends_at__gt=now, ends_at__lt=now + dt.timedelta(hours=6)).count() == 1
    assert OrderAdjustment.objects.filter(source_kind="threshold").values("order__merchant").distinct().count() == 2
    assert CouponTemplate.objects.filter(merchant__isnull=True, claimable=True).count() == 3
    assert Coupon.objects.filter(owner__display_name="买家小王", template__claimable=True).count() == 3
    assert reconcile().ok


def test_the_demo_group_buys_are_real_paid_orders(demo):
    from jishi.groupbuy.models import Team, TeamMember

    statuses = Counter(Team.objects.values_list("status", flat=True))
    assert statuses["formed"] >= 4
    assert statuses["dissolved"] == 2
    assert statuses["open"] == 2
    for team in Team.objects.all():  # every member counted is a paid order seated in the group
        seated = TeamMember.objects.filter(team=team, status__in=["joined", "formed"])
        if team.status != "dissolved":
            assert team.members == seated.count()
        assert all(member.order.paid_at for member in seated)
    for team in Team.objects.filter(status="open"):  # one member short of forming
        assert team.campaign.min_size - team.members == 1
    # the dissolved groups' members were refunded in full; the 5-person group's members got the difference back
    for member in TeamMember.objects.filter(status="refunded"):
        assert member.order.status == "closed"
        assert sum(r.amount_minor for r in member.order.refunds.all()) == member.order.total_minor
    five = Team.objects.get(status="formed", members=5)
    assert all(m.order.refunds.exists() for m in TeamMember.objects.filter(team=five))
    assert reconcile().ok


def test_the_demo_community_runs_through_real_orders(demo):
    from jishi.community.models import Batch, CommunityCampaign, Leader, Pickup
    from jishi.ledger.models import Payout

    now = timezone.now()
    assert Counter(Leader.objects.values_list("status", flat=True)) == {"approved": 3, "applied": 1}
    assert CommunityCampaign.objects.filter(cutoff_at__gt=now).count() == 1  # taking orders
    assert set(Batch.objects.values_list("status", flat=True)) == {"arrived"}
    mine = Pickup.objects.get(order__buyer__display_name="买家小王")
    assert (mine.status, mine.order.status, mine.order.fulfilment) == ("ready", "shipped", "pickup")
    assert Pickup.objects.filter(status="collected", campaign__title="昨日鲜品团 · 今日自提").count() == 1
    assert Pickup.objects.filter(status="waiting").count() == 3  # today's, before its cut-off
    assert Pickup.objects.filter(status="waiting", via_link=True).count() == 1  # through the leader's share link
    for pickup in Pickup.objects.select_related("order"):  # every pickup is a paid order
        assert pickup.order.paid_at is not None
    # the weekend fruit group buy was collected and settled: each leader's commission came from its real orders
    fruit = Pickup.objects.filter(campaign__title="周末水果团").select_related("order__settlement")
    assert len(fruit) == 5
    assert all(p.order.status == "completed" for p in fruit)
    # 10 % of what was paid, half up
    assert all(p.order.settlement.leader_commission_minor == (p.order.total_minor + 5) // 10 for p in fruit)
    head = Leader.objects.get(point__name="文三路便利店")  # the demo leader
    assert Payout.objects.get(leader=head).status == "paid"
    assert reconcile().ok


def test_the_demo_pet_market_is_logged_listed_sold_and_claimed(demo):
    from jishi.aftersales.models import AftersalesRequest
    from jishi.pets import selectors
    from jishi.pets.models import Checkpoint, Pet, PetClaim, PetSale
    from jishi.pets.verifier import open_checkpoint, verify_consistency

    # two breeders' litters and a private rehoming, every one published, every record proven under the latest
    # checkpoint, and the two checkpoints consistent
    assert set(Pet.objects.values_list("merchant__kind", flat=True)) == {"breeder", "individual"}
    assert Pet.objects.filter(merchant__kind="breeder").values("merchant").distinct().count() == 2
    latest = selectors.checkpoint_latest()
    for pet in Pet.objects.all():
        checks = selectors.pet_records_checked(pet, latest)
        assert all(check.proven for check in checks), pet
        assert pet.merchant.kind == "individual" or {c.record.kind for c in checks} >= {"vaccination", "health_check"}
    first, second = (
        open_checkpoint(c.note, selectors.signer().verifier) for c in Checkpoint.objects.order_by("tree_size")
    )
    proof = selectors.consistency_proof(first.size, second.size)
    assert verify_consistency(first.size, second.size, proof, first.root, second.root)
    assert selectors.log_audit() == []
    assert selectors.pets_search(selectors.PetQuery(latitude=31.30, longitude=120.60, within_km=50)).total == 4
    # the demo buyer's kitten is with the pet courier, its certificate handed in; another buyer's claim waits
    mine = PetSale.objects.get(order__buyer__display_name="买家小王")
    assert (mine.order.status, mine.quarantine_uploaded_at is not None, mine.arrived_at) == ("shipped", True, None)
    assert [e.kind for e in mine.events.all()] == ["handed_over", "checkpoint"]
    claim = PetClaim.objects.get()
    assert (claim.kind, AftersalesRequest.objects.get(number=claim.request_number).status) == (
        "transit_injury",
        "requested",
    )
    assert not Pet.objects.get(pk=mine.pet_id).is_live
    assert reconcile().ok


def test_the_demo_member_mall_comes_from_real_records(demo):
    from django.db.models import Count, Sum

    from jishi.analytics.models import MemberSegment
    from jishi.loyalty.models import Member, PointsEntry, Referral
    from jishi.recommendations.models import Similar
    from jishi.reviews.models import Review, ReviewStatus

    tiers = dict(Member.objects.values_list("tier").annotate(n=Count("pk")))
    assert set(tiers) == {"regular", "silver", "gold", "diamond"}, tiers
    for member in Member.objects.all():  # every balance is the sum of its entries
        assert member.balance == (PointsEntry.objects.filter(member=member).aggregate(s=Sum("points"))["s"] or 0)
    assert list(Referral.objects.values_list("status", flat=True)) == ["rewarded", "rewarded"]
    reviews = Review.objects.select_related("order_line__order")
    assert reviews.filter(has_photos=True).exists()
    assert reviews.exclude(reply_text="").exists()
    assert reviews.filter(status=ReviewStatus.HELD).count() == 1
    for review in reviews:  # each by the buyer of a received line
        assert review.order_line.order.buyer_id == review.buyer_id
        assert review.order_line.order.status in ("delivered", "completed")
    assert Similar.objects.exists()
    assert MemberSegment.objects.exists()
