"""Operator console: member segments (用户画像, RFM) — how many members each segment has and by which rule, a
segment's members, sending a platform coupon to a segment, and the campaigns sent so far with how many were used.

Administrators only (MEMBER_SEGMENTS, the platform's coupons' permission). The segments are the nightly sweep's
(``analytics.services.member_segments_compute``); a refused send comes back on this page with its error.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.analytics import selectors, services
from jishi.analytics.models import SEGMENT_RULES, Segment
from jishi.analytics.permissions import MEMBER_SEGMENTS
from jishi.core.errors import InvalidInput
from jishi.core.pagination import paginate
from jishi.promotions import selectors as promotions_selectors
from jishi.web.pages import page, page_number

MEMBERS_PAGE_SIZE = 50
MOST_TEMPLATES = 100


@dataclass(frozen=True)
class SegmentCard:
    segment: str
    label: str
    rule: str
    members: int


class SegmentCouponForm(forms.Form):
    template_id = forms.IntegerField(min_value=1, max_value=2**53)


@page(MEMBER_SEGMENTS)
def segments(request: HttpRequest) -> HttpResponse:
    """A card per segment (count, rule, members, a form to send a coupon) and the campaigns sent so far."""
    actor = actor_of(request)
    found = selectors.segment_counts(actor)
    cards = [
        SegmentCard(segment.value, str(segment.label), str(SEGMENT_RULES[segment]), members)
        for segment, members in found.counts.items()
    ]
    context = {
        "cards": cards,
        "computed_at": found.computed_at,
        "templates": list(promotions_selectors.platform_templates_live(now=timezone.now())[:MOST_TEMPLATES]),
        "campaigns": selectors.segment_campaigns(actor),
    }
    return render(request, "operator/segments/segments.html", context)


@page(MEMBER_SEGMENTS)
def segment_members(request: HttpRequest, segment: str) -> HttpResponse:
    """A segment's members, the biggest spenders first, 50 a page, phone numbers masked."""
    if segment not in Segment.values:
        raise Http404
    members = selectors.segment_members(actor_of(request), segment)
    context = {
        "segment": Segment(segment),
        "rule": SEGMENT_RULES[segment],
        "page": paginate(members, page=page_number(request), page_size=MEMBERS_PAGE_SIZE),
    }
    return render(request, "operator/segments/members.html", context)


@require_POST
@page(MEMBER_SEGMENTS)
def segment_coupons(request: HttpRequest, segment: str) -> HttpResponse:
    """Send one coupon of the chosen platform template to each member of the segment."""
    form = SegmentCouponForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose a platform coupon to send."), code="analytics.no_template", field="template_id")
    campaign = services.segment_coupons_send(
        actor=actor_of(request), segment=segment, template_id=form.cleaned_data["template_id"]
    )
    messages.success(
        request,
        _("Coupons sent to %(segment)s: %(given)s given, %(skipped)s skipped (at the limit, or none left).")
        % {"segment": Segment(campaign.segment).label, "given": campaign.given, "skipped": campaign.skipped},
    )
    return redirect("operator:segments")
