"""Points: earning, spending, giving back, taking back and expiry; tiers; the daily check-in; the rules.

Every change is one :class:`PointsEntry` with a unique ``key`` and the
balance moved in the same transaction (``_post``): a repeat of the same
event finds its key taken and changes nothing, so an order earns once, a
refund gives back once, a day checks in once, however the calls race. A
spend's guard is in the UPDATE of the balance.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.accounts.selectors import same_person
from jishi.catalog.errors import SkuNotFound
from jishi.catalog.selectors import sku_for_purchase
from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.crypto import blind_index
from jishi.core.money import Money
from jishi.core.permissions import AUTHENTICATED, check
from jishi.ledger.selectors import order_figures
from jishi.loyalty.errors import (
    AlreadyCheckedIn,
    BirthdayAlreadySet,
    InviteCodeInvalid,
    MemberPriceInvalid,
    PointsInsufficient,
    ReferralRefused,
    SettingOutOfRange,
    TemplateInvalid,
    TiersNotRising,
)
from jishi.loyalty.models import (
    DEFAULTS,
    BirthdayGift,
    Device,
    EntryKind,
    LoyaltySettings,
    Member,
    MemberPrice,
    PointsEntry,
    Referral,
    ReferralStatus,
    Tier,
)
from jishi.loyalty.permissions import LOYALTY_SETTINGS
from jishi.loyalty.selectors import YEAR, rules
from jishi.merchants.selectors import merchant_for
from jishi.orders.selectors import has_paid_order
from jishi.promotions.errors import CouponLimitReached, CouponNotClaimable, CouponsGone, CouponTemplateNotFound
from jishi.promotions.permissions import SHOP_PROMOTIONS
from jishi.promotions.selectors import platform_template_exists
from jishi.promotions.services import coupon_grant, coupon_withdraw

if TYPE_CHECKING:
    from jishi.orders.models import Order


def _member(user_id: int) -> None:
    """Make the member's row the first time it is needed."""
    Member.objects.get_or_create(pk=user_id)


def _post(
    user_id: int,
    kind: EntryKind,
    points: int,
    key: str,
    *,
    order_id: int | None = None,
    expires_at: dt.datetime | None = None,
    spend_minor: int = 0,
    guarded: bool = False,
    lot: PointsEntry | None = None,
    at: dt.datetime | None = None,
) -> PointsEntry | None:
    """Append one entry and move the balance with it; None when ``key`` was booked before (nothing changes).

    ``guarded``: the balance must cover ``-points`` (the check is in the
    UPDATE), else PointsInsufficient. Points taken come out of ``lot`` (an
    expiry) or out of the open lots, soonest to expire first; points given
    make a lot of what is left after paying any debt.
    """
    _member(user_id)
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                member_id=user_id,
                kind=kind,
                points=points,
                key=key,
                order_id=order_id,
                expires_at=expires_at,
                spend_minor=spend_minor,
                created_at=at or timezone.now(),
            )
            members = Member.objects.filter(pk=user_id)
            if guarded:
                members = members.filter(balance__gte=-points)
            if members.update(balance=F("balance") + points) != 1:
                raise PointsInsufficient(field="points")
            after = Member.objects.values_list("balance", flat=True).get(pk=user_id)
            _lots(entry, before=after - points, after=after, lot=lot)
            return entry
    except IntegrityError:
        if PointsEntry.objects.filter(key=key).exists():
            return None
        raise


def _lots(entry: PointsEntry, *, before: int, after: int, lot: PointsEntry | None) -> None:
    """Keep the open lots holding ``max(balance, 0)`` points (the member's row is locked by the caller's UPDATE)."""
    change = max(after, 0) - max(before, 0)
    if change > 0:
        PointsEntry.objects.filter(pk=entry.pk).update(remaining=change)
        return
    owed = -change
    lots = [lot] if lot is not None else PointsEntry.objects.filter(member_id=entry.member_id, remaining__gt=0)
    for open_lot in sorted(lots, key=lambda e: (e.expires_at or dt.datetime.max.replace(tzinfo=dt.UTC), e.pk)):
        if owed <= 0:
            break
        used = min(owed, open_lot.remaining)
        PointsEntry.objects.filter(pk=open_lot.pk).update(remaining=F("remaining") - used)
        owed -= used


def _expiry(now: dt.datetime) -> dt.datetime:
    return now + YEAR


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders first), summing to ``total``."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    rest = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:rest]:
        shares[i] += 1
    return shares


# Spending at checkout ------------------------------------------------------------------------------------------


@transaction.atomic
def points_spend(*, user_id: int, points: int, parts: Sequence[tuple[int, int]], now: dt.datetime) -> None:
    """Take ``points`` from the member for the orders of one checkout: ``parts`` is each order's id and the money
    the points took off it (its 积分抵扣); the points are split in that proportion. Due lots expire first.

    Raises PointsInsufficient (field ``points``) when the balance does not cover it: the guard is in the write,
    so ten checkouts spending 300 of 1,000 at once succeed three times. Checkout calls it inside its transaction.
    """
    if points <= 0:
        return
    points_expire_due(user_id=user_id, now=now)
    lots = PointsEntry.objects.filter(member_id=user_id, remaining__gt=0)
    latest = lots.aggregate(at=Max("expires_at"))["at"]
    for (order_id, _value), share in zip(parts, _split(points, [value for _id, value in parts]), strict=True):
        if share:
            _post(
                user_id,
                EntryKind.SPEND,
                -share,
                f"spend:order:{order_id}",
                order_id=order_id,
                expires_at=latest,  # what the points given back on a refund will expire with
                guarded=True,
            )


@transaction.atomic
def points_give_back_cancelled(*, order_ids: Sequence[int]) -> None:
    """Give back what the orders of a checkout cancelled unpaid spent. Idempotent."""
    for spend in PointsEntry.objects.filter(order_id__in=order_ids, kind=EntryKind.SPEND):
        _post(
            spend.member_id,
            EntryKind.GIVE_BACK,
            -spend.points,
            f"give_back:cancel:{spend.order_id}",
            order_id=spend.order_id,
            expires_at=spend.expires_at,
        )


# Earning and taking back ---------------------------------------------------------------------------------------


def order_completed(sender: Any, order: Order, **kwargs: Any) -> None:
    """orders' ``order_completed``: the buyer earns points on what they paid and kept (at their tier's rate),
    once, and their tier is worked out again. The paid amount counts toward the tier for 12 months."""
    now = timezone.now()
    figures = order_figures(order)
    kept = figures.paid - figures.refunded
    current = rules()
    tier = Tier(Member.objects.filter(pk=order.buyer_id).values_list("tier", flat=True).first() or Tier.REGULAR)
    points = kept * current.earn_per_yuan * current.multiplier(tier) // (100 * 100)
    _post(
        order.buyer_id,
        EntryKind.EARN_ORDER,
        points,
        f"earn:order:{order.pk}",
        order_id=order.pk,
        expires_at=_expiry(now),
        spend_minor=kept,
    )
    tier_recompute(user_id=order.buyer_id, now=now)
    _referral_reward(order, now)


def order_refunded(sender: Any, order: Order, refund_number: str, **kwargs: Any) -> None:
    """payments' ``order_refunded`` (in the refund's transaction, after it was booked): give back the points
    spent on the order and take back those earned on it, each in the share of the order that is now refunded.

    Worked out on the totals so far, so the shares of several partial refunds add up to the whole when the
    order is refunded in full, and each refund's entries are booked once (keyed by the refund).
    """
    figures = order_figures(order)
    _referral_void(order, refunded_in_full=figures.refunded >= figures.paid > 0)
    entries = {
        kind: (points, spend)
        for kind, points, spend in PointsEntry.objects.filter(order_id=order.pk)
        .values_list("kind")
        .annotate(points=Sum("points"), spend=Sum("spend_minor"))
    }
    if not entries:
        return
    spend_row = PointsEntry.objects.filter(order_id=order.pk, kind=EntryKind.SPEND).first()
    if spend_row is not None and figures.paid:
        spent = -spend_row.points
        due = spent * min(figures.refunded, figures.paid) // figures.paid - entries.get(EntryKind.GIVE_BACK, (0, 0))[0]
        if due > 0:
            _post(
                order.buyer_id,
                EntryKind.GIVE_BACK,
                due,
                f"give_back:refund:{refund_number}",
                order_id=order.pk,
                expires_at=spend_row.expires_at,
            )
    earned, base = entries.get(EntryKind.EARN_ORDER, (0, 0))
    if base > 0:
        reversed_points, reversed_spend = entries.get(EntryKind.REVERSE, (0, 0))
        since = min(figures.refunded - (figures.paid - base), base)  # refunded after the points were earned
        due = earned * since // base + reversed_points
        spend_due = since + reversed_spend
        if due > 0 or spend_due > 0:
            _post(
                order.buyer_id,
                EntryKind.REVERSE,
                -due,
                f"reverse:refund:{refund_number}",
                order_id=order.pk,
                spend_minor=-spend_due,
            )
            tier_recompute(user_id=order.buyer_id, now=timezone.now())


def review_points_award(*, user_id: int, review_id: int) -> PointsEntry | None:
    """The points for a first review with photos (reviews calls it when one is published). Once per review."""
    points = rules().review_points
    if points <= 0:
        return None
    now = timezone.now()
    return _post(user_id, EntryKind.EARN_REVIEW, points, f"earn:review:{review_id}", expires_at=_expiry(now))


# Expiry and tiers ----------------------------------------------------------------------------------------------


@transaction.atomic
def points_expire_due(*, user_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Expire every lot (of one member, or of all) whose 12 months have passed. Idempotent. Returns how many."""
    now = now or timezone.now()
    lots = PointsEntry.objects.filter(remaining__gt=0, expires_at__lte=now).order_by("expires_at", "pk")
    if user_id is not None:
        lots = lots.filter(member_id=user_id)
    count = 0
    for lot in lots:
        if _expire(lot.pk):
            count += 1
    return count


def _expire(lot_id: int) -> bool:
    with transaction.atomic():
        member_id = PointsEntry.objects.values_list("member_id", flat=True).get(pk=lot_id)
        Member.objects.select_for_update().filter(pk=member_id).values_list("pk", flat=True).first()  # its writers
        lot = PointsEntry.objects.filter(pk=lot_id, remaining__gt=0).first()
        if lot is None:
            return False
        return _post(lot.member_id, EntryKind.EXPIRE, -lot.remaining, f"expire:lot:{lot.pk}", lot=lot) is not None


def tier_recompute(*, user_id: int, now: dt.datetime) -> Tier:
    """Work the member's tier out from what they spent over the last 12 months (completed orders, less refunds)."""
    spend = (
        PointsEntry.objects.filter(
            member_id=user_id, kind__in=(EntryKind.EARN_ORDER, EntryKind.REVERSE), created_at__gt=now - YEAR
        ).aggregate(total=Sum("spend_minor"))["total"]
        or 0
    )
    tier = rules().tier_for(spend)
    _member(user_id)
    Member.objects.filter(pk=user_id).update(tier=tier, spend_minor=spend, tier_at=now)
    return tier


def tiers_recompute(*, now: dt.datetime | None = None) -> int:
    """The nightly sweep: every member's tier from their last 12 months (spend drops out as it ages)."""
    now = now or timezone.now()
    stale = Member.objects.filter(Q(spend_minor__gt=0) | ~Q(tier=Tier.REGULAR)).values_list("pk", flat=True)
    ids = list(stale)
    for user_id in ids:
        tier_recompute(user_id=user_id, now=now)
    return len(ids)


# The daily check-in --------------------------------------------------------------------------------------------


@transaction.atomic
def check_in(*, actor: Actor, now: dt.datetime | None = None) -> PointsEntry:
    """签到: today's points, with a bonus on every ``streak_days``-th day in a row. Once a day (Beijing time):
    the guard is in the UPDATE of the member's day. Raises AlreadyCheckedIn (409)."""
    check(actor, AUTHENTICATED)
    now = now or timezone.now()
    user_id = user_of(actor).pk
    today = timezone.localdate(now)
    yesterday = today - dt.timedelta(days=1)
    _member(user_id)
    members = Member.objects.filter(pk=user_id).filter(Q(checked_in_on__isnull=True) | Q(checked_in_on__lt=today))
    continued = members.filter(checked_in_on=yesterday).update(streak=F("streak") + 1, checked_in_on=today)
    if not continued and not members.update(streak=1, checked_in_on=today):
        raise AlreadyCheckedIn
    streak = Member.objects.values_list("streak", flat=True).get(pk=user_id)
    current = rules()
    points = current.check_in_points + (current.streak_bonus if streak % current.streak_days == 0 else 0)
    entry = _post(user_id, EntryKind.CHECK_IN, points, f"check_in:{user_id}:{today}", expires_at=_expiry(now), at=now)
    assert entry is not None  # the day's guard above let only this call through
    return entry


# The rules -----------------------------------------------------------------------------------------------------

RANGES: dict[str, tuple[int, int]] = {
    "earn_per_yuan": (0, 100),
    "points_per_yuan": (1, 10_000),
    "max_share_percent": (1, 100),
    "check_in_points": (0, 1_000),
    "streak_days": (2, 31),
    "streak_bonus": (0, 10_000),
    "review_points": (0, 10_000),
    "silver_minor": (1, 10**11),
    "gold_minor": (1, 10**11),
    "diamond_minor": (1, 10**11),
    "silver_multiplier": (100, 1_000),
    "gold_multiplier": (100, 1_000),
    "diamond_multiplier": (100, 1_000),
    "silver_free_shipping_minor": (0, 10**9),  # or None: none
    "gold_free_shipping_minor": (0, 10**9),
    "diamond_free_shipping_minor": (0, 10**9),
    "inviter_points": (0, 100_000),
    "invitee_points": (0, 100_000),
    "birthday_tier_rank": (0, 3),
}
OPTIONAL = ("silver_free_shipping_minor", "gold_free_shipping_minor", "diamond_free_shipping_minor")


@transaction.atomic
def loyalty_settings_set(*, actor: Actor, values: dict[str, int | None]) -> LoyaltySettings:
    """Save the points and tier rules (every field of ``DEFAULTS``). Audited with the values before and after;
    the same values again record nothing. Raises PermissionDenied (administrators only), SettingOutOfRange,
    TiersNotRising (a tier's spend at or below the one under it) and TemplateInvalid (an invitation's or a
    birthday's coupon that is not a platform template), each naming its field, before any write."""
    check(actor, LOYALTY_SETTINGS)
    after = {name: values[name] for name in DEFAULTS}
    for name, (low, high) in RANGES.items():
        value = after[name]
        if value is None and name in OPTIONAL:
            continue
        if value is None or not low <= value <= high:
            raise SettingOutOfRange(field=name, params={"min": low, "max": high})
    for name in ("invite_template_id", "birthday_template_id"):
        template_id = after[name]
        if template_id is not None and not platform_template_exists(template_id):
            raise TemplateInvalid(field=name)
    silver, gold, diamond = (after[f"{tier}_minor"] or 0 for tier in ("silver", "gold", "diamond"))
    if gold <= silver:
        raise TiersNotRising(field="gold_minor")
    if diamond <= gold:
        raise TiersNotRising(field="diamond_minor")
    user = user_of(actor)
    row = LoyaltySettings.objects.select_for_update().filter(pk=LoyaltySettings.SINGLETON_PK).first()
    before = {name: getattr(row, name) for name in DEFAULTS} if row else dict(DEFAULTS)
    if row is not None and before == after:
        return row
    row = row or LoyaltySettings(pk=LoyaltySettings.SINGLETON_PK)
    for name, value in after.items():
        setattr(row, name, value)
    row.updated_by = user
    row.save()
    audit.record(actor=actor, action="loyalty.settings_set", target=row, before=before, after=after)
    return row


# 会员价: a shop's member prices -----------------------------------------------------------------------------------


@transaction.atomic
def member_price_set(*, actor: Actor, sku_id: int, price: Money, min_tier: Tier = Tier.SILVER) -> MemberPrice:
    """Set a SKU's member price (for ``min_tier`` and up) in the actor's shop. It must be below the SKU's price.
    Raises PermissionDenied (not the shop's marketing staff), SkuNotFound (404, also another shop's SKU),
    MemberPriceInvalid (not below the price, or for regular members)."""
    check(actor, SHOP_PROMOTIONS)
    merchant = merchant_for(actor)
    sku = sku_for_purchase(sku_id)
    if sku.product.merchant_id != merchant.pk:
        raise SkuNotFound(field="sku_id")
    if min_tier == Tier.REGULAR:
        raise MemberPriceInvalid(_("Member prices are for silver members and up."), field="min_tier")
    if not Money(1, price.currency) <= price < sku.price:
        raise MemberPriceInvalid(field="price")
    row, _created = MemberPrice.objects.update_or_create(
        sku_id=sku.pk, defaults={"merchant_id": merchant.pk, "price_minor": price.minor, "min_tier": min_tier}
    )
    audit.record(
        actor=actor, action="loyalty.member_price_set", target=row, after={"price": price.minor, "tier": min_tier}
    )
    return row


@transaction.atomic
def member_price_remove(*, actor: Actor, sku_id: int) -> None:
    """Take a SKU's member price away (idempotent)."""
    check(actor, SHOP_PROMOTIONS)
    merchant = merchant_for(actor)
    row = MemberPrice.objects.filter(sku_id=sku_id, merchant_id=merchant.pk).first()
    if row is not None:
        audit.record(actor=actor, action="loyalty.member_price_remove", target=row, before={"price": row.price_minor})
        row.delete()


# 邀请有礼: one level of referral -----------------------------------------------------------------------------------

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _device_hash(device: str) -> str:
    return blind_index(device, context="loyalty.device")


def device_seen(*, user_id: int, device: str) -> None:
    """Remember that the member used the browser whose device cookie is ``device`` (a keyed hash is kept)."""
    if device:
        Device.objects.update_or_create(user_id=user_id, device_hash=_device_hash(device))


def invite_code_of(*, actor: Actor, device: str = "") -> str:
    """The member's invite code (made the first time), remembering the device they share it from."""
    check(actor, AUTHENTICATED)
    user_id = user_of(actor).pk
    _member(user_id)
    device_seen(user_id=user_id, device=device)
    while True:
        code = Member.objects.filter(pk=user_id).values_list("invite_code", flat=True).get()
        if code:
            return code
        fresh = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Member.objects.filter(pk=user_id, invite_code__isnull=True).update(invite_code=fresh)


@transaction.atomic
def referral_bind(*, actor: Actor, code: str, device: str = "") -> Referral:
    """The signed-in member names who invited them (an invite link's code). One inviter, once, before their first
    paid order. No reward for inviting oneself: the same account, the same phone, the same browser (device
    cookie) or the same real-name identity is refused.

    Raises InviteCodeInvalid (no such code), ReferralRefused (409: already invited, already bought, or the
    same person), each naming ``code``.
    """
    check(actor, AUTHENTICATED)
    invitee = user_of(actor)
    normalised = "".join(code.split()).upper()
    inviter_id = Member.objects.filter(invite_code=normalised).values_list("pk", flat=True).first()
    if inviter_id is None or not normalised:
        raise InviteCodeInvalid(field="code")
    device_seen(user_id=invitee.pk, device=device)
    if Referral.objects.filter(invitee_id=invitee.pk).exists() or has_paid_order(invitee.pk):
        raise ReferralRefused(_("Only a new member who has not bought yet can name who invited them."), field="code")
    if inviter_id == invitee.pk or same_person(inviter_id, invitee.pk) or _same_device(inviter_id, invitee.pk):
        raise ReferralRefused(_("You cannot invite yourself."), field="code")
    try:
        with transaction.atomic():
            return Referral.objects.create(inviter_id=inviter_id, invitee_id=invitee.pk)
    except IntegrityError:  # a second tap a moment earlier
        raise ReferralRefused(field="code") from None


def _same_device(one: int, other: int) -> bool:
    mine = Device.objects.filter(user_id=one).values_list("device_hash", flat=True)
    return Device.objects.filter(user_id=other, device_hash__in=mine).exists()


def _referral_reward(order: Order, now: dt.datetime) -> None:
    """The invitee's first completed order rewards both, once: the guard is in the UPDATE of the referral."""
    referral = Referral.objects.filter(invitee_id=order.buyer_id, status=ReferralStatus.PENDING).first()
    if referral is None:
        return
    won = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.PENDING).update(
        status=ReferralStatus.REWARDED, order_id=order.pk, rewarded_at=now
    )
    if not won:
        return
    current = rules()
    coupons: dict[str, int | None] = {}
    for user_id, points, side in (
        (referral.inviter_id, current.inviter_points, "inviter"),
        (referral.invitee_id, current.invitee_points, "invitee"),
    ):
        if points:
            _post(
                user_id,
                EntryKind.REFERRAL,
                points,
                f"referral:{side}:{referral.pk}",
                order_id=order.pk,
                expires_at=_expiry(now),
            )
        coupons[f"{side}_coupon_id"] = _reward_coupon(current.invite_template_id, user_id, now)
    if any(coupons.values()):
        Referral.objects.filter(pk=referral.pk).update(**coupons)


def _reward_coupon(template_id: int | None, user_id: int, now: dt.datetime) -> int | None:
    """A coupon of the invitation's template, or None when there is none or it cannot be given any more (run out,
    stopped): the points still reward the invitation."""
    if template_id is None:
        return None
    try:
        with transaction.atomic():
            return coupon_grant(template_id=template_id, user_id=user_id, now=now).pk
    except (CouponsGone, CouponLimitReached, CouponNotClaimable, CouponTemplateNotFound):
        return None


def _referral_void(order: Order, refunded_in_full: bool) -> None:
    """A full refund of the order that rewarded an invitation takes both rewards back, once."""
    if not refunded_in_full:
        return
    referral = Referral.objects.filter(order_id=order.pk, status=ReferralStatus.REWARDED).first()
    if referral is None:
        return
    if not Referral.objects.filter(pk=referral.pk, status=ReferralStatus.REWARDED).update(
        status=ReferralStatus.VOID, voided_at=timezone.now()
    ):
        return
    for side, user_id in (("inviter", referral.inviter_id), ("invitee", referral.invitee_id)):
        reward = PointsEntry.objects.filter(key=f"referral:{side}:{referral.pk}").first()
        if reward is not None:
            _post(user_id, EntryKind.REVERSE, -reward.points, f"referral:void:{side}:{referral.pk}", order_id=order.pk)
    for coupon_id in (referral.inviter_coupon_id, referral.invitee_coupon_id):
        if coupon_id is not None:
            coupon_withdraw(coupon_id=coupon_id)  # an unused one; a used one was spent on a real order


# Birthdays ------------------------------------------------------------------------------------------------------


@transaction.atomic
def birthday_set(*, actor: Actor, birthday: dt.date) -> None:
    """The member gives their birthday, once (it cannot be changed after: a coupon a year, not one a month).
    Raises BirthdayAlreadySet (409), SettingOutOfRange for a day in the future or over 120 years ago."""
    check(actor, AUTHENTICATED)
    today = timezone.localdate()
    if not today.replace(year=today.year - 120) <= birthday <= today:
        raise SettingOutOfRange(field="birthday")
    user_id = user_of(actor).pk
    _member(user_id)
    if not Member.objects.filter(pk=user_id, birthday__isnull=True).update(birthday=birthday):
        raise BirthdayAlreadySet(field="birthday")


def birthday_coupons_give(*, today: dt.date | None = None) -> int:
    """The daily sweep: each member whose birthday is today gets their tier's birthday coupon, once a year.
    A member born on 29 February gets theirs on the 28th in other years. Returns how many were given."""
    today = today or timezone.localdate()
    current = rules()
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))
    born = Q()
    for month, day in days:
        born |= Q(birthday__month=month, birthday__day=day)
    given = 0
    for user_id, tier in Member.objects.filter(born).values_list("pk", "tier"):
        template_id = current.birthday_coupon(Tier(tier))
        if template_id is None:
            continue
        try:
            with transaction.atomic():
                gift = BirthdayGift.objects.create(user_id=user_id, year=today.year)
                gift.coupon_id = coupon_grant(template_id=template_id, user_id=user_id).pk
                gift.save(update_fields=["coupon_id"])
                given += 1
        except IntegrityError:  # given already this year
            continue
        except (CouponsGone, CouponLimitReached, CouponNotClaimable, CouponTemplateNotFound):
            continue  # the template ran out or stopped: nothing given, and tried again tomorrow
    return given
