"""HTTP API of the member's points and tier, the daily check-in, and the rules operators keep."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import (
    DataOut,
    IsoDateTime,
    MoneyOut,
    PageNumber,
    Router,
    StrictIn,
    errors,
    money_out,
)
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.loyalty import selectors, services
from jishi.loyalty.models import DEFAULTS, EntryKind, PointsEntry, Tier
from jishi.loyalty.permissions import LOYALTY_SETTINGS

router = Router(tags=["member loyalty"])
member_router = Router(tags=["member loyalty"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)


class MemberTierOut(DataOut):
    code: str = Field(description="regular, silver, gold or diamond")
    name: str
    spend: MoneyOut = Field(description="The 12-month spend that reaches it")
    multiplier: int = Field(description="Per cent of a regular member's points earned")


class LoyaltyRulesOut(DataOut):
    earn_per_yuan: int = Field(description="Points a regular member earns per ¥1 paid on a completed order")
    points_per_yuan: int = Field(description="Points worth ¥1 at checkout")
    max_share_percent: int = Field(description="Points pay for at most this share of an order's goods")
    check_in_points: int
    streak_days: int = Field(description="Every so many days checked in running earn the bonus")
    streak_bonus: int
    review_points: int = Field(description="For a first review with photos")
    tiers: list[MemberTierOut]
    updated_at: IsoDateTime | None = None


class PointsStandingOut(DataOut):
    balance: int
    tier: MemberTierOut
    spend: MoneyOut = Field(description="Spent over the last 12 months (completed orders, less refunds)")
    next_tier: MemberTierOut | None
    to_next: MoneyOut | None = Field(description="How much more spend reaches the next tier")
    streak: int = Field(description="Days checked in running")
    checked_in_today: bool
    expiring: int = Field(description="Points that expire within 30 days")
    expiring_by: IsoDateTime | None


class PointsEntryOut(DataOut):
    id: int
    kind: str
    kind_name: str
    points: int
    order_number: str | None
    expires_at: IsoDateTime | None = Field(description="When the points earned by this entry expire")
    created_at: IsoDateTime


class CheckInOut(DataOut):
    points: int
    streak: int
    balance: int


class LoyaltySettingsIn(StrictIn):
    earn_per_yuan: Annotated[int, Field(ge=0, le=100)]
    points_per_yuan: Annotated[int, Field(ge=1, le=10_000)]
    max_share_percent: Annotated[int, Field(ge=1, le=100)]
    check_in_points: Annotated[int, Field(ge=0, le=1_000)]
    streak_days: Annotated[int, Field(ge=2, le=31)]
    streak_bonus: Annotated[int, Field(ge=0, le=10_000)]
    review_points: Annotated[int, Field(ge=0, le=10_000)]
    silver_minor: Annotated[int, Field(ge=1, le=10**11, description="Spend in fen reaching 白银")]
    gold_minor: Annotated[int, Field(ge=1, le=10**11)]
    diamond_minor: Annotated[int, Field(ge=1, le=10**11)]
    silver_multiplier: Annotated[int, Field(ge=100, le=1_000)]
    gold_multiplier: Annotated[int, Field(ge=100, le=1_000)]
    diamond_multiplier: Annotated[int, Field(ge=100, le=1_000)]


def _tier_out(rules: selectors.Rules, tier: Tier) -> MemberTierOut:
    return MemberTierOut(
        code=tier.value, name=str(tier.label), spend=money_out(rules.threshold(tier)), multiplier=rules.multiplier(tier)
    )


def _rules_out() -> LoyaltyRulesOut:
    rules = selectors.rules()
    return LoyaltyRulesOut(
        **{name: getattr(rules, name) for name in DEFAULTS if not name.endswith(("_minor", "_multiplier"))},
        tiers=[_tier_out(rules, tier) for tier in selectors.TIERS],
        updated_at=rules.updated_at,
    )


@router.get("/loyalty/rules", response={200: LoyaltyRulesOut})
@requires(PUBLIC)
def loyalty_rules(request: HttpRequest) -> LoyaltyRulesOut:
    """How points are earned and spent, and what each tier needs and gives."""
    return _rules_out()


@member_router.get("/me/points", response={200: PointsStandingOut, **errors(401)})
@requires(AUTHENTICATED)
def my_points(request: HttpRequest) -> PointsStandingOut:
    """The member's points, tier and the way to the next one, check-in streak and points about to expire."""
    standing = selectors.standing(actor_of(request))
    rules = selectors.rules()
    return PointsStandingOut(
        balance=standing.balance,
        tier=_tier_out(rules, standing.tier),
        spend=money_out(standing.spend),
        next_tier=_tier_out(rules, standing.next_tier) if standing.next_tier else None,
        to_next=money_out(standing.to_next) if standing.to_next is not None else None,
        streak=standing.streak,
        checked_in_today=standing.checked_in_today,
        expiring=standing.expiring,
        expiring_by=standing.expiring_by,
    )


def entry_out(entry: PointsEntry) -> PointsEntryOut:
    kind = EntryKind(entry.kind)
    return PointsEntryOut(
        id=entry.pk,
        kind=kind.value,
        kind_name=str(kind.label),
        points=entry.points,
        order_number=entry.order.number if entry.order is not None else None,
        expires_at=entry.expires_at if entry.points > 0 else None,
        created_at=entry.created_at,
    )


@member_router.get("/me/points/entries", response={200: list[PointsEntryOut], **errors(401)})
@requires(AUTHENTICATED)
def my_points_entries(request: HttpRequest, page: PageNumber = 1) -> list[PointsEntryOut]:
    """Every change of the member's points, newest first (50 a page)."""
    return [
        entry_out(entry) for entry in paginate(selectors.entries_of(actor_of(request)), page=page, page_size=50).items
    ]


@member_router.post("/me/points/check-in", response={201: CheckInOut, **errors(401, 409)})
@requires(AUTHENTICATED)
def my_check_in(request: HttpRequest) -> Status:
    """签到: today's points (with the streak bonus on its day). 409 ``loyalty.already_checked_in`` after the first
    of the day (Beijing time)."""
    actor = actor_of(request)
    entry = services.check_in(actor=actor)
    standing = selectors.standing(actor)
    return Status(201, CheckInOut(points=entry.points, streak=standing.streak, balance=standing.balance))


@operator_router.get("/loyalty-settings", response={200: LoyaltyRulesOut, **errors(401, 403)})
@requires(LOYALTY_SETTINGS)
def operator_loyalty_settings(request: HttpRequest) -> LoyaltyRulesOut:
    """The points and tier rules: the defaults until an administrator saves them."""
    return _rules_out()


@operator_router.put("/loyalty-settings", response={200: LoyaltyRulesOut, **errors(401, 403)})
@requires(LOYALTY_SETTINGS)
def operator_loyalty_settings_set(request: HttpRequest, payload: LoyaltySettingsIn) -> LoyaltyRulesOut:
    """Save every rule at once (audited). 422 ``loyalty.tiers_not_rising`` when a tier's spend is not above the
    one under it, naming the field."""
    services.loyalty_settings_set(actor=actor_of(request), values=payload.model_dump())
    return _rules_out()
