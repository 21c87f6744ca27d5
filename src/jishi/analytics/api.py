"""Dashboards API: the marketplace's figures for operators, a shop's own for its staff; and the member segments
(用户画像) with the coupon campaigns sent to them, for administrators."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.analytics import selectors, services
from jishi.analytics.models import SEGMENT_RULES, MemberSegment, Segment, SegmentCampaign
from jishi.analytics.permissions import MEMBER_SEGMENTS, PLATFORM_FIGURES, SHOP_FIGURES
from jishi.core.api import BodyId, DataOut, IsoDate, MoneyOut, PageNumber, Router, StrictIn, errors, money_out
from jishi.core.pagination import paginate
from jishi.core.permissions import requires

router = Router(tags=["dashboards"], auth=SIGNED_IN)


class DayOut(Schema):
    day: dt.date | None
    gmv: MoneyOut
    orders: int
    paying_buyers: int
    average_order: MoneyOut | None
    visitors: int
    conversion: Decimal | None
    refunds: MoneyOut


class RankedOut(Schema):
    id: int
    name: str
    gmv: MoneyOut
    count: int


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    totals: DayOut
    days: list[DayOut]
    top_merchants: list[RankedOut]
    top_products: list[RankedOut]


def _day(figures: selectors.DayFigures) -> DayOut:
    aov = figures.average_order
    conversion = figures.conversion
    return DayOut(
        day=figures.day,
        gmv=money_out(figures.gmv),
        orders=figures.orders,
        paying_buyers=figures.buyers,
        average_order=money_out(aov) if aov else None,
        visitors=figures.visits,
        conversion=round(conversion, 4) if conversion is not None else None,
        refunds=money_out(figures.refunds),
    )


def figures_out(figures: selectors.Figures) -> FiguresOut:
    def ranked(rows: list[selectors.Ranked]) -> list[RankedOut]:
        return [RankedOut(id=r.id, name=r.name, gmv=money_out(r.gmv), count=r.count) for r in rows]

    return FiguresOut(
        start=figures.start,
        end=figures.end,
        totals=_day(figures.totals),
        days=[_day(d) for d in figures.days],
        top_merchants=ranked(figures.top_merchants),
        top_products=ranked(figures.top_products),
    )


@router.get("/operator/dashboard", response={200: FiguresOut, **errors(401, 403)})
@requires(PLATFORM_FIGURES)
def platform_dashboard(request: HttpRequest, start: IsoDate | None = None, end: IsoDate | None = None) -> FiguresOut:
    """GMV, orders, paying buyers, average order, visitors, conversion and refunds per day (default: 30 days)."""
    return figures_out(selectors.platform_figures(actor_of(request), *selectors.range_of(start, end)))


@router.get("/merchant/dashboard", response={200: FiguresOut, **errors(401, 403)})
@requires(SHOP_FIGURES)
def shop_dashboard(request: HttpRequest, start: IsoDate | None = None, end: IsoDate | None = None) -> FiguresOut:
    """The same figures for the signed-in staff member's shop, with its top products."""
    return figures_out(selectors.shop_figures(actor_of(request), *selectors.range_of(start, end)))


# Member segments (用户画像) ---------------------------------------------------------------------------------------

SEGMENT_TAGS = ["member segments"]
MEMBERS_PAGE_SIZE = 50


class SegmentCountOut(DataOut):
    segment: Segment
    label: str = Field(description="The segment's name in the reader's language")
    rule: str = Field(description="Who is in it, in the reader's language")
    members: int


class SegmentCountsOut(DataOut):
    segments: list[SegmentCountOut] = Field(description="Every segment, in this order, 0 when empty")
    computed_at: dt.datetime | None = Field(description="When the nightly sweep last computed them; null: never")


class SegmentMemberOut(DataOut):
    user_id: int
    name: str = Field(description="Display name, or the masked mobile number or e-mail")
    phone: str = Field(description="Masked mobile number (138****5678); empty when none")
    recency_days: int = Field(description="Days since the last paid order")
    frequency: int = Field(description="Paid orders in the last 365 days, less those refunded in full")
    monetary: MoneyOut = Field(description="Paid less refunded over the last 365 days")
    first_paid_at: dt.datetime


class SegmentMemberPageOut(DataOut):
    segment: Segment
    items: list[SegmentMemberOut]
    count: int
    page: int
    page_size: int
    pages: int


class SegmentCouponsSendIn(StrictIn):
    template_id: BodyId = Field(description="A running platform coupon template")


class SegmentCampaignOut(DataOut):
    id: int
    segment: Segment
    template_id: int
    template_name: str
    targeted: int = Field(description="The segment's members when it was sent")
    given: int = Field(description="Coupons given")
    skipped: int = Field(description="Members who could not get one (at the per-user limit, or the coupons ran out)")
    used: int = Field(description="Of the coupons given, those used at a checkout")
    sent_by: str
    created_at: dt.datetime


def _member_out(member: MemberSegment) -> SegmentMemberOut:
    return SegmentMemberOut(
        user_id=member.user_id,
        name=str(member.user),
        phone=member.user.masked_phone,
        recency_days=member.recency_days,
        frequency=member.frequency,
        monetary=money_out(member.monetary),
        first_paid_at=member.first_paid_at,
    )


def _campaign_out(campaign: SegmentCampaign, used: int) -> SegmentCampaignOut:
    return SegmentCampaignOut(
        id=campaign.pk,
        segment=Segment(campaign.segment),
        template_id=campaign.template_id,
        template_name=campaign.template.name,
        targeted=campaign.targeted,
        given=campaign.given,
        skipped=campaign.skipped,
        used=used,
        sent_by=str(campaign.created_by),
        created_at=campaign.created_at,
    )


@router.get("/operator/segments", response={200: SegmentCountsOut, **errors(401, 403)}, tags=SEGMENT_TAGS)
@requires(MEMBER_SEGMENTS)
def segment_counts(request: HttpRequest) -> SegmentCountsOut:
    """How many members each segment (用户画像, RFM) has, with its rule, as of the last nightly computation."""
    found = selectors.segment_counts(actor_of(request))
    return SegmentCountsOut(
        segments=[
            SegmentCountOut(segment=segment, label=str(segment.label), rule=str(SEGMENT_RULES[segment]), members=n)
            for segment, n in found.counts.items()
        ],
        computed_at=found.computed_at,
    )


@router.get(
    "/operator/segments/{segment}/members", response={200: SegmentMemberPageOut, **errors(401, 403)}, tags=SEGMENT_TAGS
)
@requires(MEMBER_SEGMENTS)
def segment_members(request: HttpRequest, segment: str, page: PageNumber = 1) -> SegmentMemberPageOut:
    """A segment's members, the biggest spenders first, 50 a page; phone numbers masked. 422
    ``analytics.unknown_segment``."""
    found = paginate(selectors.segment_members(actor_of(request), segment), page=page, page_size=MEMBERS_PAGE_SIZE)
    return SegmentMemberPageOut(
        segment=Segment(segment),
        items=[_member_out(member) for member in found.items],
        count=found.count,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
    )


@router.post(
    "/operator/segments/{segment}/coupons",
    response={201: SegmentCampaignOut, **errors(401, 403, 404, 409)},
    tags=SEGMENT_TAGS,
)
@requires(MEMBER_SEGMENTS)
def segment_coupons_send(
    request: HttpRequest, segment: str, payload: SegmentCouponsSendIn
) -> Status[SegmentCampaignOut]:
    """Give each member of the segment one coupon of a running platform template; members at its per-user limit,
    and those after the coupons run out, are skipped and counted (audited). 422 ``analytics.unknown_segment`` or
    ``analytics.shop_template``, 404 ``promotions.template_not_found``, 409 ``promotions.coupon_not_claimable``
    (stopped or ended)."""
    campaign = services.segment_coupons_send(actor=actor_of(request), segment=segment, template_id=payload.template_id)
    return Status(201, _campaign_out(campaign, used=0))


@router.get(
    "/operator/segment-campaigns", response={200: list[SegmentCampaignOut], **errors(401, 403)}, tags=SEGMENT_TAGS
)
@requires(MEMBER_SEGMENTS)
def segment_campaigns(request: HttpRequest) -> list[SegmentCampaignOut]:
    """The latest 100 coupon campaigns sent to segments, newest first, with how many of their coupons were used."""
    return [_campaign_out(row.campaign, row.used) for row in selectors.segment_campaigns(actor_of(request))]
