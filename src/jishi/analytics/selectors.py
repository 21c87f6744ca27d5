"""The dashboards' figures: per day over a range, for the marketplace or one merchant; and the member segments.

A day is a calendar day in the site's time zone. An order counts on the day
it was paid (GMV is what buyers paid, shipping included); refunds count on
the day they were booked; conversion is paying buyers over unique visitors.
Each figure is one grouped query, so a year costs the same number of
queries as a week.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.analytics.errors import UnknownSegment
from jishi.analytics.models import SITE, MemberSegment, Segment, SegmentCampaign, SegmentCampaignCoupon, Visit
from jishi.analytics.permissions import MEMBER_SEGMENTS, PLATFORM_FIGURES, SHOP_FIGURES
from jishi.core import dates
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import check
from jishi.ledger.models import AccountKind, EntryKind, JournalLine
from jishi.merchants.selectors import merchant_for
from jishi.orders.models import Order, OrderLine
from jishi.promotions.selectors import coupons_used

MAX_DAYS = 366
DEFAULT_DAYS = 30
TOP = 5


@dataclass(frozen=True)
class DayFigures:
    day: dt.date | None  # None for the range's totals
    gmv: Money
    orders: int
    buyers: int
    visits: int
    refunds: Money

    @property
    def average_order(self) -> Money | None:
        return Money(self.gmv.minor // self.orders, self.gmv.currency) if self.orders else None

    @property
    def conversion(self) -> Decimal | None:
        """Paying buyers per visitor, as a fraction (0.0312 is 3.12 %)."""
        return Decimal(self.buyers) / Decimal(self.visits) if self.visits else None


@dataclass(frozen=True)
class Ranked:
    id: int
    name: str
    gmv: Money
    count: int  # orders for a merchant, units for a product


@dataclass(frozen=True)
class Figures:
    start: dt.date
    end: dt.date
    days: list[DayFigures]
    totals: DayFigures
    top_merchants: list[Ranked]
    top_products: list[Ranked]


def _refuse_outside_window(*days: dt.date | None) -> None:
    if not all(dates.in_window(day) for day in days if day is not None):
        raise InvalidInput(
            _("Choose dates from 2000-01-01 to a year from today."), code="analytics.bad_range", field="end"
        )


def range_of(start: dt.date | None = None, end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The range asked for, filled in: the end defaults to today, the start to 30 days up to the end.

    Raises InvalidInput for a day outside ``core.dates``' window (no arithmetic on it could be trusted).
    """
    _refuse_outside_window(start, end)
    end = end or timezone.localdate()
    return start or end - dt.timedelta(days=DEFAULT_DAYS - 1), end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    return first, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def orders_placed_between(orders: QuerySet[Order], start: dt.date, end: dt.date) -> QuerySet[Order]:
    """The orders (already scoped to the actor) placed on ``start`` … ``end`` in the site's time zone: an export."""
    first, after = _bounds(start, end)
    return orders.filter(placed_at__gte=first, placed_at__lt=after)


def lines_posted_between(lines: QuerySet[JournalLine], start: dt.date, end: dt.date) -> QuerySet[JournalLine]:
    """The journal lines (already scoped) posted on ``start`` … ``end`` in the site's time zone: an export."""
    first, after = _bounds(start, end)
    return lines.filter(entry__posted_at__gte=first, entry__posted_at__lt=after)


def _figures(start: dt.date, end: dt.date, merchant_id: int | None, currency: str) -> Figures:
    _refuse_outside_window(start, end)
    if end < start or (end - start).days >= MAX_DAYS:
        raise InvalidInput(_("Choose a range of one day to one year."), code="analytics.bad_range", field="end")
    since, until = _bounds(start, end)
    zone = timezone.get_current_timezone()
    shop = Q(merchant_id=merchant_id) if merchant_id else Q()

    paid: QuerySet[Order] = Order.objects.filter(shop, currency=currency, paid_at__gte=since, paid_at__lt=until)
    per_day: dict[Any, Any] = {
        row["day"]: row
        for row in paid.annotate(day=TruncDate("paid_at", tzinfo=zone))
        .values("day")
        .annotate(gmv=Sum("total_minor"), orders=Count("id"), buyers=Count("buyer_id", distinct=True))
        .order_by()
    }
    totals = paid.aggregate(gmv=Sum("total_minor"), orders=Count("id"), buyers=Count("buyer_id", distinct=True))

    visits = Visit.objects.filter(scope=merchant_id or SITE, day__gte=start, day__lte=end)
    visits_per_day = {row["day"]: row["n"] for row in visits.values("day").annotate(n=Count("id")).order_by()}

    refund_lines = JournalLine.objects.filter(
        Q(entry__order__merchant_id=merchant_id) if merchant_id else Q(),
        entry__kind=EntryKind.REFUND,
        account__kind=AccountKind.REFUNDS_PAYABLE,
        currency=currency,
        entry__posted_at__gte=since,
        entry__posted_at__lt=until,
    )
    refunds_per_day = {
        row["day"]: -row["amount"]
        for row in refund_lines.annotate(day=TruncDate("entry__posted_at", tzinfo=zone))
        .values("day")
        .annotate(amount=Sum("amount_minor"))
        .order_by()
    }

    def money(minor: int | None) -> Money:
        return Money(minor or 0, currency)

    days = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        row = per_day.get(day, {})
        days.append(
            DayFigures(
                day=day,
                gmv=money(row.get("gmv")),
                orders=row.get("orders", 0),
                buyers=row.get("buyers", 0),
                visits=visits_per_day.get(day, 0),
                refunds=money(refunds_per_day.get(day)),
            )
        )
    total = DayFigures(
        day=None,
        gmv=money(totals["gmv"]),
        orders=totals["orders"],
        buyers=totals["buyers"],
        visits=visits.values("visitor").distinct().count(),
        refunds=money(sum(refunds_per_day.values())),
    )

    top_merchants = []
    if merchant_id is None:
        top_merchants = [
            Ranked(row["merchant_id"], row["name"], money(row["gmv"]), row["orders"])
            for row in paid.values("merchant_id")
            .annotate(name=Max("merchant__name"), gmv=Sum("total_minor"), orders=Count("id"))
            .order_by("-gmv", "merchant_id")[:TOP]
        ]
    lines = OrderLine.objects.filter(order__in=paid)
    top_products = [
        Ranked(row["product_id"], row["name"], money(row["gmv"]), row["units"])
        for row in lines.values("product_id")
        .annotate(name=Max("title"), gmv=Sum("total_minor"), units=Sum("quantity"))
        .order_by("-gmv", "product_id")[:TOP]
    ]
    return Figures(start, end, days, total, top_merchants, top_products)


def platform_figures(actor: Actor, start: dt.date, end: dt.date, currency: str = CURRENCY) -> Figures:
    """The marketplace's figures per day from ``start`` to ``end`` (inclusive), with its top merchants and products."""
    check(actor, PLATFORM_FIGURES)
    return _figures(start, end, None, currency)


def shop_figures(actor: Actor, start: dt.date, end: dt.date, currency: str = CURRENCY) -> Figures:
    """The actor's merchant's figures per day, with its top products."""
    check(actor, SHOP_FIGURES)
    return _figures(start, end, merchant_for(actor).pk, currency)


# Member segments ------------------------------------------------------------------------------------------------

MAX_CAMPAIGNS = 100


@dataclass(frozen=True)
class SegmentCounts:
    """How many members each segment has (every segment, 0 when empty), as of ``computed_at`` (None: never)."""

    counts: dict[Segment, int]
    computed_at: dt.datetime | None


def segment_of(segment: str) -> Segment:
    """``segment`` as a Segment; UnknownSegment (422, on ``segment``) for anything else."""
    if segment not in Segment.values:
        raise UnknownSegment(field="segment")
    return Segment(segment)


def segment_counts(actor: Actor) -> SegmentCounts:
    """The members per segment and when they were computed, in one grouped query."""
    check(actor, MEMBER_SEGMENTS)
    rows = MemberSegment.objects.values_list("segment").annotate(n=Count("pk"), at=Max("computed_at")).order_by()
    found = {segment: (n, at) for segment, n, at in rows}
    computed = [at for _n, at in found.values()]
    return SegmentCounts(
        counts={segment: found.get(segment, (0, None))[0] for segment in Segment},
        computed_at=max(computed) if computed else None,
    )


def segment_members(actor: Actor, segment: str) -> QuerySet[MemberSegment]:
    """A segment's members, the biggest spenders first (then by user id), each with its user for the name and the
    masked phone. Raises UnknownSegment."""
    check(actor, MEMBER_SEGMENTS)
    chosen = segment_of(segment)
    return MemberSegment.objects.filter(segment=chosen).select_related("user").order_by("-monetary_minor", "user_id")


def segment_member_ids(segment: Segment) -> list[int]:
    """The user ids of a segment's members, in id order (a campaign gives to them in this order)."""
    return list(MemberSegment.objects.filter(segment=segment).order_by("user_id").values_list("user_id", flat=True))


@dataclass(frozen=True)
class CampaignRow:
    campaign: SegmentCampaign
    used: int  # of the coupons it gave, those a checkout has used


def segment_campaigns(actor: Actor) -> list[CampaignRow]:
    """The latest campaigns (MAX_CAMPAIGNS), newest first, with their template, sender and how many of their coupons
    were used: two queries, however many campaigns."""
    check(actor, MEMBER_SEGMENTS)
    campaigns = list(
        SegmentCampaign.objects.select_related("template", "created_by").order_by("-created_at", "-pk")[:MAX_CAMPAIGNS]
    )
    if not campaigns:
        return []
    given = SegmentCampaignCoupon.objects.filter(campaign__in=[c.pk for c in campaigns])
    used = dict(
        given.filter(coupon_id__in=coupons_used(given.values("coupon_id")).values("pk"))
        .values_list("campaign_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [CampaignRow(campaign, used.get(campaign.pk, 0)) for campaign in campaigns]
