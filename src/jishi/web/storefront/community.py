"""社区团购 for residents: their pickup point's campaigns (团购), choosing the point, nearest first, and a group
leader's share link (分享链接), which makes the campaign's orders the leader's."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts import selectors as accounts
from jishi.accounts.auth import actor_of
from jishi.community import selectors, services
from jishi.core.errors import DomainError
from jishi.core.permissions import AUTHENTICATED, PUBLIC
from jishi.web.pages import page


class PlaceForm(forms.Form):
    """Where the resident is: coordinates (the page's button fills them from the phone's location, or typed)."""

    lat = forms.FloatField(label=gettext_lazy("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=gettext_lazy("Longitude"), min_value=-180, max_value=180)


@page(PUBLIC)
def community_home(request: HttpRequest) -> HttpResponse:
    """社区团购: the campaigns the resident's point receives, each with its cut-off and pickup date; to choose a
    point first when there is none."""
    point = selectors.residence_of(request.user) if request.user.is_authenticated else None
    campaigns = selectors.campaigns_for_point(point, now=timezone.now()) if point else []
    for campaign in campaigns:
        for item in campaign.items.all():  # prefetched: the options that pick its SKU in the cart's form
            item.options = sorted((item.sku.options or {}).items())  # type: ignore[attr-defined]
    # the checkout of the cart's lines of these campaigns, collected at the point
    skus = sorted({item.sku_id for campaign in campaigns for item in campaign.items.all()})
    merchants = sorted({campaign.merchant_id for campaign in campaigns})
    query = [("item", str(sku_id)) for sku_id in skus] + [("pickup", str(m)) for m in merchants]
    checkout = f"{reverse('buyer:checkout')}?{urlencode(query)}"
    return render(
        request,
        "storefront/community.html",
        {"point": point, "campaigns": campaigns, "checkout": checkout},
    )


@page(PUBLIC)
def community_points(request: HttpRequest) -> HttpResponse:
    """Choose a pickup point: nearest first from the place given (or the phone's location), else those of the
    city of the resident's default address."""
    form = PlaceForm(request.GET or None)
    nearby: list[Any] = []
    city = ""
    if form.is_bound and form.is_valid():
        nearby = selectors.points_nearest(latitude=form.cleaned_data["lat"], longitude=form.cleaned_data["lng"])
    elif request.user.is_authenticated:
        address = accounts.address_list_for(request.user).filter(is_default=True).first()
        if address is not None:
            city = address.city or address.province
            nearby = [selectors.Nearby(point, None) for point in selectors.points_in_city(city)]
    chosen = selectors.residence_of(request.user) if request.user.is_authenticated else None
    return render(
        request,
        "storefront/community_points.html",
        {"form": form, "nearby": nearby, "city": city, "chosen": chosen},
    )


@require_POST
@page(AUTHENTICATED)
def community_point_choose(request: HttpRequest, point_id: int) -> HttpResponse:
    point = services.point_choose(actor=actor_of(request), point_id=point_id).point
    messages.success(request, _("Your pickup point is %(name)s.") % {"name": point.name})
    return redirect("storefront:community")


SHARE_REFUSALS = {
    "community.campaign_not_found": gettext_lazy(
        "This group buy has closed. Here is what your pickup point receives now."
    ),
    "community.leader_not_found": gettext_lazy(
        "The group leader of this link is not taking orders now. You can still order through your own pickup point."
    ),
    "community.point_unavailable": gettext_lazy(
        "The group leader of this link is not taking orders now. You can still order through your own pickup point."
    ),
}


@page(AUTHENTICATED)
def community_share(request: HttpRequest, campaign_id: int, leader_id: int) -> HttpResponse:
    """A group leader's share link (分享链接), opened: the campaign's orders the resident pays from now on earn
    that leader's commission, and the resident goes on to the community page (with the leader's point if they
    had none). Signed out, they log in first and come back here. A closed campaign or a leader not approved
    is said on the community page."""
    try:
        services.share_link_follow(actor=actor_of(request), campaign_id=campaign_id, leader_id=leader_id)
    except DomainError as exc:
        messages.error(request, SHARE_REFUSALS.get(exc.code, exc.message))
        return redirect("storefront:community")
    sharer = selectors.leader_get(leader_id)
    messages.success(
        request,
        _("You are joining through the share of the group leader of “%(point)s”.") % {"point": sharer.point.name},
    )
    return redirect("storefront:community")
