"""社区团购 API: pickup points near a place and the resident's own, the campaigns of a point, leader applications
and their review, a leader's batches, arrivals and pickup codes, and a shop's campaigns, batches and dispatch lists.

Ordering goes through checkout: ``pickup_merchant_ids`` on ``POST /checkout/quote`` and ``/checkout/place``
collects those shops' orders at the resident's point, at the community price.
"""

import csv
import io
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.community import selectors, services
from jishi.community.errors import PointNotFound
from jishi.community.models import (
    Batch,
    BatchStatus,
    CommunityCampaign,
    Leader,
    LeaderStatus,
    Pickup,
    PickupPoint,
    PickupStatus,
    PointKind,
)
from jishi.community.permissions import GROUP_BUY_SETTINGS, LEADER_REVIEW, SHOP_COMMUNITY
from jishi.core.api import (
    Amount,
    BodyId,
    DataOut,
    Id,
    IsoDate,
    IsoDateTime,
    MoneyOut,
    PageNumber,
    PublicNumber,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.errors import NotFound
from jishi.core.money import basis_points_to_percent
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger.api import (
    BalancesOut,
    BankAccountIn,
    BankAccountOut,
    LineOut,
    PayoutOut,
    WithdrawIn,
    balances_out,
    bank_account_out,
    line_out,
    payout_out,
)
from jishi.orders.permissions import ORDER_FULFIL

router = Router(tags=["community group buying"])
resident_router = Router(tags=["community group buying"], auth=SIGNED_IN)
leader_router = Router(tags=["group leader"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)


class PickupPointOut(DataOut):
    id: int
    name: str
    kind: PointKind
    address: str
    city: str
    latitude: float
    longitude: float
    hours: str
    km: float | None = Field(default=None, description="From the place asked about, when there was one")


class NearQuery(Schema):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lng: Annotated[float, Field(ge=-180, le=180)]
    within_km: Annotated[float, Field(gt=0, le=50)] = 10


class ChooseIn(StrictIn):
    point_id: BodyId


class CommunityItemOut(DataOut):
    sku_id: int
    product_id: int
    title: str
    sku_label: str
    image: str | None
    list_price: MoneyOut
    price: MoneyOut


class CommunityCampaignOut(DataOut):
    id: int
    merchant_id: int
    merchant_name: str
    title: str
    starts_at: str
    cutoff_at: str
    pickup_on: str
    items: list[CommunityItemOut]


class ShareLinkIn(StrictIn):
    campaign_id: BodyId
    leader_id: BodyId


class LeaderCampaignOut(DataOut):
    id: int
    title: str
    merchant_name: str
    cutoff_at: str
    pickup_on: str
    share_path: str  # the page to share (a link or its QR code): orders through it earn the leader's commission
    orders_via_link: int


class PointIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    kind: PointKind
    province: Annotated[str, Field(min_length=1, max_length=30)]
    city: Annotated[str, Field(min_length=1, max_length=30)]
    district: Annotated[str, Field(min_length=1, max_length=30)]
    detail: Annotated[str, Field(min_length=1, max_length=200)]
    latitude: Annotated[float, Field(strict=True)]
    longitude: Annotated[float, Field(strict=True)]
    hours: Annotated[str, Field(min_length=1, max_length=60, examples=["每天 9:00-21:00"])]
    capacity: Annotated[int, Field(strict=True)]


class LeaderOut(DataOut):
    id: int
    status: LeaderStatus
    reason: str
    applied_at: str
    point: PickupPointOut


class ReviewLeaderOut(LeaderOut):
    user_id: int
    name: str = Field(description="The applicant's display name")


class LeaderReasonIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class BatchOut(DataOut):
    id: int
    number: str
    campaign_id: int
    campaign_title: str
    merchant_name: str | None = None
    point_id: int
    point_name: str
    status: BatchStatus
    orders: int
    created_at: str
    sent_at: str | None
    arrived_at: str | None


class DispatchLineOut(DataOut):
    sku_id: int
    title: str
    sku_label: str
    units: int
    orders: int


class BatchDetailOut(BatchOut):
    lines: list[DispatchLineOut]


class ShortageIn(StrictIn):
    order_line_id: BodyId
    quantity: Annotated[int, Field(strict=True, ge=1, le=999)]


class ArriveIn(StrictIn):
    shortages: Annotated[list[ShortageIn], Field(max_length=200)] = []


class CodeIn(StrictIn):
    code: Annotated[str, Field(min_length=1, max_length=12)]


class PickupOut(DataOut):
    order_number: str
    buyer: str = Field(description="The receiver's name and masked phone, as the leader calls them")
    status: PickupStatus
    items: list[str]
    ready_at: str | None
    collected_at: str | None


class MyPickupOut(DataOut):
    order_number: str
    status: PickupStatus
    code: str = Field(description="Show it to the leader to collect the order")
    point: PickupPointOut


class CommunityItemIn(StrictIn):
    sku_id: BodyId
    price: Amount


class CommunityCampaignIn(StrictIn):
    title: Annotated[str, Field(min_length=1, max_length=40)]
    items: Annotated[list[CommunityItemIn], Field(min_length=1, max_length=100)]
    starts_at: IsoDateTime
    cutoff_at: IsoDateTime
    pickup_on: IsoDate
    point_ids: Annotated[list[BodyId] | None, Field(max_length=500, description="Every open point if left out")] = None
    city: Annotated[str, Field(max_length=30, description="Only points in this city")] = ""
    leader_rate: Annotated[
        str | None, Field(pattern=r"^\d{1,3}(\.\d{1,2})?$", description="Leaders' commission in %, else the default")
    ] = None


class MerchantCommunityCampaignOut(DataOut):
    id: int
    title: str
    starts_at: str
    cutoff_at: str
    pickup_on: str
    status: str
    cut_off: bool
    leader_rate: str | None
    point_ids: list[int]
    items: list[CommunityItemOut]


class GroupBuySettingsIn(StrictIn):
    team_window_hours: Annotated[
        int,
        Field(
            strict=True,
            examples=[24],
            description="Hours a new 拼团 campaign's groups have to fill when the shop gives none: 1 to 72",
        ),
    ]
    leader_rate: Annotated[
        str,
        Field(
            max_length=10,
            examples=["10", "12.5"],
            description="The leaders' commission in % on a community campaign that sets none: 0 to 100, at most "
            "two decimals",
        ),
    ]
    uncollected_days: Annotated[
        int,
        Field(
            strict=True,
            examples=[3],
            description="Days after which an order ready at a point and not collected is flagged: 1 to 30",
        ),
    ]


class GroupBuySettingsOut(DataOut):
    team_window_hours: int
    leader_rate: str = Field(description="In %, as typed: 10, 12.5")
    uncollected_days: int
    updated_by_id: int | None = Field(description="The operator who saved them last; null until first saved")
    updated_at: str | None = Field(description="Null until first saved: the environment's values apply")


def point_out(point: PickupPoint, km: float | None = None) -> PickupPointOut:
    return PickupPointOut(
        id=point.pk,
        name=point.name,
        kind=PointKind(point.kind),
        address=point.address_line,
        city=point.city,
        latitude=point.latitude,
        longitude=point.longitude,
        hours=point.hours,
        km=round(km, 2) if km is not None else None,
    )


def _item_out(item: Any) -> CommunityItemOut:
    sku = item.sku
    images = list(sku.product.images.all()) if hasattr(sku.product, "_prefetched_objects_cache") else []
    return CommunityItemOut(
        sku_id=sku.pk,
        product_id=sku.product_id,
        title=sku.product.title,
        sku_label=sku.label,
        image=images[0].thumbnail.url if images else None,
        list_price=money_out(sku.price),
        price=money_out(item.price),
    )


def _campaign_out(campaign: CommunityCampaign) -> CommunityCampaignOut:
    return CommunityCampaignOut(
        id=campaign.pk,
        merchant_id=campaign.merchant_id,
        merchant_name=campaign.merchant.name,
        title=campaign.title,
        starts_at=campaign.starts_at.isoformat(),
        cutoff_at=campaign.cutoff_at.isoformat(),
        pickup_on=campaign.pickup_on.isoformat(),
        items=[_item_out(item) for item in campaign.items.all()],
    )


def _leader_out(leader: Leader) -> LeaderOut:
    return LeaderOut(
        id=leader.pk,
        status=LeaderStatus(leader.status),
        reason=leader.reason,
        applied_at=leader.applied_at.isoformat(),
        point=point_out(leader.point),
    )


def _batch_fields(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "number": f"B{batch.pk:08d}",
        "campaign_id": batch.campaign_id,
        "campaign_title": batch.campaign.title,
        "point_id": batch.point_id,
        "point_name": batch.point.name,
        "status": BatchStatus(batch.status),
        "orders": batch.pickups.count(),
        "created_at": batch.created_at.isoformat(),
        "sent_at": batch.sent_at.isoformat() if batch.sent_at else None,
        "arrived_at": batch.arrived_at.isoformat() if batch.arrived_at else None,
    }


def _batch_detail(batch: Batch) -> BatchDetailOut:
    return BatchDetailOut(
        **_batch_fields(batch),
        merchant_name=batch.merchant.name,
        lines=[DispatchLineOut(**vars(line)) for line in selectors.dispatch_list(batch)],
    )


# Residents -------------------------------------------------------------------------------------------------


@router.get("/community/points", response={200: list[PickupPointOut], **errors()})
@requires(PUBLIC)
def points_near(request: HttpRequest, where: Query[NearQuery]) -> list[PickupPointOut]:
    """Open pickup points within ``within_km`` (at most 50) of a place, nearest first."""
    found = selectors.points_nearest(latitude=where.lat, longitude=where.lng, within_km=where.within_km)
    return [point_out(n.point, n.km) for n in found]


@resident_router.get("/community/me/point", response={200: PickupPointOut | None, **errors(401)})
@requires(AUTHENTICATED)
def my_point(request: HttpRequest) -> PickupPointOut | None:
    """The resident's chosen pickup point (null before they choose, or when it has closed)."""
    point = selectors.residence_of(actor_of(request))
    return point_out(point) if point else None


@resident_router.put("/community/me/point", response={200: PickupPointOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def choose_point(request: HttpRequest, payload: ChooseIn) -> PickupPointOut:
    """Choose (or change) the resident's pickup point. 409 ``community.point_unavailable`` for a closed point."""
    residence = services.point_choose(actor=actor_of(request), point_id=payload.point_id)
    return point_out(residence.point)


@resident_router.post("/community/share-links", response={200: PickupPointOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def share_link_follow(request: HttpRequest, payload: ShareLinkIn) -> PickupPointOut:
    """The resident opened a leader's share link for a campaign: its orders they pay from now on earn that leader's
    commission. A resident without a pickup point gets the leader's; returns the resident's point. 404
    ``community.campaign_not_found`` for a campaign not taking orders, 409 ``community.point_unavailable`` for a
    leader not approved."""
    residence = services.share_link_follow(actor=actor_of(request), **payload.dict())
    return point_out(residence.point)


@router.get("/community/points/{point_id}/campaigns", response={200: list[CommunityCampaignOut], **errors(404)})
@requires(PUBLIC)
def point_campaigns(request: HttpRequest, point_id: Id) -> list[CommunityCampaignOut]:
    """What residents of the point can order now, soonest cut-off first."""
    point = selectors.point_open(point_id)
    if point is None:
        raise PointNotFound(field="point_id")
    return [_campaign_out(c) for c in selectors.campaigns_for_point(point, now=timezone.now())]


@resident_router.get("/community/orders/{number}/pickup", response={200: MyPickupOut, **errors(401, 404)})
@requires(AUTHENTICATED)
def my_pickup(request: HttpRequest, number: PublicNumber) -> MyPickupOut:
    """The buyer's pickup code and point for one of their pickup orders."""
    pickup = selectors.pickup_of_buyer(actor_of(request), number)
    return MyPickupOut(
        order_number=number,
        status=PickupStatus(pickup.status),
        code=services.pickup_code(pickup),
        point=point_out(pickup.point),
    )


@resident_router.post("/community/leader-applications", response={201: LeaderOut, **errors(401, 403, 409)})
@requires(AUTHENTICATED)
def leader_apply(request: HttpRequest, payload: PointIn) -> Status:
    """Apply to run a pickup point (团长). 403 ``community.real_name_required`` without a verified real name; 409
    ``community.already_leader``; 422 for coordinates or a capacity out of range."""
    leader = services.leader_apply(actor=actor_of(request), data=services.PointInput(**payload.model_dump()))
    return Status(201, _leader_out(selectors.leader_get(leader.pk)))


@resident_router.get("/community/leader-applications/mine", response={200: LeaderOut | None, **errors(401)})
@requires(AUTHENTICATED)
def my_application(request: HttpRequest) -> LeaderOut | None:
    """The signed-in user's application (or leadership), null when none."""
    leader = selectors.application_of(actor_of(request))
    return _leader_out(leader) if leader else None


# Leaders ---------------------------------------------------------------------------------------------------


@leader_router.get("/leader/batches", response={200: list[BatchOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def leader_batches(request: HttpRequest, status: BatchStatus | None = None) -> list[BatchOut]:
    """The batches coming to the leader's point (sent: 待团长收货) and those that arrived, newest first."""
    leader = selectors.leader_of(actor_of(request))
    return [BatchOut(**_batch_fields(b)) for b in selectors.batches_of_point(leader, status=status)]


@leader_router.get("/leader/batches/{batch_id}", response={200: BatchDetailOut, **errors(401, 403, 404)})
@requires(AUTHENTICATED)
def leader_batch(request: HttpRequest, batch_id: Id) -> BatchDetailOut:
    """A batch with what should be in it, per SKU."""
    return _batch_detail(selectors.batch_of_leader(selectors.leader_of(actor_of(request)), batch_id))


@leader_router.post("/leader/batches/{batch_id}/arrive", response={200: BatchDetailOut, **errors(401, 403, 404, 409)})
@requires(AUTHENTICATED)
def leader_batch_arrive(request: HttpRequest, batch_id: Id, payload: ArriveIn) -> BatchDetailOut:
    """Confirm a sent batch arrived (到货), with what came short or damaged (refunded at once). 409
    ``community.batch_state`` for a batch not sent, or arrived already."""
    batch = services.batch_arrive(
        actor=actor_of(request),
        batch_id=batch_id,
        shortages=tuple(services.Shortage(s.order_line_id, s.quantity) for s in payload.shortages),
    )
    return _batch_detail(batch)


@leader_router.get("/leader/pickups", response={200: list[PickupOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def leader_pickups(request: HttpRequest, status: PickupStatus | None = None) -> list[PickupOut]:
    """The point's orders (its customers), newest first: ready ones (待自提) with ``status=ready``."""
    leader = selectors.leader_of(actor_of(request))
    return [_pickup_out(p) for p in selectors.pickups_of_point(leader, status=status)[:500]]


@leader_router.get("/leader/campaigns", response={200: list[LeaderCampaignOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def leader_campaigns(request: HttpRequest) -> list[LeaderCampaignOut]:
    """The campaigns the leader's point receives now, soonest cut-off first, each with the leader's share link and
    the orders it brought."""
    leader = selectors.leader_of(actor_of(request))
    return [
        LeaderCampaignOut(
            id=s.campaign.pk,
            title=s.campaign.title,
            merchant_name=s.campaign.merchant.name,
            cutoff_at=s.campaign.cutoff_at.isoformat(),
            pickup_on=s.campaign.pickup_on.isoformat(),
            share_path=selectors.share_path(s.campaign.pk, leader.pk),
            orders_via_link=s.orders_via_link,
        )
        for s in selectors.campaigns_to_share(leader, now=timezone.now())
    ]


@leader_router.get("/leader/earnings", response={200: BalancesOut, **errors(401, 403)})
@requires(AUTHENTICATED)
def leader_earnings(request: HttpRequest) -> BalancesOut:
    """The leader's commission: pending (booked when goods are handed over, until the order settles), available
    (may be withdrawn) and in transit. A suspended leader keeps what they earned."""
    return balances_out(ledger_selectors.payee_balances(selectors.leader_payee(actor_of(request))))


@leader_router.get("/leader/earnings/entries", response={200: list[LineOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def leader_earnings_entries(request: HttpRequest, page: PageNumber = 1) -> list[LineOut]:
    """The postings behind the balances, newest first (50 a page)."""
    lines = ledger_selectors.payee_lines(selectors.leader_payee(actor_of(request)))
    return [line_out(line) for line in paginate(lines, page=page, page_size=50).items]


@leader_router.get("/leader/bank-account", response={200: BankAccountOut, **errors(401, 403, 404)})
@requires(AUTHENTICATED)
def leader_bank_account(request: HttpRequest) -> BankAccountOut:
    account = ledger_selectors.payee_bank_account(selectors.leader_payee(actor_of(request)))
    if account is None:
        raise NotFound(code="ledger.payout_account_missing")
    return bank_account_out(account)


@leader_router.put("/leader/bank-account", response={200: BankAccountOut, **errors(401, 403, 429)})
@requires(AUTHENTICATED)
def leader_bank_account_set(request: HttpRequest, payload: BankAccountIn) -> BankAccountOut:
    """Set the account commission is withdrawn to; needs the password again (throttled like logging in: 429)."""
    return bank_account_out(services.leader_bank_account_set(actor=actor_of(request), **payload.dict()))


@leader_router.get("/leader/payouts", response={200: list[PayoutOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def leader_payouts(request: HttpRequest) -> list[PayoutOut]:
    """The leader's withdrawals, newest first (the latest 50)."""
    payouts = ledger_selectors.payee_payouts(selectors.leader_payee(actor_of(request)))
    return [payout_out(p) for p in payouts[:50]]


@leader_router.post("/leader/payouts", response={201: PayoutOut, **errors(401, 403, 409)})
@requires(AUTHENTICATED)
def leader_withdraw(request: HttpRequest, payload: WithdrawIn) -> Status:
    """Withdraw available commission; a finance operator approves it as a shop's. 409
    ``ledger.insufficient_balance`` beyond it, ``ledger.payout_account_missing`` without a verified account."""
    payout = services.leader_withdraw(actor=actor_of(request), amount=parse_amount(payload.amount, "amount"))
    return Status(201, payout_out(payout))


def _pickup_out(pickup: Pickup) -> PickupOut:
    order = pickup.order
    return PickupOut(
        order_number=order.number,
        buyer=f"{order.receiver} {order.masked_receiver_phone}",
        status=PickupStatus(pickup.status),
        items=[
            " ".join(
                part for part in (line.title, line.sku_label, f"× {line.quantity - line.refunded_quantity}") if part
            )
            for line in order.lines.all()
        ],
        ready_at=pickup.ready_at.isoformat() if pickup.ready_at else None,
        collected_at=pickup.collected_at.isoformat() if pickup.collected_at else None,
    )


@leader_router.post("/leader/pickups/verify", response={200: PickupOut, **errors(401, 403, 404, 409, 429)})
@requires(AUTHENTICATED)
def leader_verify(request: HttpRequest, payload: CodeIn) -> PickupOut:
    """Check a resident's pickup code and hand the goods over (the order is delivered). 404
    ``community.wrong_code`` (another point's too), 409 ``community.pickup_used`` or ``community.pickup_not_ready``,
    429 after 5 wrong codes in a minute."""
    pickup = services.pickup_verify(actor=actor_of(request), code=payload.code)
    return _pickup_out(selectors.pickups_of_point(selectors.leader_of(actor_of(request))).get(pk=pickup.pk))


# Shops -----------------------------------------------------------------------------------------------------


def _merchant_campaign_out(campaign: CommunityCampaign) -> MerchantCommunityCampaignOut:
    return MerchantCommunityCampaignOut(
        id=campaign.pk,
        title=campaign.title,
        starts_at=campaign.starts_at.isoformat(),
        cutoff_at=campaign.cutoff_at.isoformat(),
        pickup_on=campaign.pickup_on.isoformat(),
        status=campaign.status,
        cut_off=campaign.cut_off,
        leader_rate=f"{campaign.leader_rate_bp / 100:g}" if campaign.leader_rate_bp is not None else None,
        point_ids=[p.pk for p in campaign.points.all()],
        items=[_item_out(item) for item in campaign.items.all()],
    )


@merchant_router.get("/community/campaigns", response={200: list[MerchantCommunityCampaignOut], **errors(401, 403)})
@requires(SHOP_COMMUNITY)
def merchant_campaigns(request: HttpRequest) -> list[MerchantCommunityCampaignOut]:
    """The shop's community group buys, newest first."""
    return [_merchant_campaign_out(c) for c in selectors.community_campaigns_of_merchant(actor_of(request))[:200]]


@merchant_router.post("/community/campaigns", response={201: MerchantCommunityCampaignOut, **errors(401, 403)})
@requires(SHOP_COMMUNITY)
def merchant_campaign_create(request: HttpRequest, payload: CommunityCampaignIn) -> Status:
    """Publish a community group buy (社区团购) taking orders until its cut-off (截团). 422 ``community.*`` for a
    cut-off in the past, a pickup date before it, prices not below the SKU's, a rate out of 0–100 % or closed
    points."""
    rate = None
    if payload.leader_rate is not None:
        rate = round(float(payload.leader_rate) * 100)
    campaign = services.community_campaign_create(
        actor=actor_of(request),
        data=services.CommunityCampaignInput(
            title=payload.title,
            items=[
                services.ItemInput(item.sku_id, parse_amount(item.price, f"items.{index}.price"))
                for index, item in enumerate(payload.items)
            ],
            starts_at=payload.starts_at,
            cutoff_at=payload.cutoff_at,
            pickup_on=payload.pickup_on,
            point_ids=payload.point_ids,
            city=payload.city,
            leader_rate_bp=rate,
        ),
    )
    return Status(
        201, _merchant_campaign_out(selectors.community_campaigns_of_merchant(actor_of(request)).get(pk=campaign.pk))
    )


@merchant_router.post(
    "/community/campaigns/{campaign_id}/stop", response={200: MerchantCommunityCampaignOut, **errors(401, 403, 404)}
)
@requires(SHOP_COMMUNITY)
def merchant_campaign_stop(request: HttpRequest, campaign_id: Id) -> MerchantCommunityCampaignOut:
    """Stop taking orders now; what was paid is still batched at the cut-off."""
    services.community_campaign_stop(actor=actor_of(request), campaign_id=campaign_id)
    return _merchant_campaign_out(selectors.community_campaigns_of_merchant(actor_of(request)).get(pk=campaign_id))


@merchant_router.get("/community/batches", response={200: list[BatchOut], **errors(401, 403)})
@requires(ORDER_FULFIL)
def merchant_batches(request: HttpRequest, status: BatchStatus | None = None) -> list[BatchOut]:
    """The shop's batches after cut-offs, newest first: ``status=packing`` for those to send."""
    return [BatchOut(**_batch_fields(b)) for b in selectors.batches_of_merchant(actor_of(request), status=status)]


@merchant_router.get("/community/batches/{batch_id}", response={200: BatchDetailOut, **errors(401, 403, 404)})
@requires(ORDER_FULFIL)
def merchant_batch(request: HttpRequest, batch_id: Id) -> BatchDetailOut:
    """A batch's dispatch list (配货单): units per SKU for its point."""
    return _batch_detail(selectors.batch_of_merchant(actor_of(request), batch_id))


@merchant_router.get("/community/batches/{batch_id}/dispatch.csv", response={200: str, **errors(401, 403, 404)})
@requires(ORDER_FULFIL)
def merchant_batch_csv(request: HttpRequest, batch_id: Id) -> HttpResponse:
    """The dispatch list as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese)."""
    batch = selectors.batch_of_merchant(actor_of(request), batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["batch", "point", "address", "sku_id", "title", "sku", "units", "orders"])
    for line in selectors.dispatch_list(batch):
        writer.writerow(
            [
                f"B{batch.pk:08d}",
                batch.point.name,
                batch.point.address_line,
                line.sku_id,
                line.title,
                line.sku_label,
                line.units,
                line.orders,
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dispatch-B{batch.pk:08d}.csv"'
    return response


@merchant_router.post(
    "/community/batches/{batch_id}/send", response={200: BatchDetailOut, **errors(401, 403, 404, 409)}
)
@requires(ORDER_FULFIL)
def merchant_batch_send(request: HttpRequest, batch_id: Id) -> BatchDetailOut:
    """Mark a packing batch sent to its point: its orders ship. 409 ``community.batch_state`` once arrived."""
    return _batch_detail(services.batch_send(actor=actor_of(request), batch_id=batch_id))


# Operators -------------------------------------------------------------------------------------------------


@operator_router.get("/leaders", response={200: list[ReviewLeaderOut], **errors(401, 403)})
@requires(LEADER_REVIEW)
def operator_leaders(request: HttpRequest, status: LeaderStatus = LeaderStatus.APPLIED) -> list[ReviewLeaderOut]:
    """Leader applications (or leaders) in a status, oldest first: the review queue by default."""
    return [
        ReviewLeaderOut(**_leader_out(leader).model_dump(), user_id=leader.user_id, name=leader.user.display_name)
        for leader in selectors.leaders_for_review(actor_of(request), status=status)
    ]


@operator_router.post("/leaders/{leader_id}/approve", response={200: LeaderOut, **errors(401, 403, 404, 409)})
@requires(LEADER_REVIEW)
def operator_leader_approve(request: HttpRequest, leader_id: Id) -> LeaderOut:
    """Approve an application: the point opens. 409 ``community.leader_not_pending`` once decided."""
    return _leader_out(services.leader_approve(actor=actor_of(request), leader_id=leader_id))


@operator_router.post("/leaders/{leader_id}/reject", response={200: LeaderOut, **errors(401, 403, 404, 409)})
@requires(LEADER_REVIEW)
def operator_leader_reject(request: HttpRequest, leader_id: Id, payload: LeaderReasonIn) -> LeaderOut:
    """Turn an application down with a reason the applicant reads."""
    return _leader_out(services.leader_reject(actor=actor_of(request), leader_id=leader_id, reason=payload.reason))


@operator_router.post("/leaders/{leader_id}/suspend", response={200: LeaderOut, **errors(401, 403, 404, 409)})
@requires(LEADER_REVIEW)
def operator_leader_suspend(request: HttpRequest, leader_id: Id, payload: LeaderReasonIn) -> LeaderOut:
    """Suspend an approved leader: their point takes no new orders."""
    return _leader_out(services.leader_suspend(actor=actor_of(request), leader_id=leader_id, reason=payload.reason))


@operator_router.get("/pickup-points", response={200: list[PickupPointOut], **errors(401, 403)})
@requires(LEADER_REVIEW)
def operator_points(request: HttpRequest) -> list[PickupPointOut]:
    """Every pickup point, by city and district."""
    return [point_out(point) for point in selectors.points_for_operator(actor_of(request))]


def _group_buy_settings_out() -> GroupBuySettingsOut:
    rules = selectors.group_buy_settings()
    return GroupBuySettingsOut(
        team_window_hours=rules.team_window_hours,
        leader_rate=basis_points_to_percent(rules.leader_rate_bp),
        uncollected_days=rules.uncollected_days,
        updated_by_id=rules.updated_by_id,
        updated_at=rules.updated_at.isoformat() if rules.updated_at else None,
    )


@operator_router.get("/group-buy-settings", response={200: GroupBuySettingsOut, **errors(401, 403)})
@requires(GROUP_BUY_SETTINGS)
def operator_group_buy_settings(request: HttpRequest) -> GroupBuySettingsOut:
    """The platform's group-buy settings (拼团/社区团购设置): the environment's until an administrator saves them."""
    return _group_buy_settings_out()


@operator_router.put("/group-buy-settings", response={200: GroupBuySettingsOut, **errors(401, 403)})
@requires(GROUP_BUY_SETTINGS)
def operator_group_buy_settings_set(request: HttpRequest, payload: GroupBuySettingsIn) -> GroupBuySettingsOut:
    """Save the group-buy settings, all three at once (audited); they apply to campaigns created, orders paid and
    sweeps run from now on. 422 ``community.window_out_of_range`` (1 to 72 hours), ``community.invalid_rate``
    (0 to 100 %, two decimals at most) or ``community.days_out_of_range`` (1 to 30 days), naming the field."""
    services.group_buy_settings_set(actor=actor_of(request), **payload.model_dump())
    return _group_buy_settings_out()
