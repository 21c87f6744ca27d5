"""会员中心: the member's tier and its benefits, points and the daily check-in (签到), the points history, and
邀请有礼 — the invite code, link and QR code, the invitees, and naming who invited them.

The invite link's landing page is the storefront's (``storefront/invite.py``); both pages give the browser a
device cookie (``DEVICE_COOKIE``), so that an invitation opened on the inviter's own browser rewards nobody.
"""

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.errors import DomainError
from jishi.core.money import Money
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED
from jishi.loyalty import selectors as loyalty
from jishi.loyalty import services as loyalty_services
from jishi.loyalty.errors import AlreadyCheckedIn
from jishi.loyalty.models import TIER_RANK, EntryKind, ReferralStatus, Tier
from jishi.loyalty.selectors import DEVICE_COOKIE, invite_path, masked_name
from jishi.orders.selectors import has_paid_order
from jishi.promotions.selectors import template_get
from jishi.web.forms import DateInput, DomainErrorsMixin
from jishi.web.pages import is_htmx, page, page_number

YEAR_SECONDS = 365 * 24 * 3600
INVITE_COOKIE = "jishi_invite"  # the invite code of the link a visitor came by, until they sign up
INVITE_COOKIE_SECONDS = 30 * 24 * 3600
_DEVICE = re.compile(r"^[0-9a-f]{32}$")
_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
HISTORY_PAGE_SIZE = 20
INVITEES_SHOWN = 100


# The device and invite cookies ---------------------------------------------------------------------------------


def device_of(request: HttpRequest) -> tuple[str, bool]:
    """The browser's device token, and whether it is new (then ``keep_device`` must set it on the answer)."""
    current = request.COOKIES.get(DEVICE_COOKIE, "")
    if _DEVICE.match(current):
        return current, False
    return secrets.token_hex(16), True


def keep_device(response: HttpResponse, device: str, *, fresh: bool) -> HttpResponse:
    """Give the browser its device token for a year (HttpOnly, SameSite=Lax) when it had none."""
    if fresh:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=YEAR_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def remember_invite(response: HttpResponse, code: str) -> HttpResponse:
    """Keep the invite code of the link the visitor came by, for the sign-up that follows."""
    response.set_cookie(
        INVITE_COOKIE,
        code,
        max_age=INVITE_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def invite_code_of_request(request: HttpRequest) -> str:
    """The invite code a sign-up carries: the form's, the query's, or the cookie the landing page left."""
    for candidate in (
        request.POST.get("invite", ""),
        request.GET.get("invite", ""),
        request.COOKIES.get(INVITE_COOKIE, ""),
    ):
        if _CODE.match(candidate):
            return candidate.upper()
    return ""


def bind_after_sign_up(request: HttpRequest, user: Any, code: str) -> bool:
    """Name the inviter of a new account (the sign-up's invite code); a refusal is dropped silently — the code
    was not valid, or it was the same person's — and only a success is said. Returns whether it bound."""
    if not code:
        return False
    device, _fresh = device_of(request)
    try:
        loyalty_services.referral_bind(actor=user, code=code, device=device)
    except DomainError:
        return False
    return True


# 会员中心 ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Benefits:
    """What a tier gives, as the member centre lists it."""

    tier: Tier
    threshold: Money
    multiplier: int
    free_shipping: Money | None
    birthday_coupon: bool
    member_prices: bool

    @property
    def times(self) -> str:
        """The points multiplier as shoppers read it: 150 (per cent) is 1.5 (倍)."""
        return f"{(Decimal(self.multiplier) / 100).normalize():f}"


def _benefits(rules: loyalty.Rules, tier: Tier) -> Benefits:
    return Benefits(
        tier=tier,
        threshold=rules.threshold(tier),
        multiplier=rules.multiplier(tier),
        free_shipping=rules.free_shipping(tier),
        birthday_coupon=rules.birthday_coupon(tier) is not None,
        member_prices=TIER_RANK[tier] >= TIER_RANK[Tier.SILVER],
    )


def _progress(standing: loyalty.Standing, rules: loyalty.Rules) -> int:
    """Per cent of the way from the member's tier to the next one (100 at the top)."""
    if standing.next_tier is None:
        return 100
    low = rules.threshold(standing.tier).minor
    high = rules.threshold(standing.next_tier).minor
    return max(0, min(100, (standing.spend.minor - low) * 100 // max(high - low, 1)))


def _today_points(standing: loyalty.Standing, rules: loyalty.Rules) -> int:
    """What today's check-in earned (or earns), with the streak's bonus on its day."""
    streak = standing.streak if standing.checked_in_today else standing.streak + 1
    return rules.check_in_points + (rules.streak_bonus if streak % rules.streak_days == 0 else 0)


def _points_context(request: HttpRequest, *, just_earned: int | None = None, refused: str = "") -> dict[str, Any]:
    actor = actor_of(request)
    standing = loyalty.standing(actor)
    rules = loyalty.rules()
    return {
        "standing": standing,
        "rules": rules,
        "today_points": _today_points(standing, rules),
        "days_to_bonus": rules.streak_days - standing.streak % rules.streak_days,
        "just_earned": just_earned,
        "refused": refused,
    }


class BirthdayForm(DomainErrorsMixin, forms.Form):
    birthday = forms.DateField(
        label=gettext_lazy("Birthday"),
        widget=DateInput(),
        help_text=gettext_lazy("Set it once: it cannot be changed afterwards."),
    )


@page(AUTHENTICATED)
def member_centre(request: HttpRequest) -> HttpResponse:
    """会员中心: the tier card, the tier's benefits, points with the check-in, the way to the history and the invite
    page, and the birthday (once). Posting the birthday form sets it."""
    actor = actor_of(request)
    form = BirthdayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            loyalty_services.birthday_set(actor=actor, birthday=form.cleaned_data["birthday"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Birthday saved. A birthday coupon comes on the day if your tier has one."))
            return redirect("buyer:member")
    context = _points_context(request)
    standing, rules = context["standing"], context["rules"]
    context |= {
        "benefits": _benefits(rules, standing.tier),
        "tiers": [_benefits(rules, tier) for tier in loyalty.TIERS],
        "progress": _progress(standing, rules),
        "birthday": loyalty.birthday_of(actor),
        "form": form,
    }
    return render(request, "buyer/member/centre.html", context, status=422 if form.errors else 200)


@require_POST
@page(AUTHENTICATED)
def member_check_in(request: HttpRequest) -> HttpResponse:
    """签到: today's points; a second check-in the same day is refused politely. htmx gets the points card back."""
    try:
        entry = loyalty_services.check_in(actor=actor_of(request))
    except AlreadyCheckedIn as exc:
        if is_htmx(request):
            return render(request, "buyer/member/centre.html#points", _points_context(request, refused=exc.message))
        messages.info(request, exc.message)
        return redirect("buyer:member")
    if is_htmx(request):
        return render(request, "buyer/member/centre.html#points", _points_context(request, just_earned=entry.points))
    messages.success(request, _("Checked in: +%(points)d points.") % {"points": entry.points})
    return redirect("buyer:member")


@page(AUTHENTICATED)
def member_points(request: HttpRequest) -> HttpResponse:
    """积分明细: every change of the member's points, newest first, with the order it came from and when an earned
    lot expires."""
    actor = actor_of(request)
    result = paginate(loyalty.entries_of(actor), page=page_number(request), page_size=HISTORY_PAGE_SIZE)
    rows = [(entry, EntryKind(entry.kind).label) for entry in result.items]
    context = {"page": result, "rows": rows, "standing": loyalty.standing(actor)}
    return render(request, "buyer/member/points.html", context)


# 邀请有礼 ----------------------------------------------------------------------------------------------------


class ReferralForm(DomainErrorsMixin, forms.Form):
    code = forms.CharField(label=gettext_lazy("Your friend's invite code"), max_length=20)


def _qr(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#1f2329", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's paths


@page(AUTHENTICATED)
def member_invite(request: HttpRequest) -> HttpResponse:
    """邀请有礼: the member's code, link and QR code, the rewards, whom they invited (one level), and — for a new
    member who has not bought yet — a form to name who invited them."""
    actor = actor_of(request)
    device, fresh = device_of(request)
    form = ReferralForm(request.POST or None, initial={"code": request.GET.get("code", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            bound = loyalty_services.referral_bind(actor=actor, code=form.cleaned_data["code"], device=device)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("Done: %(name)s invited you. You both get points when your first order completes.")
                % {"name": masked_name(bound.inviter)},
            )
            return keep_device(redirect("buyer:member_invite"), device, fresh=fresh)
    code = loyalty_services.invite_code_of(actor=actor, device=device)
    url = request.build_absolute_uri(invite_path(code))
    referral = loyalty.referral_of(actor)
    statuses = dict(ReferralStatus.choices)
    invitees = [(masked_name(r.invitee), r, statuses[r.status]) for r in loyalty.invitees_of(actor)[:INVITEES_SHOWN]]
    rules = loyalty.rules()
    coupon = template_get(rules.invite_template_id) if rules.invite_template_id else None
    context = {
        "code": code,
        "url": url,
        "qr": _qr(url),
        "rules": rules,
        "invite_coupon": coupon.name if coupon is not None else "",
        "invitees": invitees,
        "rewarded": sum(1 for _name, r, _label in invitees if r.status == ReferralStatus.REWARDED),
        "inviter": masked_name(referral.inviter) if referral is not None else "",
        "can_bind": referral is None and not has_paid_order(actor_of(request).pk),
        "form": form,
    }
    response = render(request, "buyer/member/invite.html", context, status=422 if form.errors else 200)
    return keep_device(response, device, fresh=fresh)
