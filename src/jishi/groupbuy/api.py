"""拼团 API: a product's group buy and its groups nearest to filling, a group's page, the buyer's groups and
leaving one, and a shop's campaigns.

Opening or joining a group goes through checkout: a buy-now with ``team_campaign_id`` (and ``team_id`` to join),
``POST /checkout/quote`` and ``/checkout/place``; the payment seats the buyer.
"""

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import (
    Amount,
    BodyId,
    DataOut,
    Id,
    IsoDateTime,
    MoneyOut,
    PublicNumber,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.money import Money
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.groupbuy import selectors, services
from jishi.groupbuy.models import Team, TeamCampaign, TeamMember
from jishi.groupbuy.permissions import SHOP_GROUPBUY

router = Router(tags=["group buying"])
buyer_router = Router(tags=["group buying"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)


class GroupTierOut(DataOut):
    size: int = Field(description="Groups of at least this many members")
    price: MoneyOut


class GroupSkuTiersOut(DataOut):
    sku_id: int
    list_price: MoneyOut
    tiers: list[GroupTierOut] = Field(description="Smallest group first: members pay the first tier's price")


class GroupCampaignOut(DataOut):
    id: int
    product_id: int
    min_size: int = Field(description="The group forms at this size")
    max_size: int = Field(description="The group closes at once at this size (阶梯拼团 when above min_size)")
    window_minutes: int
    starts_at: str
    ends_at: str
    per_user_limit: int
    status: str
    skus: list[GroupSkuTiersOut]


class GroupMemberOut(DataOut):
    name: str = Field(description="Masked: the display name's first character")
    leader: bool
    joined_at: str


class GroupOut(DataOut):
    id: int
    campaign_id: int
    product_id: int
    status: str = Field(description="open, formed or dissolved")
    members: int = Field(description="Paid members now: each is a real paid order")
    left: int = Field(description="Places left before the group closes")
    to_form: int = Field(description="Members still needed to form")
    expires_at: str
    members_shown: list[GroupMemberOut]


class ProductGroupBuyOut(DataOut):
    campaign: GroupCampaignOut | None
    filling: list[GroupOut] = Field(description="Open groups nearest to filling")


class GroupSeatOut(DataOut):
    order_number: str
    team_id: int | None
    product_id: int
    title: str
    status: str = Field(description="joined, formed, left or refunded")
    team_status: str | None
    left: int | None


class GroupTierIn(StrictIn):
    size: Annotated[int, Field(strict=True, ge=1, le=100)]
    price: Amount


class GroupSkuTiersIn(StrictIn):
    sku_id: BodyId
    tiers: Annotated[list[GroupTierIn], Field(min_length=1, max_length=10)]


class GroupCampaignIn(StrictIn):
    product_id: BodyId
    skus: Annotated[list[GroupSkuTiersIn], Field(min_length=1, max_length=50)]
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    window_hours: Annotated[int | None, Field(strict=True, description="The platform's default if left out")] = None
    per_user_limit: Annotated[int, Field(strict=True)] = 1


class MerchantGroupCampaignOut(GroupCampaignOut):
    teams_open: int
    teams_formed: int
    teams_dissolved: int


def _campaign_fields(campaign: TeamCampaign) -> dict[str, Any]:
    by_sku: dict[int, list[Any]] = {}
    for tier in campaign.tiers.all():  # prefetched
        by_sku.setdefault(tier.sku_id, []).append(tier)
    return {
        "id": campaign.pk,
        "product_id": campaign.product_id,
        "min_size": campaign.min_size,
        "max_size": campaign.max_size,
        "window_minutes": campaign.window_minutes,
        "starts_at": campaign.starts_at.isoformat(),
        "ends_at": campaign.ends_at.isoformat(),
        "per_user_limit": campaign.per_user_limit,
        "status": campaign.status,
        "skus": [
            GroupSkuTiersOut(
                sku_id=sku_id,
                list_price=money_out(Money(tiers[0].sku.price_minor, tiers[0].currency)),
                tiers=[GroupTierOut(size=tier.size, price=money_out(tier.price)) for tier in tiers],
            )
            for sku_id, tiers in sorted(by_sku.items())
        ],
    }


def team_out(team: Team, campaign: TeamCampaign) -> GroupOut:
    seated: list[TeamMember] = team.seated  # type: ignore[attr-defined]  # prefetched
    return GroupOut(
        id=team.pk,
        campaign_id=team.campaign_id,
        product_id=campaign.product_id,
        status=team.status,
        members=team.members,
        left=team.left,
        to_form=max(campaign.min_size - team.members, 0),
        expires_at=team.expires_at.isoformat(),
        members_shown=[
            GroupMemberOut(
                name=selectors.user_shown(member.buyer),
                leader=member.buyer_id == team.leader_id,
                joined_at=member.joined_at.isoformat() if member.joined_at else "",
            )
            for member in seated
        ],
    )


@router.get("/group-buys/products/{product_id}", response={200: ProductGroupBuyOut, **errors()})
@requires(PUBLIC)
def product_group_buy(request: HttpRequest, response: HttpResponse, product_id: Id) -> ProductGroupBuyOut:
    """The product's running 拼团 campaign (null when none), and its open groups nearest to filling."""
    response["Cache-Control"] = "no-store"  # places and countdowns change by the second
    now = timezone.now()
    campaign = selectors.campaign_for_product(product_id, now=now)
    if campaign is None:
        return ProductGroupBuyOut(campaign=None, filling=[])
    return ProductGroupBuyOut(
        campaign=GroupCampaignOut(**_campaign_fields(campaign)),
        filling=[team_out(team, campaign) for team in selectors.teams_filling(product_id, now=now)],
    )


@router.get("/group-buys/groups/{team_id}", response={200: GroupOut, **errors(404)})
@requires(PUBLIC)
def group_detail(request: HttpRequest, response: HttpResponse, team_id: Id) -> GroupOut:
    """One group, as its share page shows it: its real members (masked), places left and its deadline."""
    response["Cache-Control"] = "no-store"
    team = selectors.team_get(team_id)
    return team_out(team, team.campaign)


@buyer_router.get("/group-buys/mine", response={200: list[GroupSeatOut], **errors(401)})
@requires(AUTHENTICATED)
def my_groups(request: HttpRequest) -> list[GroupSeatOut]:
    """The signed-in buyer's paid 拼团 orders (我的拼团), newest first."""
    return [
        GroupSeatOut(
            order_number=seat.order.number,
            team_id=seat.team_id,
            product_id=seat.campaign.product_id,
            title=seat.campaign.product.title,
            status=seat.status,
            team_status=seat.team.status if seat.team else None,
            left=seat.team.left if seat.team else None,
        )
        for seat in selectors.seats_of_buyer(actor_of(request))
    ]


@buyer_router.post("/orders/{number}/leave-group", response={200: GroupSeatOut, **errors(401, 404, 409)})
@requires(AUTHENTICATED)
def leave_group(request: HttpRequest, number: PublicNumber) -> GroupSeatOut:
    """Leave the group before it fills, refunded in full through the gateway that took the money. 409
    ``groupbuy.not_grouping`` for an order not waiting for its group (or a group that formed meanwhile)."""
    seat = services.team_leave(actor=actor_of(request), order_number=number)
    team = seat.team
    return GroupSeatOut(
        order_number=number,
        team_id=seat.team_id,
        product_id=seat.campaign.product_id,
        title=seat.campaign.product.title,
        status=seat.status,
        team_status=team.status if team else None,
        left=team.left if team else None,
    )


def _merchant_out(campaign: TeamCampaign) -> MerchantGroupCampaignOut:
    return MerchantGroupCampaignOut(
        **_campaign_fields(campaign),
        teams_open=getattr(campaign, "teams_open", 0),
        teams_formed=getattr(campaign, "teams_formed", 0),
        teams_dissolved=getattr(campaign, "teams_dissolved", 0),
    )


@merchant_router.get("/group-buys", response={200: list[MerchantGroupCampaignOut], **errors(401, 403)})
@requires(SHOP_GROUPBUY)
def merchant_campaigns(request: HttpRequest) -> list[MerchantGroupCampaignOut]:
    """The shop's 拼团 campaigns, newest first, with how many of their groups are open, formed and dissolved."""
    return [_merchant_out(campaign) for campaign in selectors.campaigns_of_merchant(actor_of(request))]


@merchant_router.post("/group-buys", response={201: MerchantGroupCampaignOut, **errors(401, 403, 404)})
@requires(SHOP_GROUPBUY)
def merchant_campaign_create(request: HttpRequest, payload: GroupCampaignIn) -> Status:
    """Start a 拼团 campaign on one of the shop's products: SKUs at group prices by group size (2 to 50; several
    sizes make a 阶梯拼团, each larger size cheaper). 422 ``groupbuy.*`` for sizes, prices, windows or limits out
    of range, or a campaign overlapping another on the product."""
    campaign = services.campaign_create(
        actor=actor_of(request),
        data=services.TeamCampaignInput(
            product_id=payload.product_id,
            skus=[
                services.SkuPricesInput(
                    sku_id=item.sku_id,
                    tiers=[
                        services.TierInput(tier.size, parse_amount(tier.price, f"skus.{index}.tiers.{rank}.price"))
                        for rank, tier in enumerate(item.tiers)
                    ],
                )
                for index, item in enumerate(payload.skus)
            ],
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            window_hours=payload.window_hours,
            per_user_limit=payload.per_user_limit,
        ),
    )
    return Status(201, _merchant_out(selectors.campaign_of_merchant(actor_of(request), campaign.pk)))


@merchant_router.post(
    "/group-buys/{campaign_id}/stop", response={200: MerchantGroupCampaignOut, **errors(401, 403, 404)}
)
@requires(SHOP_GROUPBUY)
def merchant_campaign_stop(request: HttpRequest, campaign_id: Id) -> MerchantGroupCampaignOut:
    """End a campaign now: no group opens any more; open groups keep their window."""
    services.campaign_stop(actor=actor_of(request), campaign_id=campaign_id)
    return _merchant_out(selectors.campaign_of_merchant(actor_of(request), campaign_id))
