"""Writes of analytics: recording a visit, computing the member segments, and sending a coupon to a segment."""

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from jishi.analytics import selectors
from jishi.analytics.errors import ShopTemplate
from jishi.analytics.models import (
    ACTIVE_DAYS,
    AT_RISK_DAYS,
    HIGH_VALUE_ORDERS,
    HIGH_VALUE_SHARE_PERCENT,
    NEW_DAYS,
    SITE,
    WINDOW_DAYS,
    MemberSegment,
    Segment,
    SegmentCampaign,
    SegmentCampaignCoupon,
    Visit,
)
from jishi.analytics.permissions import MEMBER_SEGMENTS
from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.money import CURRENCY
from jishi.core.permissions import check
from jishi.ledger.selectors import refunds_per_buyer
from jishi.orders.selectors import BuyerPurchases, buyer_purchases
from jishi.promotions import selectors as promotions_selectors
from jishi.promotions.errors import (
    CouponLimitReached,
    CouponNotClaimable,
    CouponsGone,
    CouponTemplateNotFound,
)
from jishi.promotions.services import coupon_grant

_DAY_SECONDS = 25 * 3600  # a little over a day: the key names its day, so it only has to outlive it


def visit_record(*, visitor: str, merchant_id: int | None = None) -> None:
    """Count ``visitor`` today on the site and, for a shop's page, on that shop. One INSERT, duplicates ignored.

    A visitor's further pages of the day (of the site, or of the same shop)
    are known from the shared cache and write nothing.
    """
    day = timezone.localdate()
    if not cache.add(f"analytics:visit:{day.isoformat()}:{merchant_id or SITE}:{visitor}", 1, _DAY_SECONDS):
        return
    rows = [Visit(day=day, scope=SITE, visitor=visitor)]
    if merchant_id:
        rows.append(Visit(day=day, scope=merchant_id, visitor=visitor))
    Visit.objects.bulk_create(rows, ignore_conflicts=True)


# Member segments (用户画像, RFM) ---------------------------------------------------------------------------------


def _high_value_floor(monetary: list[int]) -> int | None:
    """The least spend in the top HIGH_VALUE_SHARE_PERCENT of ``monetary`` (at least one buyer); None when nobody
    spent anything. Buyers tied with it are in the top share too, so equal spend never splits two buyers."""
    ranked = sorted(monetary, reverse=True)
    if not ranked or ranked[0] <= 0:
        return None
    top = max(1, -(-len(ranked) * HIGH_VALUE_SHARE_PERCENT // 100))  # ceiling
    return max(ranked[top - 1], 1)


def _segment(recency_days: int, first_paid_days: int, frequency: int, monetary: int, floor: int | None) -> Segment:
    if first_paid_days <= NEW_DAYS:
        return Segment.NEW
    if recency_days <= ACTIVE_DAYS:
        if frequency >= HIGH_VALUE_ORDERS and floor is not None and monetary >= floor:
            return Segment.HIGH_VALUE
        return Segment.ACTIVE
    if recency_days <= AT_RISK_DAYS:
        return Segment.AT_RISK
    return Segment.LAPSED


def _days_between(earlier: dt.datetime, today: dt.date) -> int:
    return max(0, (today - timezone.localdate(earlier)).days)


def member_segments_compute(*, now: dt.datetime | None = None) -> int:
    """Replace every buyer's segment with one computed from their paid orders as of ``now``. Returns how many
    buyers have a segment.

    Every buyer with at least one paid order (``orders.selectors.buyer_purchases``: paid, and not a 拼团 order
    still waiting for its group) gets one row with R, F and M:

    - recency: calendar days (site time zone) from their last paid order to today;
    - frequency: their paid orders of the last 365 days, less those refunded in full (closed);
    - monetary: what those 365 days' orders paid less what was refunded on them (the ledger's refunds), in fen.

    and the first of these segments that fits, in this order:

    - ``new`` (新客): their first paid order at most 30 days ago;
    - ``high_value`` (高价值): recency at most 90 days, frequency at least 3, and monetary in the top 20 % of all
      segmented buyers (ranked by monetary; buyers tied with the last of the top 20 % are in it; never 0);
    - ``active`` (活跃): recency at most 90 days;
    - ``at_risk`` (流失风险): recency 91 to 180 days;
    - ``lapsed`` (已流失): recency over 180 days.

    Deterministic: the same orders and ``now`` give the same rows. Idempotent. The orders are read first and the
    table is then replaced in one transaction, so a reader sees either the old segments or the new, never a mix,
    and the database's write lock is held only for the replacement.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - dt.timedelta(days=WINDOW_DAYS)
    purchases: list[BuyerPurchases] = buyer_purchases(since=since, currency=CURRENCY)
    refunds = refunds_per_buyer(paid_since=since, currency=CURRENCY)
    monetary = {p.buyer_id: p.paid_minor - refunds.get(p.buyer_id, 0) for p in purchases}
    floor = _high_value_floor(list(monetary.values()))
    rows = []
    for bought in purchases:
        recency = _days_between(bought.last_paid_at, today)
        spend = monetary[bought.buyer_id]
        rows.append(
            MemberSegment(
                user_id=bought.buyer_id,
                segment=_segment(recency, _days_between(bought.first_paid_at, today), bought.orders, spend, floor),
                recency_days=recency,
                frequency=bought.orders,
                monetary_minor=spend,
                currency=CURRENCY,
                first_paid_at=bought.first_paid_at,
                computed_at=now,
            )
        )
    with transaction.atomic():
        MemberSegment.objects.all().delete()
        MemberSegment.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _give_all(template_id: int, member_ids: list[int], now: dt.datetime) -> list[int]:
    """One coupon to each member who can still get one, in order; the coupon ids given. A member at the template's
    per-user limit is passed over; once the coupons run out (or the template stops meanwhile) nobody else can get
    one, so the rest are passed over without asking."""
    given = []
    for user_id in member_ids:
        try:
            with transaction.atomic():  # a refused grant undoes only itself
                given.append(coupon_grant(template_id=template_id, user_id=user_id, now=now).pk)
        except CouponLimitReached:
            continue
        except (CouponsGone, CouponNotClaimable):
            break
    return given


@transaction.atomic
def segment_coupons_send(*, actor: Actor, segment: str, template_id: int) -> SegmentCampaign:
    """Give each member of ``segment`` one coupon of the platform template ``template_id`` (``promotions.services.
    coupon_grant``: its quantity and per-user limit hold), record the campaign and the coupons it gave, audited.

    Administrators only (PLATFORM_PROMOTIONS). The members are the segment's as last computed. A member who cannot
    get one (at the limit, or the coupons are gone) is skipped and counted: ``targeted - given``. Not idempotent:
    each send is a campaign of its own (the per-user limit is what stops a second coupon).
    Raises PermissionDenied, UnknownSegment (422), CouponTemplateNotFound (404), ShopTemplate (422),
    CouponNotClaimable (409, a template stopped or ended).
    """
    check(actor, MEMBER_SEGMENTS)
    chosen = selectors.segment_of(segment)
    now = timezone.now()
    template = promotions_selectors.template_get(template_id)
    if template is None:
        raise CouponTemplateNotFound(field="template_id")
    if template.merchant_id is not None:
        raise ShopTemplate(field="template_id")
    if not promotions_selectors.platform_templates_live(now=now).filter(pk=template.pk).exists():
        raise CouponNotClaimable(field="template_id")
    members = selectors.segment_member_ids(chosen)
    given = _give_all(template.pk, members, now)
    campaign = SegmentCampaign.objects.create(
        segment=chosen, template=template, targeted=len(members), given=len(given), created_by=user_of(actor)
    )
    SegmentCampaignCoupon.objects.bulk_create(
        [SegmentCampaignCoupon(campaign=campaign, coupon_id=coupon_id) for coupon_id in given], batch_size=500
    )
    audit.record(
        actor=actor,
        action="analytics.segment_coupons_send",
        target=campaign,
        after={
            "segment": chosen.value,
            "template_id": template.pk,
            "targeted": campaign.targeted,
            "given": campaign.given,
            "skipped": campaign.skipped,
        },
    )
    return campaign
