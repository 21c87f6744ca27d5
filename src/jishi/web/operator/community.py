"""Operator console: community group buying (社区团购) — the group leaders' applications, the pickup points on a
map, the group-buy settings, and the group-buying figures of the dashboard.

Reviewers and administrators (LEADER_REVIEW) decide applications and
suspend leaders; administrators (GROUP_BUY_SETTINGS) set the default group
window, leader commission and pickup deadline; every operator who sees the
dashboard sees its figures.
The map is drawn here, on the server, as SVG geometry for the template:
no tiles, no script, nothing fetched from elsewhere.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.community import selectors, services
from jishi.community.models import (
    TEAM_WINDOW_HOURS_RANGE,
    UNCOLLECTED_DAYS_RANGE,
    LeaderStatus,
    PickupPoint,
)
from jishi.community.permissions import GROUP_BUY_SETTINGS, LEADER_REVIEW
from jishi.core.actors import Actor
from jishi.core.errors import DomainError
from jishi.core.money import basis_points_to_percent
from jishi.groupbuy import selectors as groupbuy_selectors
from jishi.web.forms import DomainErrorsMixin, ReasonForm
from jishi.web.pages import decide, page

FIGURES_DAYS = 30

# The pickup points' map ----------------------------------------------------------------------------------------

MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 960, 400, 40  # in viewBox units; the margin keeps edge pins whole
MIN_SPAN = 0.02  # degrees (about 2 km): one point, or points at one place, still get a neighbourhood around them
GRID_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 45, 90)
MOST_GRID_LINES = 6


@dataclass(frozen=True)
class Pin:
    """A pickup point on the map, at viewBox coordinates, coloured by its leader's status (a CSS class)."""

    point_id: int
    x: float
    y: float
    name: str
    status: str
    status_label: str


@dataclass(frozen=True)
class GridLine:
    """A meridian (at ``position`` along x) or a parallel (along y), labelled in degrees."""

    position: float
    label: str


@dataclass(frozen=True)
class PointMap:
    width: int
    height: int
    pins: list[Pin]
    meridians: list[GridLine]
    parallels: list[GridLine]


def _grid(
    low: float, high: float, to_view: Callable[[float], float], label: Callable[[float, int], str]
) -> list[GridLine]:
    """Round-degree lines across ``low`` … ``high`` (degrees), at most MOST_GRID_LINES of them."""
    step = next((s for s in GRID_STEPS if (high - low) / s <= MOST_GRID_LINES), GRID_STEPS[-1])
    places = max(0, -math.floor(math.log10(step)))
    first = math.ceil(low / step)
    return [
        GridLine(round(to_view(n * step), 1), label(n * step, places))
        for n in range(first, math.floor(high / step) + 1)
    ]


def _degrees(value: float, places: int, positive: str, negative: str) -> str:
    return f"{abs(value):.{places}f}°{positive if value >= 0 else negative}"


def point_map(
    points: Sequence[PickupPoint], *, width: int = MAP_WIDTH, height: int = MAP_HEIGHT, margin: int = MAP_MARGIN
) -> PointMap:
    """The points projected into a ``width`` × ``height`` viewBox: equirectangular (a degree of longitude is
    cos(latitude) of a degree of latitude, at the middle latitude of the points), one scale on both axes,
    their bounding box centred and fitted inside ``margin``. North is up. Each point's leader is loaded."""
    if not points:
        return PointMap(width, height, [], [], [])
    lats = [p.latitude for p in points]
    lngs = [p.longitude for p in points]
    middle_lat, middle_lng = (min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2
    shrink = max(math.cos(math.radians(middle_lat)), 0.01)  # longitude's degree, in degrees of latitude
    span_x = max((max(lngs) - min(lngs)) * shrink, MIN_SPAN)
    span_y = max(max(lats) - min(lats), MIN_SPAN)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)  # viewBox units per degree

    def x_of(lng: float) -> float:
        return round(width / 2 + (lng - middle_lng) * shrink * scale, 1)

    def y_of(lat: float) -> float:
        return round(height / 2 - (lat - middle_lat) * scale, 1)

    labels = dict(LeaderStatus.choices)
    pins = [
        Pin(p.pk, x_of(p.longitude), y_of(p.latitude), p.name, p.leader.status, str(labels[p.leader.status]))
        for p in points
    ]
    # the degrees the whole viewBox shows, so the grid runs edge to edge
    half_lng, half_lat = width / 2 / (shrink * scale), height / 2 / scale
    return PointMap(
        width,
        height,
        # the open points last, so they are drawn over the closed ones they share a place with
        sorted(pins, key=lambda pin: (pin.status == LeaderStatus.APPROVED, pin.point_id)),
        _grid(middle_lng - half_lng, middle_lng + half_lng, x_of, lambda v, n: _degrees(v, n, "E", "W")),
        _grid(middle_lat - half_lat, middle_lat + half_lat, y_of, lambda v, n: _degrees(v, n, "N", "S")),
    )


# Pages ---------------------------------------------------------------------------------------------------------


def _status(request: HttpRequest) -> str:
    status = request.GET.get("status", LeaderStatus.APPLIED)
    return status if status in LeaderStatus.values else LeaderStatus.APPLIED


@page(LEADER_REVIEW)
def leaders(request: HttpRequest) -> HttpResponse:
    """The leader applications awaiting review (oldest first), or the leaders approved, rejected or suspended."""
    status = _status(request)
    context = {
        "leaders": selectors.leaders_for_review(actor_of(request), status=status),
        "status": status,
        "statuses": LeaderStatus.choices,
    }
    return render(request, "operator/community/leaders.html", context)


@require_POST
@page(LEADER_REVIEW)
def leader_decide(request: HttpRequest, leader_id: int) -> HttpResponse:
    actor = actor_of(request)
    decide(
        request,
        approve=lambda: services.leader_approve(actor=actor, leader_id=leader_id),
        reject=lambda reason: services.leader_reject(actor=actor, leader_id=leader_id, reason=reason),
        messages_=(_("Approved: the pickup point is open for orders."), _("Application rejected.")),
    )
    return redirect("operator:leaders")


@require_POST
@page(LEADER_REVIEW)
def leader_suspend(request: HttpRequest, leader_id: int) -> HttpResponse:
    """Suspend an approved leader, with the reason they read."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.leader_suspend(actor=actor_of(request), leader_id=leader_id, reason=form.cleaned_data["reason"])
        messages.success(request, _("Leader suspended: their point takes no new orders."))
    else:
        messages.error(request, _("Give the reason for the suspension."))
    return redirect(f"{reverse('operator:leaders')}?status={LeaderStatus.APPROVED}")


@page(LEADER_REVIEW)
def pickup_points(request: HttpRequest) -> HttpResponse:
    """Every pickup point, in a table and on a map."""
    points = list(selectors.points_for_operator(actor_of(request)))
    context = {"points": points, "map": point_map(points), "statuses": LeaderStatus.choices}
    return render(request, "operator/community/pickup_points.html", context)


# The group-buy settings ----------------------------------------------------------------------------------------


def _bounded(low: int, high: int) -> forms.NumberInput:
    """A number input with the service's range for the browser's keyboard and spinner; the service checks it."""
    return forms.NumberInput(attrs={"min": low, "max": high, "step": 1, "inputmode": "numeric"})


class GroupBuySettingsForm(DomainErrorsMixin, forms.Form):
    """The three settings; their ranges are the service's, whose errors land on these fields."""

    team_window_hours = forms.IntegerField(
        label=gettext_lazy("Hours to fill"),
        widget=_bounded(*TEAM_WINDOW_HOURS_RANGE),
        help_text=gettext_lazy("For a new 拼团 campaign whose shop gives none. 1 to 72."),
    )
    leader_rate = forms.CharField(
        label=gettext_lazy("Leader commission (%)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("For a community group buy that sets none. 0 to 100, for example 10 or 12.5."),
    )
    uncollected_days = forms.IntegerField(
        label=gettext_lazy("Days before an uncollected order is flagged"),
        widget=_bounded(*UNCOLLECTED_DAYS_RANGE),
        help_text=gettext_lazy("The leader and the shop are told once. 1 to 30."),
    )


@page(GROUP_BUY_SETTINGS)
def group_buy_settings(request: HttpRequest) -> HttpResponse:
    """The group-buy settings in force, and the form to change them (administrators)."""
    rules = selectors.group_buy_settings()
    leader_rate = basis_points_to_percent(rules.leader_rate_bp)
    if request.method == "POST":
        form = GroupBuySettingsForm(request.POST)
        if form.is_valid():
            try:
                services.group_buy_settings_set(actor=actor_of(request), **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Group-buy settings saved. They apply from now on."))
                return redirect("operator:group_buy_settings")
    else:
        current = {"team_window_hours": rules.team_window_hours, "uncollected_days": rules.uncollected_days}
        form = GroupBuySettingsForm(initial={**current, "leader_rate": leader_rate})
    context = {"form": form, "rules": rules, "leader_rate": leader_rate}
    return render(request, "operator/community/settings.html", context, status=422 if form.errors else 200)


# The dashboard's figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupBuyingFigures:
    days: int
    formed: int  # 拼团 groups formed, of those closed in the period
    closed: int
    fill_rate: Decimal | None  # None when no group closed
    points: list[selectors.PointOrders]


def group_buying_figures(actor: Actor, *, now: dt.datetime | None = None) -> GroupBuyingFigures:
    """The last FIGURES_DAYS days of group buying: how many 拼团 groups formed, and what each pickup point sold."""
    since = (now or timezone.now()) - dt.timedelta(days=FIGURES_DAYS)
    formed, closed = groupbuy_selectors.fill_rate(since=since)
    rate = Decimal(formed) / Decimal(closed) if closed else None
    points = selectors.orders_per_point(actor, since=since)
    return GroupBuyingFigures(FIGURES_DAYS, formed, closed, rate, points)
