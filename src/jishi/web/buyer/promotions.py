"""The buyer's coupons: claiming one (领券) and the wallet (我的优惠券)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.permissions import AUTHENTICATED
from jishi.promotions import selectors, services
from jishi.web.buyer.account import next_url
from jishi.web.pages import page


@require_POST
@page(AUTHENTICATED)
def coupon_claim(request: HttpRequest, template_id: int) -> HttpResponse:
    """Claim one, and go back to the page it was claimed on (the coupon centre, a product or a shop)."""
    services.coupon_claim(actor=actor_of(request), template_id=template_id)
    messages.success(request, _("Claimed: it is in My coupons and checkout uses it when it applies."))
    return redirect(next_url(request))


@page(AUTHENTICATED)
def wallet(request: HttpRequest) -> HttpResponse:
    """我的优惠券: unused (soonest to expire first), used, expired."""
    try:
        tab = selectors.WalletTab(request.GET.get("tab", selectors.WalletTab.UNUSED))
    except ValueError:
        tab = selectors.WalletTab.UNUSED
    coupons = selectors.wallet_for(actor_of(request), tab, now=timezone.now())[:200]
    tabs = [
        (selectors.WalletTab.UNUSED, _("Unused")),
        (selectors.WalletTab.USED, _("Used")),
        (selectors.WalletTab.EXPIRED, _("Expired")),
    ]
    return render(request, "buyer/coupons.html", {"coupons": coupons, "tab": tab, "tabs": tabs})
