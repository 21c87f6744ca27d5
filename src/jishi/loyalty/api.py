"""HTTP API of the member's points and tier, the daily check-in, and the rules operators keep."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import (
    Amount,
    BirthDate,
    DataOut,
    Id,
    IsoDateTime,
    MoneyOut,
    PageNumber,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.money import CURRENCY, Money
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.loyalty import selectors, services
from jishi.loyalty.models import DEFAULTS, EntryKind, PointsEntry, Tier
from jishi.loyalty.permissions import LOYALTY_SETTINGS
from jishi.loyalty.selectors import DEVICE_COOKIE, invite_path, masked_name
from jishi.promotions.permissions import SHOP_PROMOTIONS

router = Router(tags=["member loyalty"])
member_router = Router(tags=["member loyalty"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)


class MemberTierOut(DataOut):
    code: str = Field(description="regular, silver, gold or diamond")
    name: str
    spend: MoneyOut = Field(description="The 12-month spend that reaches it")
    multiplier: int = Field(description="Per cent of a regular member's points earned")
    free_shipping_from: MoneyOut | None = Field(description="Its orders ship free from this much of goods")
    birthday_coupon: bool = Field(description="Its members get a coupon on their birthday")


class LoyaltyRulesOut(DataOut):
    earn_per_yuan: int = Field(description="Points a regular member earns per ¥1 paid on a completed order")
    points_per_yuan: int = Field(description="Points worth ¥1 at checkout")
    max_share_percent: int = Field(description="Points pay for at most this share of an order's goods")
    check_in_points: int
    streak_days: int = Field(description="Every so many days checked in running earn the bonus")
    streak_bonus: int
    review_points: int = Field(description="For a first review with photos")
    inviter_points: int = Field(description="For the inviter when an invitee's first order completes")
    invitee_points: int = Field(description="For the invitee then")
    invite_template_id: int | None = Field(description="The platform coupon template both get for an invitation")
    birthday_template_id: int | None = Field(description="The platform coupon template given on birthdays")
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
    silver_free_shipping_minor: Annotated[int | None, Field(ge=0, le=10**9, description="None: no free shipping")]
    gold_free_shipping_minor: Annotated[int | None, Field(ge=0, le=10**9)]
    diamond_free_shipping_minor: Annotated[int | None, Field(ge=0, le=10**9)]
    inviter_points: Annotated[int, Field(ge=0, le=100_000)]
    invitee_points: Annotated[int, Field(ge=0, le=100_000)]
    invite_template_id: Annotated[int | None, Field(ge=1, le=2**53, description="A platform coupon template")]
    birthday_template_id: Annotated[int | None, Field(ge=1, le=2**53, description="A platform coupon template")]
    birthday_tier_rank: Annotated[int, Field(ge=0, le=3, description="From this tier up: 0 regular … 3 diamond")]


def _tier_out(rules: selectors.Rules, tier: Tier) -> MemberTierOut:
    free = rules.free_shipping(tier)
    return MemberTierOut(
        code=tier.value,
        name=str(tier.label),
        spend=money_out(rules.threshold(tier)),
        multiplier=rules.multiplier(tier),
        free_shipping_from=money_out(free) if free is not None else None,
        birthday_coupon=rules.birthday_coupon(tier) is not None,
    )


PER_TIER = ("_minor", "_multiplier", "_rank")


def _rules_out() -> LoyaltyRulesOut:
    rules = selectors.rules()
    return LoyaltyRulesOut(
        **{name: getattr(rules, name) for name in DEFAULTS if not name.endswith(PER_TIER)},
        tiers=[_tier_out(rules, tier) for tier in selectors.TIERS],
        updated_at=rules.updated_at,
    )


@router.get("/loyalty/rules", response={200: LoyaltyRulesOut, **errors()})
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


def device_of(request: HttpRequest) -> str:
    """The browser's device cookie (pages set it), or the app's device header."""
    return request.COOKIES.get(DEVICE_COOKIE, "") or request.headers.get("X-Jishi-Device", "")[:64]


class InviteeOut(DataOut):
    name: str = Field(description="Masked")
    status: str = Field(description="pending (no completed order yet), rewarded or void")
    joined_at: IsoDateTime


class InviteOut(DataOut):
    code: str
    path: str = Field(description="The invite link's path on this site")
    inviter_points: int
    invitee_points: int
    invitees: list[InviteeOut]


class ReferralIn(StrictIn):
    code: Annotated[str, Field(min_length=1, max_length=20)]


class BirthdayIn(StrictIn):
    birthday: BirthDate


@member_router.get("/me/invite", response={200: InviteOut, **errors(401)})
@requires(AUTHENTICATED)
def my_invite(request: HttpRequest) -> InviteOut:
    """The member's invite code and link, and whom they invited (one level: their invitees' invitees are not
    theirs)."""
    actor = actor_of(request)
    code = services.invite_code_of(actor=actor, device=device_of(request))
    rules = selectors.rules()
    return InviteOut(
        code=code,
        path=invite_path(code),
        inviter_points=rules.inviter_points,
        invitee_points=rules.invitee_points,
        invitees=[
            InviteeOut(name=masked_name(r.invitee), status=r.status, joined_at=r.created_at)
            for r in selectors.invitees_of(actor)[:100]
        ],
    )


class ReferralOut(DataOut):
    inviter: str = Field(description="Masked")
    status: str


@member_router.post("/me/referral", response={201: ReferralOut, **errors(401, 409)})
@requires(AUTHENTICATED)
def my_referral(request: HttpRequest, payload: ReferralIn) -> Status:
    """Name who invited the member (a new member, before their first paid order). 422
    ``loyalty.invite_code_invalid``; 409 ``loyalty.referral_refused`` when already invited, already bought or
    the same person (same phone, browser or real-name identity)."""
    referral = services.referral_bind(actor=actor_of(request), code=payload.code, device=device_of(request))
    return Status(201, ReferralOut(inviter=masked_name(referral.inviter), status=referral.status))


@member_router.put("/me/birthday", response={204: None, **errors(401, 409)})
@requires(AUTHENTICATED)
def my_birthday(request: HttpRequest, payload: BirthdayIn) -> Status:
    """Set the member's birthday, once (409 ``loyalty.birthday_set`` after)."""
    services.birthday_set(actor=actor_of(request), birthday=payload.birthday)
    return Status(204, None)


class MemberPriceIn(StrictIn):
    price: Amount
    min_tier: Annotated[str, Field(pattern="^(silver|gold|diamond)$")] = "silver"


class MemberPriceOut(DataOut):
    sku_id: int
    price: MoneyOut
    min_tier: str


@merchant_router.put("/merchant/member-prices/{sku_id}", response={200: MemberPriceOut, **errors(401, 403, 404)})
@requires(SHOP_PROMOTIONS)
def merchant_member_price_set(request: HttpRequest, sku_id: Id, payload: MemberPriceIn) -> MemberPriceOut:
    """Set a SKU's 会员价 for members of ``min_tier`` and up; 422 ``loyalty.member_price_invalid`` unless below
    the SKU's price."""
    row = services.member_price_set(
        actor=actor_of(request),
        sku_id=sku_id,
        price=parse_amount(payload.price, field="price"),
        min_tier=Tier(payload.min_tier),
    )
    return MemberPriceOut(sku_id=row.sku_id, price=money_out(Money(row.price_minor, CURRENCY)), min_tier=row.min_tier)


@merchant_router.delete("/merchant/member-prices/{sku_id}", response={204: None, **errors(401, 403)})
@requires(SHOP_PROMOTIONS)
def merchant_member_price_remove(request: HttpRequest, sku_id: Id) -> Status:
    """Take a SKU's member price away."""
    services.member_price_remove(actor=actor_of(request), sku_id=sku_id)
    return Status(204, None)
