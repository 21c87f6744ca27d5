"""Reads of the community group-buying domain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from jishi.analytics.permissions import PLATFORM_FIGURES
from jishi.catalog.models import Sku
from jishi.catalog.states import ProductStatus
from jishi.community.errors import BatchNotFound, CampaignNotFound, LeaderNotFound, NotALeader, PointNotFound
from jishi.community.models import (
    Batch,
    CampaignStatus,
    CommunityCampaign,
    CommunityItem,
    GroupBuySettings,
    Leader,
    LeaderStatus,
    Pickup,
    PickupPoint,
    PickupStatus,
    Residence,
)
from jishi.community.permissions import LEADER_REVIEW, SHOP_COMMUNITY
from jishi.core.actors import Actor, user_of
from jishi.core.geo import box_e6, distance_km
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import AUTHENTICATED, check
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger.models import JournalLine, Payout, PayoutAccount
from jishi.ledger.payees import Payee
from jishi.merchants.selectors import merchant_for
from jishi.orders.models import OrderLine
from jishi.orders.permissions import ORDER_FULFIL
from jishi.promotions.pricing import PriceOffer, Source

SOURCE_KIND = "community"


@dataclass(frozen=True)
class Nearby:
    point: PickupPoint
    km: float | None  # None when listed by city, not by distance


def points_nearest(*, latitude: float, longitude: float, within_km: float = 10, limit: int = 20) -> list[Nearby]:
    """Open pickup points within ``within_km`` of a place, nearest first: a bounding box on the indexed integer
    coordinates (the same query on SQLite and PostgreSQL), then the exact distance here."""
    box = PickupPoint.objects.filter(leader__status=LeaderStatus.APPROVED, **box_e6(latitude, longitude, within_km))
    found = [(distance_km(latitude, longitude, p.latitude, p.longitude), p) for p in box[:2000]]
    near = sorted(((km, p) for km, p in found if km <= within_km), key=lambda pair: (pair[0], pair[1].pk))
    return [Nearby(point, km) for km, point in near[:limit]]


def point_open(point_id: int) -> PickupPoint | None:
    """The pickup point if its leader is approved (open for orders), else None."""
    return PickupPoint.objects.filter(pk=point_id, leader__status=LeaderStatus.APPROVED).first()


def point_get(point_id: int) -> PickupPoint:
    point = PickupPoint.objects.select_related("leader").filter(pk=point_id).first()
    if point is None:
        raise PointNotFound(field="point_id")
    return point


def residence_of(actor: Actor) -> PickupPoint | None:
    """The pickup point the signed-in resident chose, if it is still open."""
    if not getattr(actor, "is_authenticated", False):
        return None
    found = Residence.objects.select_related("point").filter(user=user_of(actor)).first()
    return point_open(found.point_id) if found else None


def leader_of(actor: Actor) -> Leader:
    """The actor's approved leadership with its point; NotALeader otherwise."""
    if not getattr(actor, "is_authenticated", False):
        raise NotALeader
    leader = Leader.objects.select_related("point").filter(user=user_of(actor), status=LeaderStatus.APPROVED).first()
    if leader is None:
        raise NotALeader
    return leader


def application_of(actor: Actor) -> Leader | None:
    """The actor's leader application (or leadership) with its point, if any."""
    check(actor, AUTHENTICATED)
    return Leader.objects.select_related("point").filter(user=user_of(actor)).first()


def leaders_for_review(actor: Actor, *, status: str = LeaderStatus.APPLIED) -> QuerySet[Leader]:
    check(actor, LEADER_REVIEW)
    return Leader.objects.filter(status=status).select_related("user", "point").order_by("applied_at", "pk")[:500]


def leader_get(leader_id: int) -> Leader:
    leader = Leader.objects.select_related("point").filter(pk=leader_id).first()
    if leader is None:
        raise LeaderNotFound(field="leader_id")
    return leader


def _serving(point: PickupPoint, now: dt.datetime) -> QuerySet[CommunityCampaign]:
    """Campaigns taking orders now that deliver to the point: every point or this one, anywhere or its city."""
    return (
        CommunityCampaign.objects.filter(status=CampaignStatus.ACTIVE, starts_at__lte=now, cutoff_at__gt=now)
        .filter(Q(points__isnull=True) | Q(points=point))
        .filter(Q(city="") | Q(city=point.city))
        .distinct()
    )


def campaigns_for_point(point: PickupPoint, *, now: dt.datetime) -> list[CommunityCampaign]:
    """What a resident of the point can order now, soonest cut-off first, with items, SKUs and products."""
    campaigns = _serving(point, now).select_related("merchant")
    return list(campaigns.prefetch_related("items__sku__product__images").order_by("cutoff_at", "pk"))


def community_offers(point: PickupPoint, sku_ids: list[int], *, now: dt.datetime) -> dict[int, PriceOffer]:
    """Each of these SKUs' community price at the point now (the lowest, if two campaigns have it)."""
    items = CommunityItem.objects.filter(sku_id__in=sku_ids, campaign__in=_serving(point, now)).order_by("price_minor")
    label = gettext("Community price")
    offers: dict[int, PriceOffer] = {}
    for item in items:
        offers.setdefault(
            item.sku_id, PriceOffer(Source(SOURCE_KIND, item.campaign_id), label, item.sku_id, item.price)
        )
    return offers


def campaign_of_order(order: object, point_id: int) -> CommunityCampaign | None:
    """The campaign a paid pickup order was bought in: of its lines' campaigns at the point when it was placed,
    the one that cuts off last (its batch carries the order)."""
    point = PickupPoint.objects.get(pk=point_id)
    placed_at = order.placed_at  # type: ignore[attr-defined]
    sku_ids = [line.sku_id for line in order.lines.all()]  # type: ignore[attr-defined]
    campaigns = (
        CommunityCampaign.objects.filter(items__sku_id__in=sku_ids, starts_at__lte=placed_at, cutoff_at__gt=placed_at)
        .filter(Q(points__isnull=True) | Q(points=point))
        .filter(Q(city="") | Q(city=point.city))
    )
    return campaigns.order_by("-cutoff_at", "-pk").first()


def skus_of_merchant(merchant_id: int, sku_ids: list[int]) -> dict[int, Sku]:
    """These SKUs, if on sale in the merchant's published products, by id."""
    skus = Sku.objects.filter(
        pk__in=sku_ids, product__merchant_id=merchant_id, product__status=ProductStatus.PUBLISHED, is_active=True
    )
    return {sku.pk: sku for sku in skus}


def campaign_of_merchant(actor: Actor, campaign_id: int) -> CommunityCampaign:
    check(actor, SHOP_COMMUNITY)
    campaign = CommunityCampaign.objects.filter(pk=campaign_id, merchant=merchant_for(actor)).first()
    if campaign is None:
        raise CampaignNotFound(field="campaign_id")
    return campaign


def campaigns_due(*, now: dt.datetime, limit: int = 200) -> list[int]:
    """Campaigns past their cut-off: the batch sweep's work (it also takes late payments into open batches)."""
    due = CommunityCampaign.objects.filter(cutoff_at__lte=now, cutoff_at__gt=now - dt.timedelta(days=7))
    return list(due.order_by("cutoff_at", "pk").values_list("pk", flat=True)[:limit])


def pickups_to_batch(campaign_id: int) -> list[Pickup]:
    """The campaign's paid pickups not in a batch yet, with their orders."""
    pickups = Pickup.objects.filter(campaign_id=campaign_id, status=PickupStatus.WAITING, batch__isnull=True)
    return list(pickups.select_related("order").order_by("pk"))


def batch_of_merchant(actor: Actor, batch_id: int) -> Batch:
    check(actor, ORDER_FULFIL)
    batch = Batch.objects.select_related("point").filter(pk=batch_id, merchant=merchant_for(actor)).first()
    if batch is None:
        raise BatchNotFound(field="batch_id")
    return batch


def batch_of_leader(leader: Leader, batch_id: int) -> Batch:
    batch = Batch.objects.filter(pk=batch_id, point=leader.point).first()
    if batch is None:
        raise BatchNotFound(field="batch_id")
    return batch


def pickups_of_batch(batch_id: int) -> list[Pickup]:
    return list(Pickup.objects.filter(batch_id=batch_id).select_related("order").prefetch_related("order__lines"))


def pickup_by_code(point_id: int, digest: str) -> Pickup | None:
    """The point's pickup with this code, the one not collected first (a collected one may share a code)."""
    pickups = Pickup.objects.filter(point_id=point_id, code_digest=digest).select_related("order").order_by("-pk")
    active = pickups.exclude(status__in=[PickupStatus.COLLECTED, PickupStatus.CANCELLED]).first()
    return active or pickups.first()


def pickups_uncollected(*, before: dt.datetime, limit: int = 500) -> list[Pickup]:
    pickups = Pickup.objects.filter(status=PickupStatus.READY, ready_at__lte=before, flagged_at__isnull=True)
    return list(pickups.select_related("order", "point__leader").order_by("ready_at", "pk")[:limit])


def pickup_of_order(order_id: int) -> Pickup | None:
    return Pickup.objects.select_related("point").filter(order_id=order_id).first()


def batches_of_point(leader: Leader, *, status: str | None = None) -> QuerySet[Batch]:
    """The batches coming to or at the leader's point, newest first, with their campaigns and shops."""
    batches = Batch.objects.filter(point=leader.point).select_related("campaign", "merchant")
    return (batches.filter(status=status) if status else batches).order_by("-pk")[:200]


def batches_of_merchant(actor: Actor, *, status: str | None = None) -> QuerySet[Batch]:
    """The actor's shop's batches, newest first, with their campaigns and points."""
    check(actor, ORDER_FULFIL)
    batches = Batch.objects.filter(merchant=merchant_for(actor)).select_related("campaign", "point")
    return (batches.filter(status=status) if status else batches).order_by("-pk")[:200]


@dataclass(frozen=True)
class DispatchLine:
    """One SKU of a batch's dispatch list (配货单): how many units go to the point, over how many orders."""

    sku_id: int
    title: str
    sku_label: str
    units: int
    orders: int


def dispatch_list(batch: Batch) -> list[DispatchLine]:
    """The batch's paid units summed per SKU, without those refunded (one query)."""
    rows = (
        OrderLine.objects.filter(order__pickup__batch=batch)
        .values("sku_id", "title", "sku_label")
        .annotate(units=Sum(F("quantity") - F("refunded_quantity")), orders=Count("order", distinct=True))
        .order_by("title", "sku_label", "sku_id")
    )
    return [DispatchLine(r["sku_id"], r["title"], r["sku_label"], r["units"], r["orders"]) for r in rows if r["units"]]


def pickups_of_point(leader: Leader, *, status: str | None = None) -> QuerySet[Pickup]:
    """The orders of the leader's point (its customers' orders), newest first, with buyers and lines."""
    pickups = Pickup.objects.filter(point=leader.point).select_related("order__buyer", "campaign")
    pickups = pickups.prefetch_related("order__lines")
    return (pickups.filter(status=status) if status else pickups).order_by("-pk")


def community_campaigns_of_merchant(actor: Actor) -> QuerySet[CommunityCampaign]:
    check(actor, SHOP_COMMUNITY)
    campaigns = CommunityCampaign.objects.filter(merchant=merchant_for(actor))
    return campaigns.prefetch_related("items__sku__product", "points").order_by("-pk")


def points_for_operator(actor: Actor) -> QuerySet[PickupPoint]:
    """Every pickup point with its leader, for the operators' list and map."""
    check(actor, LEADER_REVIEW)
    return PickupPoint.objects.select_related("leader__user").order_by("city", "district", "pk")[:2000]


def pickup_of_buyer(actor: Actor, order_number: str) -> Pickup:
    """The pickup of one of the actor's orders, with its point; PickupNotFound for any other order."""
    check(actor, AUTHENTICATED)
    pickup = (
        Pickup.objects.select_related("point", "order")
        .filter(order__number=order_number, order__buyer=user_of(actor))
        .first()
    )
    if pickup is None:
        raise PointNotFound(field="number")
    return pickup


def points_in_city(city: str, *, limit: int = 50) -> list[PickupPoint]:
    """The open points of a city, by district: the choice when the resident gives no location."""
    points = PickupPoint.objects.filter(city=city, leader__status=LeaderStatus.APPROVED)
    return list(points.order_by("district", "name", "pk")[:limit])


def points_open(*, limit: int = 500) -> list[PickupPoint]:
    """The open pickup points (their leaders approved), by city, district and name: what a shop may restrict a
    campaign to."""
    points = PickupPoint.objects.filter(leader__status=LeaderStatus.APPROVED)
    return list(points.order_by("city", "district", "name", "pk")[:limit])


def batch_order_counts(batch_ids: list[int]) -> dict[int, int]:
    """How many orders each of these batches carries, by batch id (one query; a batch without any is left out)."""
    rows = Pickup.objects.filter(batch_id__in=batch_ids).values("batch_id").annotate(orders=Count("pk"))
    return {row["batch_id"]: row["orders"] for row in rows}


def batch_dispatch_of_merchant(actor: Actor, batch_id: int) -> Batch:
    """One of the actor's shop's batches with its campaign and its point's leader, for its dispatch list (配货单);
    BatchNotFound for any other."""
    check(actor, ORDER_FULFIL)
    batches = Batch.objects.select_related("campaign", "point__leader__user")
    batch = batches.filter(pk=batch_id, merchant=merchant_for(actor)).first()
    if batch is None:
        raise BatchNotFound(field="batch_id")
    return batch


# The operators' dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointOrders:
    """One pickup point's paid pickup orders in a period, and what their buyers paid (GMV, shipping included)."""

    point_id: int
    point_name: str
    leader_name: str  # the leader's display name, blank when they gave none
    orders: int
    gmv: Money


def orders_per_point(actor: Actor, *, since: dt.datetime, limit: int = 20) -> list[PointOrders]:
    """The pickup points whose orders paid since ``since`` took the most, highest GMV first (one query).

    Counts an order once whatever happened to it after payment, as the dashboard's GMV does; refunds are
    the dashboard's own figure. For the operators who see the marketplace's figures (PLATFORM_FIGURES).
    Raises PermissionDenied.
    """
    check(actor, PLATFORM_FIGURES)
    rows = (
        Pickup.objects.filter(order__paid_at__gte=since, order__currency=CURRENCY)
        .values("point_id", "point__name", "point__leader__user__display_name")
        .annotate(orders=Count("order_id"), gmv=Sum("order__total_minor"))
        .order_by("-gmv", "point_id")[:limit]
    )
    return [
        PointOrders(
            point_id=row["point_id"],
            point_name=row["point__name"],
            leader_name=row["point__leader__user__display_name"],
            orders=row["orders"],
            gmv=Money(row["gmv"], CURRENCY),
        )
        for row in rows
    ]


# Leader commission and share links ------------------------------------------------------------------


def point_leader_id(point_id: int) -> int:
    return PickupPoint.objects.values_list("leader_id", flat=True).get(pk=point_id)


def shared_by(user_id: int, campaign_id: int) -> int | None:
    """The approved leader whose share link for the campaign the user followed last, if any."""
    return (
        Residence.objects.filter(
            user_id=user_id, shared_campaign_id=campaign_id, shared_by__status=LeaderStatus.APPROVED
        )
        .values_list("shared_by_id", flat=True)
        .first()
    )


def campaign_open(campaign_id: int) -> CommunityCampaign:
    """A campaign taking orders now; CampaignNotFound otherwise."""
    now = timezone.now()
    campaign = CommunityCampaign.objects.filter(
        pk=campaign_id, status=CampaignStatus.ACTIVE, starts_at__lte=now, cutoff_at__gt=now
    ).first()
    if campaign is None:
        raise CampaignNotFound(field="campaign_id")
    return campaign


def earning_leader_of(actor: Actor) -> Leader:
    """The actor's leadership, approved or suspended (a suspended leader keeps what they earned); NotALeader
    otherwise."""
    if not getattr(actor, "is_authenticated", False):
        raise NotALeader
    leader = Leader.objects.filter(
        user=user_of(actor), status__in=[LeaderStatus.APPROVED, LeaderStatus.SUSPENDED]
    ).first()
    if leader is None:
        raise NotALeader
    return leader


@dataclass(frozen=True)
class Earnings:
    balances: dict[str, Money]  # pending (booked at pickup, until the order settles), available, in transit
    bank_account: PayoutAccount | None
    payouts: list[Payout]
    lines: list[JournalLine]  # newest first


def leader_payee(actor: Actor) -> Payee:
    """The actor's leadership as the ledger's payee (approved or suspended); NotALeader otherwise."""
    leader = earning_leader_of(actor)
    return Payee(leader_id=leader.pk, user_id=leader.user_id)


def earnings_of(actor: Actor, *, lines: int = 50) -> Earnings:
    """The leader's commission: balances, bank account, withdrawals and the latest postings."""
    payee = leader_payee(actor)
    return Earnings(
        balances=ledger_selectors.payee_balances(payee),
        bank_account=ledger_selectors.payee_bank_account(payee),
        payouts=list(ledger_selectors.payee_payouts(payee)[:50]),
        lines=list(ledger_selectors.payee_lines(payee)[:lines]),
    )


def default_leader_rate_bp() -> int:
    """The leaders' commission when a campaign sets none, in basis points: the operators' group-buy settings
    (the environment's JISHI_LEADER_RATE_BP until they are first saved)."""
    return group_buy_settings().leader_rate_bp


@dataclass(frozen=True)
class Shareable:
    campaign: CommunityCampaign
    orders_via_link: int  # paid orders the leader's link brought (refunded ones too: they came through it)


def campaigns_to_share(leader: Leader, *, now: dt.datetime) -> list[Shareable]:
    """The campaigns the leader's point receives now, each with the orders the leader's share link brought."""
    campaigns = _serving(leader.point, now).select_related("merchant").order_by("cutoff_at", "pk")
    campaigns = campaigns.annotate(
        via_link=Count("pickups", filter=Q(pickups__leader=leader, pickups__via_link=True), distinct=True)
    )
    return [Shareable(c, c.via_link) for c in campaigns]


def share_path(campaign_id: int, leader_id: int) -> str:
    """The storefront page a leader shares for a campaign: opening it signed in credits the leader."""
    return f"/community/share/{campaign_id}/{leader_id}/"


# The operators' group-buy settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupBuyRules:
    """The platform's group-buy settings as they apply now."""

    team_window_hours: int  # a new 拼团 campaign's groups have this long to fill unless the shop says otherwise
    leader_rate_bp: int  # the leaders' commission on a community campaign that sets none (100 = 1 %)
    uncollected_days: int  # a ready pickup not collected after this many days is flagged
    updated_by_id: int | None  # None: never saved (the environment's values), or its operator was deleted
    updated_by_name: str  # their display name or masked phone/e-mail; blank when none
    updated_at: dt.datetime | None  # None: never saved


def group_buy_settings() -> GroupBuyRules:
    """The group-buy settings operators saved, or the environment's (JISHI_TEAM_WINDOW_HOURS, JISHI_LEADER_RATE_BP,
    JISHI_PICKUP_UNCOLLECTED_DAYS) until they first do.

    One primary-key query, not cached: it is read when a campaign is created, an order is paid for pickup or the
    hourly sweep runs, and a per-process cache (the fallback without Redis) could not be invalidated in the
    worker when the web process saves. Needs no permission: these are the rules every shop and leader works by.
    """
    row = (
        GroupBuySettings.objects.select_related("updated_by").filter(pk=GroupBuySettings.SINGLETON_PK).first()
        or GroupBuySettings()
    )
    return GroupBuyRules(
        team_window_hours=row.team_window_hours,
        leader_rate_bp=row.leader_rate_bp,
        uncollected_days=row.uncollected_days,
        updated_by_id=row.updated_by_id,
        updated_by_name=str(row.updated_by) if row.updated_by else "",
        updated_at=row.updated_at,
    )
