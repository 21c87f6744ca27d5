"""Writes of the community group-buying domain (社区团购).

A resident with a verified real name applies to run a pickup point; an
operator approves, rejects or suspends them (audited). Residents choose
their point once. A shop publishes a campaign (community prices until a
cut-off); residents order for pickup at their point; their payment opens
the order's pickup with a 6-digit code. After the cut-off a sweep puts the
paid pickups into one batch per shop and point; the shop sends a batch
(its orders ship), the leader confirms its arrival (reporting what came
short or damaged, refunded at once) and the residents are told; the
leader checks each resident's code as they collect, which delivers the
order.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.selectors import real_name_verified
from jishi.community import selectors
from jishi.community.errors import (
    AlreadyLeader,
    BatchNotReady,
    LeaderNotPending,
    PickupNotReady,
    PickupUsed,
    PointUnavailable,
    RealNameRequired,
    TooManyWrongCodes,
    WrongPickupCode,
)
from jishi.community.models import (
    LEADER_RATE_BP_RANGE,
    TEAM_WINDOW_HOURS_RANGE,
    UNCOLLECTED_DAYS_RANGE,
    Batch,
    BatchStatus,
    CampaignStatus,
    CommunityCampaign,
    CommunityItem,
    GroupBuySettings,
    Leader,
    LeaderStatus,
    Pickup,
    PickupPoint,
    PickupStatus,
    PointKind,
    Residence,
)
from jishi.community.permissions import GROUP_BUY_SETTINGS, LEADER_REVIEW, SHOP_COMMUNITY
from jishi.core import audit, crypto
from jishi.core.actors import Actor, user_of
from jishi.core.errors import InvalidInput
from jishi.core.money import Money, percent_to_basis_points
from jishi.core.permissions import AUTHENTICATED, check
from jishi.core.phrases import phrase
from jishi.core.ratelimit import FailureWindow
from jishi.ledger.services import leader_commission_post, payout_account_set, payout_request
from jishi.merchants.selectors import merchant_for, merchant_owner_id
from jishi.notifications.services import Message, notify_all
from jishi.orders.selectors import line_units_cost
from jishi.orders.services import (
    order_close_refunded,
    order_lines_settle_aftersales,
    order_picked_up,
    orders_send_to_point,
)
from jishi.orders.states import ActorRole
from jishi.payments.services import refund_create

CODE_CONTEXT = "community.pickup_code"


def _refuse(code: str, message: Any, field_name: str) -> InvalidInput:
    return InvalidInput(message, code=f"community.{code}", field=field_name)


def _text(value: str, field_name: str, most: int) -> str:
    text = value.strip()
    if not 1 <= len(text) <= most:
        raise _refuse(
            f"invalid_{field_name}", _("Fill this in, in at most %(n)s characters.") % {"n": most}, field_name
        )
    return text


# Leaders and pickup points ----------------------------------------------------------------------


@dataclass(frozen=True)
class PointInput:
    name: str
    kind: str
    province: str
    city: str
    district: str
    detail: str
    latitude: float
    longitude: float
    hours: str
    capacity: int


def _point_fields(data: PointInput) -> dict[str, Any]:
    if data.kind not in PointKind.values:
        raise _refuse("invalid_kind", _("Choose what kind of place the point is."), "kind")
    if not -90 <= data.latitude <= 90:
        raise _refuse("latitude_out_of_range", _("A latitude is from -90 to 90."), "latitude")
    if not -180 <= data.longitude <= 180:
        raise _refuse("longitude_out_of_range", _("A longitude is from -180 to 180."), "longitude")
    if not 1 <= data.capacity <= 10_000:
        raise _refuse("capacity_out_of_range", _("A point holds 1 to 10,000 orders."), "capacity")
    return {
        "name": _text(data.name, "name", 40),
        "kind": data.kind,
        "province": _text(data.province, "province", 30),
        "city": _text(data.city, "city", 30),
        "district": _text(data.district, "district", 30),
        "detail": _text(data.detail, "detail", 200),
        "latitude_e6": round(data.latitude * 1_000_000),
        "longitude_e6": round(data.longitude * 1_000_000),
        "hours": _text(data.hours, "hours", 60),
        "capacity": data.capacity,
    }


@transaction.atomic
def leader_apply(*, actor: Actor, data: PointInput) -> Leader:
    """Apply to be a group leader (团长) with a pickup point; an operator reviews it. A rejected applicant may
    apply again. Raises RealNameRequired, AlreadyLeader (applied, approved or suspended), InvalidInput."""
    check(actor, AUTHENTICATED)
    user = user_of(actor)
    if not real_name_verified(user.pk):
        raise RealNameRequired
    fields = _point_fields(data)
    leader = Leader.objects.select_for_update().filter(user=user).first()
    if leader is not None and leader.status != LeaderStatus.REJECTED:
        raise AlreadyLeader
    if leader is None:
        try:
            with transaction.atomic():
                leader = Leader.objects.create(user=user)
        except IntegrityError:  # a concurrent application won
            raise AlreadyLeader from None
    else:
        Leader.objects.filter(pk=leader.pk).update(status=LeaderStatus.APPLIED, applied_at=timezone.now(), reason="")
        leader.refresh_from_db()
    PickupPoint.objects.update_or_create(leader=leader, defaults=fields)
    audit.record(actor=actor, action="community.leader_apply", target=leader)
    return leader


def _decide(actor: Actor, leader_id: int, source: frozenset[str], target: LeaderStatus, reason: str = "") -> Leader:
    check(actor, LEADER_REVIEW)
    leader = selectors.leader_get(leader_id)
    if leader.status == target:
        return leader
    if not Leader.objects.filter(pk=leader.pk, status__in=source).update(
        status=target, decided_at=timezone.now(), decided_by=user_of(actor), reason=reason[:200]
    ):
        raise LeaderNotPending
    audit.record(
        actor=actor,
        action=f"community.leader_{target}",
        target=leader,
        before={"status": leader.status},
        after={"status": target},
        reason=reason,
    )
    leader.refresh_from_db()
    titles = {
        LeaderStatus.APPROVED: gettext_lazy("You are a group leader now"),
        LeaderStatus.REJECTED: gettext_lazy("Your group leader application was not approved"),
        LeaderStatus.SUSPENDED: gettext_lazy("Your pickup point has been suspended"),
    }
    notify_all([Message(leader.user_id, "application_decided", phrase(titles[target]), reason, "/leader/")])
    return leader


@transaction.atomic
def leader_approve(*, actor: Actor, leader_id: int) -> Leader:
    """Approve an application: the point opens for orders. Audited. Raises LeaderNotPending once decided."""
    return _decide(actor, leader_id, frozenset({LeaderStatus.APPLIED}), LeaderStatus.APPROVED)


@transaction.atomic
def leader_reject(*, actor: Actor, leader_id: int, reason: str) -> Leader:
    """Turn an application down with a reason the applicant reads. Audited."""
    return _decide(
        actor, leader_id, frozenset({LeaderStatus.APPLIED}), LeaderStatus.REJECTED, _text(reason, "reason", 200)
    )


@transaction.atomic
def leader_suspend(*, actor: Actor, leader_id: int, reason: str) -> Leader:
    """Suspend an approved leader: their point takes no new orders (what is on its way still arrives). Audited."""
    return _decide(
        actor, leader_id, frozenset({LeaderStatus.APPROVED}), LeaderStatus.SUSPENDED, _text(reason, "reason", 200)
    )


@transaction.atomic
def point_choose(*, actor: Actor, point_id: int) -> Residence:
    """The resident's pickup point, remembered. Raises PointNotFound, PointUnavailable (its leader is not
    approved)."""
    check(actor, AUTHENTICATED)
    point = selectors.point_get(point_id)
    if point.leader.status != LeaderStatus.APPROVED:
        raise PointUnavailable(field="point_id")
    residence, _created = Residence.objects.update_or_create(user=user_of(actor), defaults={"point": point})
    return residence


@transaction.atomic
def share_link_follow(*, actor: Actor, campaign_id: int, leader_id: int) -> Residence:
    """A resident opened a leader's share link for a campaign: the campaign's orders they pay from now on are
    that leader's (their commission). A resident without a pickup point gets the leader's. Raises
    LeaderNotFound, PointUnavailable (the leader is not approved), CampaignNotFound."""
    check(actor, AUTHENTICATED)
    leader = selectors.leader_get(leader_id)
    if leader.status != LeaderStatus.APPROVED:
        raise PointUnavailable(field="leader_id")
    campaign = selectors.campaign_open(campaign_id)
    residence, _created = Residence.objects.get_or_create(user=user_of(actor), defaults={"point": leader.point})
    Residence.objects.filter(pk=residence.pk).update(shared_by=leader, shared_campaign=campaign)
    residence.refresh_from_db()
    return residence


# A leader's earnings ------------------------------------------------------------------------------


def leader_bank_account_set(*, actor: Actor, password: str, holder: str, bank: str, number: str) -> Any:
    """The bank account the leader withdraws commission to (checked by the payout adapter). A suspended leader
    keeps what they earned. Raises NotALeader, InvalidInput."""
    return payout_account_set(
        actor=actor, password=password, holder=holder, bank=bank, number=number, payee=selectors.leader_payee(actor)
    )


def leader_withdraw(*, actor: Actor, amount: Money) -> Any:
    """Withdraw settled commission to the leader's bank account, through the same approval and payout as a
    shop's. Raises NotALeader, InvalidAmount, PayoutAccountMissing, InsufficientBalance."""
    return payout_request(actor=actor, amount=amount, payee=selectors.leader_payee(actor))


# Campaigns ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    sku_id: int
    price: Money


@dataclass(frozen=True)
class CommunityCampaignInput:
    title: str
    items: list[ItemInput]
    starts_at: dt.datetime
    cutoff_at: dt.datetime
    pickup_on: dt.date
    point_ids: list[int] | None = None  # the points it serves; every point when None
    city: str = ""  # or a city it serves
    leader_rate_bp: int | None = None  # the leaders' commission, in basis points; the platform's default if None


@transaction.atomic
def community_campaign_create(*, actor: Actor, data: CommunityCampaignInput) -> CommunityCampaign:
    """Publish a community group buy of the shop's SKUs at community prices, taking orders until the cut-off.
    Audited. Raises PermissionDenied, InvalidInput (``community.*``)."""
    check(actor, SHOP_COMMUNITY)
    merchant = merchant_for(actor)
    title = _text(data.title, "title", 40)
    now = timezone.now()
    if data.cutoff_at <= max(data.starts_at, now):
        raise _refuse("cutoff_in_past", _("The cut-off must be after the start, and in the future."), "cutoff_at")
    if data.pickup_on < timezone.localtime(data.cutoff_at).date():
        raise _refuse("pickup_before_cutoff", _("The pickup date cannot be before the cut-off."), "pickup_on")
    if data.leader_rate_bp is not None and not 0 <= data.leader_rate_bp <= 10_000:
        raise _refuse("rate_out_of_range", _("A commission rate is from 0 to 100 %."), "leader_rate")
    if not 1 <= len(data.items) <= 100 or len({item.sku_id for item in data.items}) != len(data.items):
        raise _refuse("invalid_items", _("Give 1 to 100 SKUs, each once."), "items")
    skus = selectors.skus_of_merchant(merchant.pk, [item.sku_id for item in data.items])
    for index, item in enumerate(data.items):
        sku = skus.get(item.sku_id)
        if sku is None:
            raise _refuse("sku_not_found", _("Choose SKUs of the shop's products on sale."), f"items.{index}.sku_id")
        if not 1 <= item.price.minor < sku.price_minor:
            raise _refuse(
                "price_not_lower",
                _("The community price must be above ¥0 and below the SKU's own price."),
                f"items.{index}.price",
            )
    points = []
    if data.point_ids:
        points = list(PickupPoint.objects.filter(pk__in=data.point_ids, leader__status=LeaderStatus.APPROVED))
        if len(points) != len(set(data.point_ids)):
            raise _refuse("point_unavailable", _("Choose open pickup points."), "point_ids")
    campaign = CommunityCampaign.objects.create(
        merchant=merchant,
        title=title,
        starts_at=data.starts_at,
        cutoff_at=data.cutoff_at,
        pickup_on=data.pickup_on,
        city=data.city.strip()[:30],
        leader_rate_bp=data.leader_rate_bp,
    )
    campaign.points.set(points)
    CommunityItem.objects.bulk_create(
        CommunityItem(campaign=campaign, sku_id=item.sku_id, price_minor=item.price.minor) for item in data.items
    )
    audit.record(actor=actor, action="community.campaign_create", target=campaign, after={"items": len(data.items)})
    return campaign


@transaction.atomic
def community_campaign_stop(*, actor: Actor, campaign_id: int) -> CommunityCampaign:
    """Stop taking orders in one of the shop's campaigns now; what was paid is still batched at the cut-off.
    Idempotent. Audited. Raises CampaignNotFound (another shop's)."""
    campaign = selectors.campaign_of_merchant(actor, campaign_id)
    if CommunityCampaign.objects.filter(pk=campaign.pk, status=CampaignStatus.ACTIVE).update(
        status=CampaignStatus.STOPPED
    ):
        campaign.status = CampaignStatus.STOPPED
        audit.record(actor=actor, action="community.campaign_stop", target=campaign)
    return campaign


# Pickups ------------------------------------------------------------------------------------------


def _digest(point_id: int, code: str) -> str:
    return crypto.blind_index(f"{point_id}:{code}", context=CODE_CONTEXT)


def _credit(order: Any, campaign: CommunityCampaign) -> dict[str, Any]:
    """Who earns the leader commission on a pickup order, at what rate: the leader whose share link for this
    campaign the buyer followed last, if still approved, or else the point's leader."""
    shared_by = selectors.shared_by(order.buyer_id, campaign.pk)
    rate = campaign.leader_rate_bp if campaign.leader_rate_bp is not None else selectors.default_leader_rate_bp()
    if shared_by is not None:
        return {"leader_id": shared_by, "leader_rate_bp": rate, "via_link": True}
    return {"leader_id": selectors.point_leader_id(order.pickup_point_id), "leader_rate_bp": rate}


def pickups_open(sender: Any = None, *, orders: list[Any], **_kwargs: Any) -> None:
    """Open a pickup, with its code and the leader it earns for, for each paid pickup order among ``orders``
    (payments' ``orders_paid``, inside the payment's transaction)."""
    for order in orders:
        if order.pickup_point_id is None:
            continue
        campaign = selectors.campaign_of_order(order, order.pickup_point_id)
        if campaign is None:  # the quote admits community lines only; a campaign deleted since is not possible
            raise ValueError(f"pickup order {order.number} has no community campaign")
        credit = _credit(order, campaign)
        for _attempt in range(8):  # a code is unique at its point until used: draw again on a clash
            code = f"{secrets.randbelow(1_000_000):06d}"
            try:
                with transaction.atomic():
                    Pickup.objects.create(
                        order=order,
                        point_id=order.pickup_point_id,
                        campaign=campaign,
                        code_sealed=crypto.seal(code, context=CODE_CONTEXT),
                        code_digest=_digest(order.pickup_point_id, code),
                        **credit,
                    )
                break
            except IntegrityError:
                if Pickup.objects.filter(order=order).exists():  # a repeat: opened already
                    break
        else:
            raise RuntimeError("no free pickup code at the point after 8 draws")


def pickup_code(pickup: Pickup) -> str:
    """The code its buyer shows the leader (only the buyer's pages call this)."""
    return crypto.unseal(pickup.code_sealed, context=CODE_CONTEXT)


def _batch_for(campaign: CommunityCampaign, merchant_id: int, point_id: int) -> Batch:
    found = Batch.objects.filter(
        campaign=campaign, merchant_id=merchant_id, point_id=point_id, status=BatchStatus.PACKING
    ).first()
    return found or Batch.objects.create(campaign=campaign, merchant_id=merchant_id, point_id=point_id)


@transaction.atomic
def campaign_cut_off(*, campaign_id: int) -> int:
    """Put the campaign's paid pickups not in a batch yet into their shop's packing batch for their point (one
    is made when none is packing): at the cut-off, and again for payments that land after it. Idempotent and
    safe to race: a pickup joins one batch. Returns how many it put in."""
    campaign = CommunityCampaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.cutoff_at > timezone.now():
        return 0
    if not campaign.cut_off:
        CommunityCampaign.objects.filter(pk=campaign.pk).update(cut_off=True)
    placed = 0
    for pickup in selectors.pickups_to_batch(campaign.pk):
        if pickup.order.status != "paid":
            continue
        batch = _batch_for(campaign, pickup.order.merchant_id, pickup.point_id)
        placed += Pickup.objects.filter(pk=pickup.pk, batch__isnull=True).update(batch=batch)
    return placed


def campaigns_cut_off_due() -> int:
    """The sweep: batch every campaign past its cut-off (within a week of it). Returns how many it looked at."""
    due = selectors.campaigns_due(now=timezone.now())
    for campaign_id in due:
        campaign_cut_off(campaign_id=campaign_id)
    return len(due)


@transaction.atomic
def batch_send(*, actor: Actor, batch_id: int) -> Batch:
    """The shop sends a packing batch to its point: its orders ship (an order an after-sales request holds stays
    for a later batch). Idempotent. Raises BatchNotFound (another shop's), BatchNotReady."""
    batch = selectors.batch_of_merchant(actor, batch_id)
    if batch.status == BatchStatus.SENT:
        return batch
    if not Batch.objects.filter(pk=batch.pk, status=BatchStatus.PACKING).update(
        status=BatchStatus.SENT, sent_at=timezone.now()
    ):
        raise BatchNotReady
    pickups = selectors.pickups_of_batch(batch.pk)
    number = f"B{batch.pk:08d}"
    shipped = {
        order.pk
        for order in orders_send_to_point(actor=actor, order_ids=[p.order_id for p in pickups], batch_number=number)
    }
    for pickup in pickups:
        if pickup.order_id in shipped:
            Pickup.objects.filter(pk=pickup.pk, status=PickupStatus.WAITING).update(status=PickupStatus.SENT)
        else:
            Pickup.objects.filter(pk=pickup.pk).update(batch=None)
    audit.record(actor=actor, action="community.batch_sent", target=batch, after={"orders": len(shipped)})
    batch.refresh_from_db()
    return batch


@dataclass(frozen=True)
class Shortage:
    order_line_id: int
    quantity: int  # units that did not arrive, or arrived damaged


@transaction.atomic
def batch_arrive(*, actor: Actor, batch_id: int, shortages: tuple[Shortage, ...] = ()) -> Batch:
    """The leader confirms a sent batch arrived (到货), reporting lines that came short or damaged: those units
    are refunded at once through the gateway that took the money (an order refunded whole closes), and the
    other residents are told their goods are ready to collect. Raises NotALeader, BatchNotFound, BatchNotReady,
    InvalidInput (a shortage of a line not in the batch, or more than its units)."""
    leader = selectors.leader_of(actor)
    batch = selectors.batch_of_leader(leader, batch_id)
    if not Batch.objects.filter(pk=batch.pk, status=BatchStatus.SENT).update(
        status=BatchStatus.ARRIVED, arrived_at=timezone.now()
    ):
        raise BatchNotReady
    pickups = selectors.pickups_of_batch(batch.pk)
    lines = {line.pk: line for p in pickups for line in p.order.lines.all()}
    short: dict[int, int] = {}
    for index, item in enumerate(shortages):
        line = lines.get(item.order_line_id)
        if line is None or not 1 <= item.quantity <= line.quantity - line.refunded_quantity - short.get(line.pk, 0):
            raise _refuse(
                "invalid_shortage", _("Report at most the units of an order in this batch."), f"shortages.{index}"
            )
        short[line.pk] = short.get(line.pk, 0) + item.quantity
    now = timezone.now()
    messages = []
    for pickup in pickups:
        order = pickup.order
        refunds = [(line, short[line.pk]) for line in order.lines.all() if line.pk in short]
        if refunds:
            amount = sum(line_units_cost(line, quantity, line.refunded_quantity) for line, quantity in refunds)
            refund_create(
                order=order,
                amount=Money(amount, order.currency),
                reason=phrase(gettext_lazy("Short or damaged on arrival at the pickup point")),
                reference=f"pickup-short:{pickup.pk}",
            )
            order_lines_settle_aftersales(lines=[(line.pk, q) for line, q in refunds], refunded=True, returned=False)
        left = sum(line.quantity - line.refunded_quantity - short.get(line.pk, 0) for line in order.lines.all())
        if not left:
            order_close_refunded(
                order_id=order.pk, actor=actor, role=ActorRole.LEADER, reason=phrase(gettext_lazy("Nothing arrived"))
            )
            Pickup.objects.filter(pk=pickup.pk).update(status=PickupStatus.CANCELLED)
            continue
        Pickup.objects.filter(pk=pickup.pk, status=PickupStatus.SENT).update(status=PickupStatus.READY, ready_at=now)
        messages.append(
            Message(
                order.buyer_id,
                "pickup_ready",
                phrase(gettext_lazy("Your order is ready at %(point)s"), point=leader.point.name),
                phrase(gettext_lazy("Show your pickup code there: %(hours)s."), hours=leader.point.hours),
                f"/orders/{order.number}/",
            )
        )
    notify_all(messages)
    audit.record(actor=actor, action="community.batch_arrived", target=batch, after={"short": short})
    batch.refresh_from_db()
    return batch


def _wrong_codes() -> FailureWindow:
    return FailureWindow("pickup-code", limit=settings.JISHI_PICKUP_CODE_TRIES, window_seconds=60)


@transaction.atomic
def pickup_verify(*, actor: Actor, code: str) -> Pickup:
    """The leader checks a resident's pickup code and hands the goods over: the order is delivered, and the
    leader commission on it is booked (to be settled with the order, less what refunds take back). Once per
    code. Wrong codes (another point's too) are throttled per leader. Raises NotALeader, TooManyWrongCodes (429),
    WrongPickupCode, PickupNotReady (not arrived yet), PickupUsed."""
    leader = selectors.leader_of(actor)
    window, key = _wrong_codes(), str(leader.pk)
    if window.retry_after(key) is not None:
        raise TooManyWrongCodes
    text = code.strip()
    pickup = selectors.pickup_by_code(leader.point.pk, _digest(leader.point.pk, text)) if text.isdecimal() else None
    if pickup is None or pickup.status == PickupStatus.CANCELLED:
        window.hit(key)
        raise WrongPickupCode(field="code")
    if pickup.status == PickupStatus.COLLECTED:
        raise PickupUsed(field="code")
    if pickup.status != PickupStatus.READY:
        raise PickupNotReady(field="code")
    if not Pickup.objects.filter(pk=pickup.pk, status=PickupStatus.READY).update(
        status=PickupStatus.COLLECTED, collected_at=timezone.now()
    ):
        raise PickupUsed(field="code")
    order_picked_up(actor=actor, order_id=pickup.order_id)
    leader_commission_post(order=pickup.order, leader_id=pickup.leader_id or leader.pk, rate_bp=pickup.leader_rate_bp)
    audit.record(actor=actor, action="community.picked_up", target=pickup.order)
    pickup.refresh_from_db()
    return pickup


def pickups_flag_uncollected() -> int:
    """Tell the leader and the shop about orders ready for longer than the group-buy settings' uncollected days,
    once each. Returns how many were flagged."""
    before = timezone.now() - dt.timedelta(days=selectors.group_buy_settings().uncollected_days)
    flagged = 0
    for pickup in selectors.pickups_uncollected(before=before):
        with transaction.atomic():
            if not Pickup.objects.filter(pk=pickup.pk, flagged_at__isnull=True).update(flagged_at=timezone.now()):
                continue
            number = pickup.order.number
            title = phrase(gettext_lazy("Order %(number)s has not been collected"), number=number)
            owner = merchant_owner_id(pickup.order.merchant_id)
            notify_all(
                [
                    Message(pickup.point.leader.user_id, "pickup_uncollected", title, link="/leader/"),
                    *(
                        [Message(owner, "pickup_uncollected", title, link=f"/merchant/orders/{number}/")]
                        if owner
                        else []
                    ),
                ]
            )
            flagged += 1
    return flagged


# The operators' group-buy settings ------------------------------------------------------------------------------


def _whole_number_in(value: Any, bounds: tuple[int, int], code: str, message: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise _refuse(code, message, field_name)
    return value


def _settings_values(row: GroupBuySettings) -> dict[str, int]:
    return {
        "team_window_hours": row.team_window_hours,
        "leader_rate_bp": row.leader_rate_bp,
        "uncollected_days": row.uncollected_days,
    }


def _checked_settings(team_window_hours: Any, leader_rate: str, uncollected_days: Any) -> dict[str, int]:
    hours = _whole_number_in(
        team_window_hours,
        TEAM_WINDOW_HOURS_RANGE,
        "window_out_of_range",
        _("A group may have 1 to 72 hours to fill."),
        "team_window_hours",
    )
    try:
        rate_bp = percent_to_basis_points(str(leader_rate), most=LEADER_RATE_BP_RANGE[1])
    except ValueError:
        message = _("A commission rate is a percentage from 0 to 100 with at most two decimals.")
        raise _refuse("invalid_rate", message, "leader_rate") from None
    days = _whole_number_in(
        uncollected_days,
        UNCOLLECTED_DAYS_RANGE,
        "days_out_of_range",
        _("An uncollected order is flagged after 1 to 30 days."),
        "uncollected_days",
    )
    return {"team_window_hours": hours, "leader_rate_bp": rate_bp, "uncollected_days": days}


@transaction.atomic
def group_buy_settings_set(
    *, actor: Actor, team_window_hours: int, leader_rate: str, uncollected_days: int
) -> GroupBuySettings:
    """Save the platform's group-buy settings: the hours a new 拼团 campaign's groups have to fill when the shop
    gives none (1 to 72), the leaders' commission on a community campaign that sets none (a percentage such as
    ``"12.5"``, 0 to 100 with at most two decimals) and the days after which a ready pickup not collected is
    flagged (1 to 30). They apply from the next campaign, paid order and sweep on; what was made keeps its own.

    Audited with the values before (the environment's, the first time) and after; saving the values already saved
    changes nothing and records nothing. Raises PermissionDenied (administrators only), InvalidInput
    (``community.window_out_of_range``, ``community.invalid_rate``, ``community.days_out_of_range``, each naming
    its field) before anything is written.
    """
    check(actor, GROUP_BUY_SETTINGS)
    after = _checked_settings(team_window_hours, leader_rate, uncollected_days)
    user = user_of(actor)
    before = _settings_values(GroupBuySettings())  # the environment's values until the row is first saved
    row, created = GroupBuySettings.objects.get_or_create(
        pk=GroupBuySettings.SINGLETON_PK, defaults={**after, "updated_by": user}
    )
    if not created:
        row = GroupBuySettings.objects.select_for_update().get(pk=GroupBuySettings.SINGLETON_PK)
        before = _settings_values(row)
        if before == after:
            return row
        for name, value in after.items():
            setattr(row, name, value)
        row.updated_by = user
        row.save()
    audit.record(actor=actor, action="community.settings_set", target=row, before=before, after=after)
    return row
