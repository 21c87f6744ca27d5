"""Reading members' points, tiers and the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.core.actors import Actor, user_of
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import AUTHENTICATED, check
from jishi.loyalty.models import (
    DEFAULTS,
    TIER_RANK,
    EntryKind,
    LoyaltySettings,
    Member,
    MemberPrice,
    PointsEntry,
    Referral,
    Tier,
)
from jishi.promotions.pricing import PriceOffer, Source

TIERS = (Tier.REGULAR, Tier.SILVER, Tier.GOLD, Tier.DIAMOND)  # lowest first
YEAR = dt.timedelta(days=365)


@dataclass(frozen=True)
class Rules:
    """The points and tier rules as they apply now."""

    earn_per_yuan: int
    points_per_yuan: int
    max_share_percent: int
    check_in_points: int
    streak_days: int
    streak_bonus: int
    review_points: int
    silver_minor: int
    gold_minor: int
    diamond_minor: int
    silver_multiplier: int
    gold_multiplier: int
    diamond_multiplier: int
    silver_free_shipping_minor: int | None
    gold_free_shipping_minor: int | None
    diamond_free_shipping_minor: int | None
    inviter_points: int
    invitee_points: int
    invite_template_id: int | None
    birthday_template_id: int | None
    birthday_tier_rank: int
    updated_by_name: str = ""
    updated_at: dt.datetime | None = None  # None: never saved

    def threshold(self, tier: Tier) -> Money:
        """The 12-month spend that reaches ``tier``."""
        minor = {Tier.SILVER: self.silver_minor, Tier.GOLD: self.gold_minor, Tier.DIAMOND: self.diamond_minor}
        return Money(minor.get(tier, 0), CURRENCY)

    def multiplier(self, tier: Tier) -> int:
        """Per cent of a regular member's points that ``tier`` earns."""
        percent = {
            Tier.SILVER: self.silver_multiplier,
            Tier.GOLD: self.gold_multiplier,
            Tier.DIAMOND: self.diamond_multiplier,
        }
        return percent.get(tier, 100)

    def free_shipping(self, tier: Tier) -> Money | None:
        """The goods from which ``tier``'s orders ship free (None: they do not)."""
        minor = {
            Tier.SILVER: self.silver_free_shipping_minor,
            Tier.GOLD: self.gold_free_shipping_minor,
            Tier.DIAMOND: self.diamond_free_shipping_minor,
        }.get(tier)
        return Money(minor, CURRENCY) if minor is not None else None

    def birthday_coupon(self, tier: Tier) -> int | None:
        """The coupon template ``tier``'s members get on their birthday, if any."""
        return self.birthday_template_id if TIER_RANK[tier] >= self.birthday_tier_rank else None

    def tier_for(self, spend_minor: int) -> Tier:
        return next(t for t in reversed(TIERS) if spend_minor >= self.threshold(t).minor)

    def value(self, points: int) -> Money:
        """What ``points`` take off at checkout (rounded down to the fen)."""
        return Money(points * 100 // self.points_per_yuan, CURRENCY)


def rules() -> Rules:
    """The rules operators saved, or the defaults until they first do. One primary-key query, not cached (like the
    group-buy settings: a per-process cache could not be invalidated in the worker). Needs no permission."""
    row = LoyaltySettings.objects.select_related("updated_by").filter(pk=LoyaltySettings.SINGLETON_PK).first()
    if row is None:
        row = LoyaltySettings()
    return Rules(
        **{name: getattr(row, name) for name in DEFAULTS},
        updated_by_name=str(row.updated_by) if row.updated_by_id else "",
        updated_at=row.updated_at,  # None until first saved
    )


@dataclass(frozen=True)
class Standing:
    """A member's points and tier, as the member centre shows them."""

    balance: int
    tier: Tier
    spend: Money  # over the last 12 months
    next_tier: Tier | None
    to_next: Money | None  # how much more reaches it
    multiplier: int
    streak: int
    checked_in_today: bool
    expiring: int  # points that expire within 30 days
    expiring_by: dt.datetime | None


def balance_of(user_id: int) -> int:
    return Member.objects.filter(pk=user_id).values_list("balance", flat=True).first() or 0


def member_of(user_id: int) -> tuple[int, Tier]:
    """The member's points balance and tier (one query; a user who never earned is a regular with none)."""
    row = Member.objects.filter(pk=user_id).values_list("balance", "tier").first()
    return (row[0], Tier(row[1])) if row else (0, Tier.REGULAR)


def member_price_offers(tier: Tier, sku_ids: list[int]) -> list[PriceOffer]:
    """The member prices (会员价) of ``sku_ids`` that ``tier`` gets, as the pricing pipeline's unit prices (one
    query; none for a regular member, without a query)."""
    if tier == Tier.REGULAR or not sku_ids:
        return []
    below = [t for t, rank in TIER_RANK.items() if rank <= TIER_RANK[tier]]
    rows = MemberPrice.objects.filter(sku_id__in=sku_ids, min_tier__in=below).values_list("pk", "sku_id", "price_minor")
    label = str(_("Member price"))
    return [PriceOffer(Source("member_price", pk), label, sku_id, Money(price, CURRENCY)) for pk, sku_id, price in rows]


def member_prices_of(sku_ids: list[int]) -> dict[int, MemberPrice]:
    """The member prices set on ``sku_ids``, by SKU (product pages show them to everyone: 会员价 ¥89)."""
    return {price.sku_id: price for price in MemberPrice.objects.filter(sku_id__in=sku_ids)}


def invitees_of(actor: Actor) -> QuerySet[Referral]:
    """The members the signed-in member invited, newest first."""
    check(actor, AUTHENTICATED)
    return Referral.objects.filter(inviter_id=user_of(actor).pk).select_related("invitee").order_by("-created_at")


def standing(actor: Actor, *, now: dt.datetime | None = None) -> Standing:
    """The signed-in member's balance, tier and the way to the next one, check-in streak and points expiring soon."""
    check(actor, AUTHENTICATED)
    now = now or timezone.now()
    member = Member.objects.filter(pk=user_of(actor).pk).first() or Member(user_id=user_of(actor).pk)
    current = rules()
    above = [t for t in TIERS if current.threshold(t).minor > member.spend_minor]
    soon = now + dt.timedelta(days=30)
    lots = PointsEntry.objects.filter(member_id=member.pk, remaining__gt=0, expires_at__lte=soon)
    expiring = lots.aggregate(points=Sum("remaining"))["points"] or 0
    today = timezone.localdate(now)
    return Standing(
        balance=member.balance,
        tier=Tier(member.tier),
        spend=Money(member.spend_minor, CURRENCY),
        next_tier=above[0] if above else None,
        to_next=current.threshold(above[0]) - Money(member.spend_minor, CURRENCY) if above else None,
        multiplier=current.multiplier(Tier(member.tier)),
        streak=member.streak if member.checked_in_on in (today, today - dt.timedelta(days=1)) else 0,
        checked_in_today=member.checked_in_on == today,
        expiring=expiring,
        expiring_by=lots.order_by("expires_at").values_list("expires_at", flat=True).first() if expiring else None,
    )


def entries_of(actor: Actor) -> QuerySet[PointsEntry]:
    """The signed-in member's points history, newest first."""
    check(actor, AUTHENTICATED)
    return PointsEntry.objects.filter(member_id=user_of(actor).pk).select_related("order").order_by("-id")


def order_points(order_id: int) -> dict[str, int]:
    """Points an order moved, by kind (spent as a negative number)."""
    rows = PointsEntry.objects.filter(order_id=order_id).values_list("kind").annotate(points=Sum("points"))
    return {EntryKind(kind).value: points for kind, points in rows}


def tier_counts() -> dict[str, int]:
    """How many members each tier has (regulars without a row are not counted)."""
    return dict(Member.objects.values_list("tier").annotate(n=Count("pk")))


DEVICE_COOKIE = "jishi_device"  # a random id pages give each browser, so an invitation from it is recognised


def invite_path(code: str) -> str:
    """The path of a member's invite link (the invite landing page)."""
    return f"/invite/{code}/"


def masked_name(user: Any) -> str:
    """A member as another member sees them: the first character of the name, or the masked phone (张**)."""
    return f"{user.display_name[:1]}**" if user.display_name else user.masked_identifier


def inviter_by_code(code: str) -> Any | None:
    """The member whose invite code is ``code`` (spaces and case ignored), for the invite landing page; None when
    no member has it. Needs no permission: the page shows only the masked name."""
    normalised = "".join(code.split()).upper()
    if not normalised:
        return None
    member = Member.objects.select_related("user").filter(invite_code=normalised).first()
    return member.user if member is not None else None


def referral_of(actor: Actor) -> Referral | None:
    """Who invited the signed-in member, if anyone named them."""
    check(actor, AUTHENTICATED)
    return Referral.objects.select_related("inviter").filter(invitee_id=user_of(actor).pk).first()


def birthday_of(actor: Actor) -> dt.date | None:
    """The signed-in member's birthday, if they gave it."""
    check(actor, AUTHENTICATED)
    return Member.objects.filter(pk=user_of(actor).pk).values_list("birthday", flat=True).first()
