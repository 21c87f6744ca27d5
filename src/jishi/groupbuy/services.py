"""Writes of the group-buying domain: 拼团 campaigns, and the groups buyers open, join, fill or leave.

A group's places are taken by payments, not by placements: a buyer places a
拼团 order naming the group to join (or none, to open one), and the payment
seats them (``members_seat``, inside the payment's transaction). The seat
is a guarded UPDATE on the group's row (open, in time, a place left), so a
group never holds more paid members than its size however many pay at once;
a payer who finds it full, closed or out of time opens a group of their own
at the same price while the campaign runs, and is refunded in full after it.

A group ends once, by a compare-and-set on its status: formed (it filled,
or its window closed at a tier's size), or dissolved (its window closed
short, or its last member left). Each member is then settled in a
transaction of its own (``team_settle``): a formed group's orders become
ordinary paid orders, and each member gets back the difference to the
tier reached; a dissolved group's members are refunded in full through the
gateway that took the money. Each refund names its member, so it is made
exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.core.phrases import phrase
from jishi.core.transactions import after_commit
from jishi.groupbuy import selectors
from jishi.groupbuy.errors import NotGrouping, TeamLimitReached
from jishi.groupbuy.models import (
    MAX_SIZE,
    MIN_SIZE,
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
from jishi.inventory.locks import lock_stocks
from jishi.merchants.selectors import merchant_for
from jishi.notifications.services import Message, notify_all
from jishi.orders.selectors import order_get_for_buyer, orders_by_ids
from jishi.orders.services import order_close_unformed, orders_group_formed
from jishi.orders.states import OrderKind
from jishi.payments.services import refund_create

MAX_TIERS = 5
MAX_WINDOW_HOURS = 72
MAX_PER_USER_UNITS = 999


def _refuse(code: str, message: Any, field_name: str) -> InvalidInput:
    return InvalidInput(message, code=f"groupbuy.{code}", field=field_name)


# Campaigns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierInput:
    size: int  # groups of at least this many members
    price: Money  # pay this much a unit


@dataclass(frozen=True)
class SkuPricesInput:
    sku_id: int
    tiers: list[TierInput]  # one for a plain 拼团; several (阶梯拼团), smallest group first


@dataclass(frozen=True)
class TeamCampaignInput:
    product_id: int
    skus: list[SkuPricesInput]
    starts_at: dt.datetime
    ends_at: dt.datetime
    window_hours: int | None = None  # each group's time to fill; the platform's default when None
    per_user_limit: int = 1


def _check_tiers(data: TeamCampaignInput, skus: dict[int, Any]) -> list[int]:
    """The tier sizes every SKU shares, after checking each SKU's prices fall as groups grow."""
    sizes: list[int] | None = None
    for index, item in enumerate(data.skus):
        field = f"skus.{index}"
        sku = skus.get(item.sku_id)
        if sku is None:
            raise _refuse("sku_not_of_product", _("Choose SKUs of the product."), f"{field}.sku_id")
        if not 1 <= len(item.tiers) <= MAX_TIERS:
            raise _refuse("tiers_out_of_range", _("Give 1 to 5 group sizes."), f"{field}.tiers")
        these = [tier.size for tier in item.tiers]
        if these != sorted(set(these)) or these[0] < MIN_SIZE or these[-1] > MAX_SIZE:
            raise _refuse(
                "sizes_out_of_range", _("Group sizes run from 2 to 50, smallest first, each once."), f"{field}.tiers"
            )
        if sizes is not None and these != sizes:
            raise _refuse("sizes_differ", _("Every SKU needs the same group sizes."), f"{field}.tiers")
        sizes = these
        prices = [tier.price.minor for tier in item.tiers]
        if not 1 <= prices[0] < sku.price_minor:
            raise _refuse(
                "price_not_lower",
                _("The group price must be above ¥0 and below the SKU's own price."),
                f"{field}.tiers.0.price",
            )
        if any(later >= earlier for earlier, later in pairwise(prices)):
            raise _refuse("prices_not_falling", _("A larger group must pay a lower price."), f"{field}.tiers")
    if sizes is None:
        raise _refuse("no_skus", _("Choose at least one SKU."), "skus")
    return sizes


@transaction.atomic
def campaign_create(*, actor: Actor, data: TeamCampaignInput) -> TeamCampaign:
    """A 拼团 campaign on one of the shop's products: some of its SKUs at group prices. Audited.

    One running campaign per product at a time. Raises PermissionDenied,
    ProductNotFound (another shop's), InvalidInput (``groupbuy.*``).
    """
    check(actor, SHOP_GROUPBUY)
    merchant = merchant_for(actor)
    skus = selectors.skus_of_product(merchant.pk, data.product_id)
    if len({item.sku_id for item in data.skus}) != len(data.skus):
        raise _refuse("sku_twice", _("Give each SKU once."), "skus")
    sizes = _check_tiers(data, skus)
    hours = data.window_hours if data.window_hours is not None else selectors.default_window_hours()
    if not 1 <= hours <= MAX_WINDOW_HOURS:
        raise _refuse("window_out_of_range", _("A group may have 1 to 72 hours to fill."), "window_hours")
    if not 1 <= data.per_user_limit <= MAX_PER_USER_UNITS:
        raise _refuse("per_user_out_of_range", _("Each buyer may buy 1 to 999."), "per_user_limit")
    if data.ends_at <= max(data.starts_at, timezone.now()):
        raise _refuse("ends_before_start", _("The end must be after the start, and in the future."), "ends_at")
    if selectors.campaign_overlapping(data.product_id, data.starts_at, data.ends_at):
        raise _refuse("campaign_overlaps", _("This product already has a group buy at that time."), "starts_at")
    campaign = TeamCampaign.objects.create(
        merchant=merchant,
        product_id=data.product_id,
        min_size=sizes[0],
        max_size=sizes[-1],
        window_minutes=hours * 60,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        per_user_limit=data.per_user_limit,
    )
    TeamTier.objects.bulk_create(
        TeamTier(campaign=campaign, sku_id=item.sku_id, size=tier.size, price_minor=tier.price.minor)
        for item in data.skus
        for tier in item.tiers
    )
    audit.record(
        actor=actor,
        action="groupbuy.campaign_create",
        target=campaign,
        after={"product": data.product_id, "sizes": sizes},
    )
    return campaign


@transaction.atomic
def campaign_stop(*, actor: Actor, campaign_id: int) -> TeamCampaign:
    """End one of the shop's campaigns now: no group opens any more; open groups keep their window. Idempotent.
    Audited. Raises CampaignNotFound (another shop's)."""
    campaign = selectors.campaign_of_merchant(actor, campaign_id)
    if TeamCampaign.objects.filter(pk=campaign.pk, status=CampaignStatus.ACTIVE).update(status=CampaignStatus.STOPPED):
        campaign.status = CampaignStatus.STOPPED
        after_commit(cache.delete, selectors.LIVE_KEY)
        audit.record(actor=actor, action="groupbuy.campaign_stop", target=campaign)
    return campaign


# Placing and giving back -------------------------------------------------------------------------


def team_take(*, buyer: Any, buying: selectors.Buying, quantity: int, order: Any) -> TeamMember:
    """A checkout places a 拼团 order for ``buyer``, inside the checkout's transaction: the buyer's limit is
    taken (the guard is in the UPDATE) and the order waits for its payment to seat it. Raises TeamLimitReached."""
    campaign = buying.campaign
    TeamBuyer.objects.bulk_create([TeamBuyer(campaign=campaign, buyer=buyer)], ignore_conflicts=True)
    if not TeamBuyer.objects.filter(
        campaign=campaign, buyer=buyer, units__lte=campaign.per_user_limit - quantity
    ).update(units=F("units") + quantity):
        raise TeamLimitReached(field="quantity")
    return TeamMember.objects.create(
        campaign=campaign,
        team=buying.team,
        buyer=buyer,
        order=order,
        sku_id=buying.tier.sku_id,
        quantity=quantity,
        currency=buying.tier.currency,
        unit_price_minor=buying.tier.price_minor,
    )


def _give_back_units(member: TeamMember) -> None:
    TeamBuyer.objects.filter(campaign_id=member.campaign_id, buyer_id=member.buyer_id).update(
        units=F("units") - member.quantity
    )


def team_give_back(*, checkout_number: str) -> int:
    """A cancelled unpaid checkout's 拼团 order gives its units back to the buyer's limit; exactly once. Returns
    how many places were given back."""
    given = 0
    for member in selectors.members_of_checkout(checkout_number):
        if TeamMember.objects.filter(pk=member.pk, status=MemberStatus.PLACED).update(status=MemberStatus.CANCELLED):
            _give_back_units(member)
            given += 1
    return given


# Seating, forming, dissolving --------------------------------------------------------------------
#
# Locks are taken in the order a payment takes them: the payer's order, stock, the merchant's ledger
# accounts, and the group's row last. So a decision on a group (seat, form, dissolve) writes only the group's
# and the deciding member's rows; what it means for each member's order, money and stock is done after, one
# member per transaction (``team_settle``, after commit and again by the sweep), taking the stock row first.


def members_seat(sender: Any = None, *, orders: list[Any], **_kwargs: Any) -> None:
    """Seat the paid 拼团 orders among ``orders`` (payments' ``orders_paid``, inside the payment's transaction)."""
    placed = [order.pk for order in orders if order.kind == OrderKind.TEAM]
    if not placed:
        return
    now = timezone.now()
    for member in selectors.members_due_to_seat(placed):
        _seat(member, now)


def _join(member: TeamMember, team_id: int, now: dt.datetime) -> Team | None:
    """Take a place in the group, if it is open, in time and not full, and the buyer is not in it: the group."""
    try:
        with transaction.atomic():  # a buyer already seated in it undoes the place taken
            if not Team.objects.filter(
                pk=team_id, status=TeamStatus.OPEN, expires_at__gt=now, members__lt=F("capacity")
            ).update(members=F("members") + 1):
                return None
            TeamMember.objects.filter(pk=member.pk, status=MemberStatus.PLACED).update(
                status=MemberStatus.JOINED, joined_at=now, team_id=team_id
            )
    except IntegrityError:
        return None
    return Team.objects.select_related("campaign").get(pk=team_id)


def _open(member: TeamMember, now: dt.datetime) -> Team:
    campaign = member.campaign
    team = Team.objects.create(
        campaign=campaign,
        leader_id=member.buyer_id,
        members=1,
        capacity=campaign.max_size,
        opened_at=now,
        expires_at=now + dt.timedelta(minutes=campaign.window_minutes),
    )
    TeamMember.objects.filter(pk=member.pk, status=MemberStatus.PLACED).update(
        status=MemberStatus.JOINED, joined_at=now, team=team
    )
    return team


def _seat(member: TeamMember, now: dt.datetime) -> None:
    asked = member.team_id
    team = _join(member, asked, now) if asked is not None else None
    if team is None:
        if not selectors.running(member.campaign, now):  # this payer's own rows only: refunded here
            _refund(member, MemberStatus.PLACED, MemberStatus.REFUNDED, phrase(gettext_lazy("The group buy had ended")))
            return
        team = _open(member, now)
    if team.members < team.capacity:
        _tell_seated(member, team, asked=asked)
    elif Team.objects.filter(pk=team.pk, status=TeamStatus.OPEN).update(status=TeamStatus.FORMED, closed_at=now):
        after_commit(team_settle, team_id=team.pk)


def _tell_seated(member: TeamMember, team: Team, *, asked: int | None) -> None:
    if asked is not None and team.pk != asked:  # the group asked for filled or closed first
        body = phrase(
            gettext_lazy(
                "The group you chose filled first, so a group of your own was opened at the same price. "
                "Share it to fill it."
            )
        )
    else:
        body = phrase(
            gettext_lazy("Share the group: it needs %(left)s more to form."),
            left=max(team.campaign.min_size - team.members, 1),
        )
    title = phrase(gettext_lazy("You are in the group"))
    notify_all([Message(member.buyer_id, "team_joined", title, body, f"/groups/{team.pk}/")])


@transaction.atomic
def _member_formed(member: TeamMember, size: int) -> bool:
    """A member of a formed group: their order becomes shippable, and they get back the difference to the tier
    the group's ``size`` reached. Once per member (its status moves)."""
    if not TeamMember.objects.filter(pk=member.pk, status=MemberStatus.JOINED).update(status=MemberStatus.FORMED):
        return False
    formed = orders_group_formed(order_ids=[member.order_id])
    reached = [tier for tier in selectors.tiers_of(member.campaign_id, member.sku_id) if tier.size <= size][-1]
    back = (member.unit_price - reached.price) * member.quantity
    if back.minor > 0 and formed:
        refund_create(
            order=formed[0],
            amount=back,
            reason=phrase(gettext_lazy("Group of %(size)s: the price difference"), size=size),
            reference=f"team-tier:{member.pk}",
        )
        body = phrase(
            gettext_lazy("%(amount)s goes back to you: the group reached the price for %(size)s."),
            amount=back.format(),
            size=size,
        )
    else:
        body = phrase(gettext_lazy("The shop will ship your order soon."))
    title = phrase(gettext_lazy("Your group formed"))
    notify_all([Message(member.buyer_id, "team_formed", title, body, f"/groups/{member.team_id}/")])
    return True


def _refund(member: TeamMember, source: MemberStatus, target: MemberStatus, reason: str) -> bool:
    """Refund a paid member's order in full, close it and put its units back: once per member (its status
    moves). Inside the caller's transaction; the stock row is locked first."""
    lock_stocks([member.sku_id])
    if not TeamMember.objects.filter(pk=member.pk, status=source).update(status=target):
        return False
    order = orders_by_ids([member.order_id])[0]
    refund_create(order=order, amount=order.total, reason=reason, reference=f"team:{member.pk}")
    order_close_unformed(order_id=order.pk, reason=reason)
    _give_back_units(member)
    title = phrase(gettext_lazy("%(amount)s is on its way back"), amount=order.total.format())
    notify_all([Message(member.buyer_id, "team_refunded", title, reason, f"/orders/{order.number}/")])
    return True


def team_settle(*, team_id: int) -> int:
    """Carry a closed group's end through to each member still seated, one transaction each: formed, their order
    ships (and the tier's difference comes back); dissolved, they are refunded in full. Safe to repeat and to
    race. Returns how many members this call settled."""
    team = Team.objects.filter(pk=team_id).exclude(status=TeamStatus.OPEN).first()
    if team is None:
        return 0
    settled = 0
    reason = phrase(gettext_lazy("The group did not fill in time"))
    for member in selectors.members_in(team.pk):
        if team.status == TeamStatus.FORMED:
            settled += _member_formed(member, team.members)
        else:
            with transaction.atomic():
                settled += _refund(member, MemberStatus.JOINED, MemberStatus.REFUNDED, reason)
    return settled


@transaction.atomic
def _close_due(team_id: int, now: dt.datetime) -> str | None:
    team = Team.objects.select_related("campaign").filter(pk=team_id, status=TeamStatus.OPEN).first()
    if team is None or team.expires_at > now:
        return None
    rows = Team.objects.filter(pk=team.pk, status=TeamStatus.OPEN, expires_at__lte=now)
    # Formed if its members reach the first tier's size (a tiered group's window decides its size), else dissolved.
    if rows.filter(members__gte=team.campaign.min_size).update(status=TeamStatus.FORMED, closed_at=now):
        return TeamStatus.FORMED
    if rows.update(status=TeamStatus.DISSOLVED, closed_at=now):
        return TeamStatus.DISSOLVED
    return None


def team_close_due(*, team_id: int) -> str | None:
    """Close a group whose window has passed — formed at the largest tier its members reach, or dissolved — and
    settle its members. Idempotent and safe to race with payments and other sweeps: the status this call set,
    or None when the group was closed already (or is not due)."""
    closed = _close_due(team_id, timezone.now())
    team_settle(team_id=team_id)
    return closed


def teams_close_due() -> int:
    """The sweep: close every group past its window, and settle every closed group with members still seated
    (a settlement cut short). Returns how many groups it looked at."""
    due = selectors.teams_due(now=timezone.now())
    for team_id in due:
        team_close_due(team_id=team_id)
    unsettled = selectors.teams_unsettled()
    for team_id in unsettled:
        team_settle(team_id=team_id)
    return len(due) + len(unsettled)


@transaction.atomic
def team_leave(*, actor: Actor, order_number: str) -> TeamMember:
    """The buyer asks for their money back before the group fills: they leave it, refunded in full, and the
    leader's place passes to the next member (a group left empty is dissolved). Raises OrderNotFound (not the
    actor's), NotGrouping (not a 拼团 order waiting for its group, or the group formed meanwhile)."""
    order = order_get_for_buyer(actor, order_number)
    member = selectors.member_of_order(order.pk)
    if member is None or member.team_id is None or member.status != MemberStatus.JOINED:
        raise NotGrouping
    if not _refund(
        member, MemberStatus.JOINED, MemberStatus.LEFT, phrase(gettext_lazy("Left the group before it filled"))
    ):
        raise NotGrouping
    # The group's row last, as a payment takes it: if it formed or closed meanwhile, all of this rolls back.
    if not Team.objects.filter(pk=member.team_id, status=TeamStatus.OPEN).update(members=F("members") - 1):
        raise NotGrouping
    team = Team.objects.get(pk=member.team_id)
    staying = selectors.members_in(team.pk)
    if not staying:
        Team.objects.filter(pk=team.pk).update(status=TeamStatus.DISSOLVED, closed_at=timezone.now())
    elif team.leader_id == member.buyer_id:
        Team.objects.filter(pk=team.pk).update(leader_id=staying[0].buyer_id)
    member.refresh_from_db()
    return member
