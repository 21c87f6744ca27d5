"""Reads of the group-buying domain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from jishi.accounts.models import User
from jishi.catalog.errors import ProductNotFound
from jishi.catalog.models import Sku
from jishi.catalog.states import ProductStatus
from jishi.community import selectors as community_selectors
from jishi.core.actors import Actor, user_of
from jishi.core.money import Money
from jishi.core.permissions import AUTHENTICATED, check
from jishi.groupbuy.errors import (
    AlreadyInTeam,
    CampaignNotFound,
    CampaignNotRunning,
    TeamClosed,
    TeamFull,
    TeamLimitReached,
    TeamNotFound,
)
from jishi.groupbuy.models import (
    CampaignStatus,
    MemberStatus,
    Team,
    TeamBuyer,
    TeamCampaign,
    TeamMember,
    TeamStatus,
    TeamTier,
)
from jishi.groupbuy.permissions import SHOP_GROUPBUY
from jishi.merchants.selectors import merchant_for
from jishi.promotions.pricing import PriceOffer, Source

SOURCE_KIND = "team"
# The members a group shows: paid and sitting in it (waiting, or in a formed group).
SEATED = (MemberStatus.JOINED, MemberStatus.FORMED)


def running(campaign: TeamCampaign, now: dt.datetime) -> bool:
    return campaign.status == CampaignStatus.ACTIVE and campaign.starts_at <= now < campaign.ends_at


@dataclass(frozen=True)
class Buying:
    """What a 拼团 buy was checked against: its campaign, the SKU's first tier, and the group to join (or None)."""

    campaign: TeamCampaign
    tier: TeamTier
    team: Team | None


def team_buy_check(
    *, campaign_id: int, sku_id: int, user_id: int, quantity: int, team_id: int | None, now: dt.datetime
) -> Buying:
    """Whether this buyer may open a group (``team_id`` None) or join one now: what the quote checks before the
    write does. Opening needs the campaign running; joining needs the group open, in time, with a place left,
    and the buyer not in it yet (a group keeps its window after the campaign ends).

    Raises CampaignNotFound (no such campaign for this SKU), CampaignNotRunning, TeamNotFound, TeamClosed,
    TeamFull, AlreadyInTeam, TeamLimitReached.
    """
    tier = (
        TeamTier.objects.select_related("campaign")
        .filter(campaign_id=campaign_id, sku_id=sku_id)
        .order_by("size")
        .first()
    )
    if tier is None:
        raise CampaignNotFound(field="team_campaign_id")
    campaign = tier.campaign
    team = None
    if team_id is None:
        if not running(campaign, now):
            raise CampaignNotRunning(field="team_campaign_id")
    else:
        team = Team.objects.filter(pk=team_id, campaign=campaign).first()
        if team is None:
            raise TeamNotFound(field="team_id")
        if team.status != TeamStatus.OPEN or team.expires_at <= now:
            raise TeamClosed(field="team_id")
        if team.members >= team.capacity:
            raise TeamFull(field="team_id")
        if TeamMember.objects.filter(team=team, buyer_id=user_id, status=MemberStatus.JOINED).exists():
            raise AlreadyInTeam(field="team_id")
    held = TeamBuyer.objects.filter(campaign=campaign, buyer_id=user_id).values_list("units", flat=True).first() or 0
    if held + quantity > campaign.per_user_limit:
        raise TeamLimitReached(field="quantity")
    return Buying(campaign, tier, team)


def default_window_hours() -> int:
    """The hours a new campaign's groups have to fill when the shop gives none: the operators' group-buy settings
    (the environment's JISHI_TEAM_WINDOW_HOURS until they are first saved). One query."""
    return community_selectors.group_buy_settings().team_window_hours


def skus_of_product(merchant_id: int, product_id: int) -> dict[int, Sku]:
    """The SKUs on sale of one of the merchant's published products, by id; ProductNotFound (404) for another
    shop's product, or one not on sale."""
    rows = Sku.objects.filter(
        product_id=product_id, product__merchant_id=merchant_id, product__status=ProductStatus.PUBLISHED, is_active=True
    )
    skus = {sku.pk: sku for sku in rows}
    if not skus:
        raise ProductNotFound(field="product_id")
    return skus


def team_price_offer(tier: TeamTier) -> PriceOffer:
    return PriceOffer(Source(SOURCE_KIND, tier.campaign_id), gettext("Group price"), tier.sku_id, tier.price)


LIVE_KEY = "groupbuy:live"
LIVE_SECONDS = 30


def live_group_products(*, now: dt.datetime) -> dict[int, Money]:
    """The products with a running 拼团, each with its lowest group price: read once for every page and card and
    kept ``LIVE_SECONDS`` in the shared cache (dropped when a campaign starts or stops); a product page in it
    then reads its campaign live."""
    cached = cache.get(LIVE_KEY)
    if cached is not None:
        return cached
    tiers = TeamTier.objects.filter(
        campaign__status=CampaignStatus.ACTIVE, campaign__starts_at__lte=now, campaign__ends_at__gt=now
    )
    live: dict[int, Money] = {}
    for product_id, price_minor, currency in tiers.values_list("campaign__product_id", "price_minor", "currency"):
        price = Money(price_minor, currency)
        if product_id not in live or price < live[product_id]:
            live[product_id] = price
    cache.set(LIVE_KEY, live, LIVE_SECONDS)
    return live


def campaign_for_product(product_id: int, *, now: dt.datetime) -> TeamCampaign | None:
    """The product's running 拼团 campaign with its tiers (one at a time per product), or None."""
    campaigns = TeamCampaign.objects.filter(
        product_id=product_id, status=CampaignStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    )
    return campaigns.prefetch_related("tiers__sku").order_by("pk").first()


def campaign_overlapping(product_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return TeamCampaign.objects.filter(
        product_id=product_id, status=CampaignStatus.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()


def _seated() -> Prefetch[Any]:
    """A group's members as shown: the paid orders sitting in it, first joined first."""
    return Prefetch(
        "seats",
        queryset=TeamMember.objects.filter(status__in=SEATED).select_related("buyer").order_by("joined_at"),
        to_attr="seated",
    )


def teams_filling(product_id: int, *, now: dt.datetime, limit: int = 5) -> list[Team]:
    """The product's open groups nearest to filling (fewest places left, then soonest to close), with members."""
    teams = Team.objects.filter(
        campaign__product_id=product_id, status=TeamStatus.OPEN, expires_at__gt=now, campaign__status="active"
    )
    teams = teams.select_related("leader").prefetch_related(_seated())
    return list(teams.order_by("-members", "expires_at", "pk")[:limit])


def team_get(team_id: int) -> Team:
    """A group with its campaign, product, tiers and the members shown; TeamNotFound."""
    teams = Team.objects.select_related("campaign__product", "campaign__merchant", "leader")
    teams = teams.prefetch_related("campaign__tiers__sku", "campaign__product__images", _seated())
    team = teams.filter(pk=team_id).first()
    if team is None:
        raise TeamNotFound(field="team_id")
    return team


def member_of_order(order_id: int) -> TeamMember | None:
    """The 拼团 place an order bought, with its group, or None for any other order."""
    return TeamMember.objects.select_related("team").filter(order_id=order_id).first()


def members_due_to_seat(order_ids: list[int]) -> list[TeamMember]:
    """The placed, unpaid 拼团 places of these orders (the payment seats them), with their campaigns."""
    members = TeamMember.objects.filter(order_id__in=order_ids, status=MemberStatus.PLACED)
    return list(members.select_related("campaign").order_by("pk"))


def members_of_checkout(checkout_number: str) -> list[TeamMember]:
    return list(TeamMember.objects.filter(order__checkout_number=checkout_number, status=MemberStatus.PLACED))


def members_in(team_id: int) -> list[TeamMember]:
    """The group's paid members now, first joined first."""
    return list(TeamMember.objects.filter(team_id=team_id, status=MemberStatus.JOINED).order_by("joined_at", "pk"))


def teams_unsettled(limit: int = 500) -> list[int]:
    """Closed groups with members still seated: a settlement cut short, for the sweep to finish."""
    closed = Team.objects.exclude(status=TeamStatus.OPEN).filter(seats__status=MemberStatus.JOINED)
    return list(closed.order_by("pk").values_list("pk", flat=True).distinct()[:limit])


def tiers_of(campaign_id: int, sku_id: int) -> list[TeamTier]:
    return list(TeamTier.objects.filter(campaign_id=campaign_id, sku_id=sku_id).order_by("size"))


def teams_due(*, now: dt.datetime, limit: int = 500) -> list[int]:
    """Open groups whose window has closed, soonest first: the dissolve sweep's work."""
    due = Team.objects.filter(status=TeamStatus.OPEN, expires_at__lte=now).order_by("expires_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


def _merchant_campaigns(actor: Actor) -> QuerySet[TeamCampaign]:
    check(actor, SHOP_GROUPBUY)
    campaigns = TeamCampaign.objects.filter(merchant=merchant_for(actor)).select_related("product")
    campaigns = campaigns.annotate(
        teams_open=Count("teams", filter=Q(teams__status=TeamStatus.OPEN)),
        teams_formed=Count("teams", filter=Q(teams__status=TeamStatus.FORMED)),
        teams_dissolved=Count("teams", filter=Q(teams__status=TeamStatus.DISSOLVED)),
    )
    return campaigns.prefetch_related("tiers__sku")


def campaigns_of_merchant(actor: Actor) -> QuerySet[TeamCampaign]:
    """The actor's shop's campaigns, newest first, with their tiers, product and group counts."""
    return _merchant_campaigns(actor).order_by("-pk")[:200]


def campaign_of_merchant(actor: Actor, campaign_id: int) -> TeamCampaign:
    """One of the actor's shop's campaigns, as the list shows it; CampaignNotFound for another shop's."""
    campaign = _merchant_campaigns(actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise CampaignNotFound(field="campaign_id")
    return campaign


def fill_rate(*, since: dt.datetime) -> tuple[int, int]:
    """Groups closed since ``since``: how many formed, out of how many closed (formed or dissolved)."""
    closed = Team.objects.filter(closed_at__gte=since).exclude(status=TeamStatus.OPEN)
    counts = closed.aggregate(formed=Count("pk", filter=Q(status=TeamStatus.FORMED)), all=Count("pk"))
    return counts["formed"], counts["all"]


def user_shown(user: User) -> str:
    """A member's name as other shoppers see it: the display name's first character and a star."""
    name = user.display_name or gettext("Member")
    return f"{name[0]}*"


def seats_of_buyer(actor: Actor) -> QuerySet[TeamMember]:
    """The actor's 拼团 orders that were paid (我的拼团), newest first, with their groups and products."""
    check(actor, AUTHENTICATED)
    seats = TeamMember.objects.filter(buyer=user_of(actor)).exclude(
        status__in=[MemberStatus.PLACED, MemberStatus.CANCELLED]
    )
    seats = seats.select_related("team", "order", "campaign__product", "sku")
    return seats.order_by("-pk")[:200]
