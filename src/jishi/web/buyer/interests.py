"""A member's interests: 我的收藏 (with the price drop since each was saved), 关注的店铺, 足迹 by day, and the
收藏 / 关注 toggles of the product page."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog.selectors import ProductCard, product_cards
from jishi.core.money import Money
from jishi.core.pagination import Page, paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC
from jishi.favourites import selectors, services
from jishi.web.pages import is_htmx, page, page_number

PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 60


def _back(request: HttpRequest, fallback: str) -> str:
    """Where a toggle goes back to: the posted ``next`` on this site, or ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _to_log_in(request: HttpRequest, back: str) -> HttpResponse:
    """A signed-out toggle: to the log-in page, coming back to the page it was pressed on (a whole-page visit for
    htmx, which would otherwise swap the log-in form into the button)."""
    target = f"{reverse('buyer:login')}?{urlencode({'next': back})}"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


def _wants(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name, "1") != "0"


def _toggle(
    request: HttpRequest, *, name: str, back: str, add: Callable[[], object], remove: Callable[[], object]
) -> HttpResponse | None:
    """Sign-in, then the posted state (``name`` = 1 keeps, 0 drops: a double tap never flips it back); None when
    the caller answers htmx with its button."""
    if not request.user.is_authenticated:
        return _to_log_in(request, _back(request, back))
    (add if _wants(request, name) else remove)()
    if is_htmx(request):
        if request.POST.get("variant") == "row":  # a row of a list page: it goes
            return HttpResponse("")
        return None
    return redirect(_back(request, back))


@require_POST
@page(PUBLIC)
def favourite_toggle(request: HttpRequest, product_id: int) -> HttpResponse:
    """收藏 / 取消收藏 a product (``favourite`` = 1 or 0). htmx gets the button back, with the new count."""
    product_page = reverse("storefront:product", args=[product_id])
    answered = _toggle(
        request,
        name="favourite",
        back=product_page,
        add=lambda: services.favourite_add(actor=actor_of(request), product_id=product_id),
        remove=lambda: services.favourite_remove(actor=actor_of(request), product_id=product_id),
    )
    if answered is not None:
        return answered
    context = {
        "product_id": product_id,
        "favourited": _wants(request, "favourite"),
        "favourites": selectors.favourite_count(product_id),
        "variant": request.POST.get("variant", "bar"),
        "back": _back(request, product_page),
    }
    return render(request, "buyer/interests/_favourite_button.html", context)


@require_POST
@page(PUBLIC)
def follow_toggle(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """关注 / 取消关注 a shop (``follow`` = 1 or 0). htmx gets the button back, and the follower count out of band."""
    shop_page = f"{reverse('storefront:search')}?{urlencode({'merchant': merchant_id})}"
    answered = _toggle(
        request,
        name="follow",
        back=shop_page,
        add=lambda: services.follow_add(actor=actor_of(request), merchant_id=merchant_id),
        remove=lambda: services.follow_remove(actor=actor_of(request), merchant_id=merchant_id),
    )
    if answered is not None:
        return answered
    context = {
        "merchant_id": merchant_id,
        "following": _wants(request, "follow"),
        "followers": selectors.follower_count(merchant_id),
        "back": _back(request, shop_page),
        "oob": True,
    }
    return render(request, "buyer/interests/_follow_button.html", context)


# The lists -----------------------------------------------------------------------------------------------------


def _cards(product_ids: list[int]) -> dict[int, ProductCard]:
    return {card.pk: card for card in product_cards(product_ids)}


@dataclass(frozen=True)
class Kept:
    """A favourite as 我的收藏 shows it."""

    card: ProductCard
    price_now: Money
    dropped_by: Money | None  # 降价: how much cheaper than when it was saved
    on_sale: bool


@page(AUTHENTICATED)
def favourite_list(request: HttpRequest) -> HttpResponse:
    """我的收藏: the newest first, each at its price now, 降价 when cheaper than when it was saved."""
    found = paginate(selectors.favourites_of(actor_of(request)), page=page_number(request), page_size=PAGE_SIZE)
    cards = _cards([favourite.product_id for favourite in found.items])
    kept = [
        Kept(
            card=cards[favourite.product_id],
            price_now=Money(favourite.current_price_minor, favourite.current_currency),
            dropped_by=(
                favourite.price - Money(favourite.current_price_minor, favourite.currency)
                if favourite.on_sale and selectors.price_dropped(favourite)
                else None
            ),
            on_sale=favourite.on_sale,
        )
        for favourite in found.items
        if favourite.product_id in cards
    ]
    return render(request, "buyer/interests/favourites.html", {"kept": kept, "page": found})


@page(AUTHENTICATED)
def follow_list(request: HttpRequest) -> HttpResponse:
    """关注的店铺: the latest followed first, each with its followers."""
    found = paginate(selectors.follows_of(actor_of(request)), page=page_number(request), page_size=PAGE_SIZE)
    return render(request, "buyer/interests/follows.html", {"follows": found.items, "page": found})


@dataclass(frozen=True)
class Day:
    """One day of 足迹: 今天, 昨天 or its date, and the products last viewed that day."""

    label: str
    views: list[tuple[Any, ProductCard]]


def _day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return _("Viewed today")
    if day == today - dt.timedelta(days=1):
        return _("Viewed yesterday")
    if day.year == today.year:
        return _("%(month)s/%(day)s") % {"month": day.month, "day": day.day}
    return day.isoformat()


def _days(found: Page[Any], cards: dict[int, ProductCard]) -> list[Day]:
    today = timezone.localdate()
    days: list[Day] = []
    for view in found.items:
        if view.product_id not in cards:
            continue
        label = _day_label(timezone.localdate(view.viewed_at), today)
        if not days or days[-1].label != label:
            days.append(Day(label, []))
        days[-1].views.append((view, cards[view.product_id]))
    return days


@page(AUTHENTICATED)
def history_list(request: HttpRequest) -> HttpResponse:
    """足迹: what the member looked at, the latest first, by day (今天, 昨天, then the date)."""
    found = paginate(selectors.history_of(actor_of(request)), page=page_number(request), page_size=HISTORY_PAGE_SIZE)
    days = _days(found, _cards([view.product_id for view in found.items]))
    return render(request, "buyer/interests/history.html", {"days": days, "page": found})


@require_POST
@page(AUTHENTICATED)
def history_remove(request: HttpRequest, product_id: int) -> HttpResponse:
    """Take one product off the 足迹. htmx removes its tile."""
    services.history_remove(actor=actor_of(request), product_id=product_id)
    if is_htmx(request):
        return HttpResponse("")
    return redirect("buyer:history")


@require_POST
@page(AUTHENTICATED)
def history_clear(request: HttpRequest) -> HttpResponse:
    """清空足迹 (the page asks first)."""
    services.history_clear(actor=actor_of(request))
    return redirect("buyer:history")
