"""The buyer's reviews: 待评价 and 已评价, writing one with photos, a follow-up, and reporting another's."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.actors import Actor
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED
from jishi.loyalty import selectors as loyalty
from jishi.orders import selectors as orders
from jishi.orders.selectors import REVIEWABLE
from jishi.orders.states import OrderStatus
from jishi.reviews import selectors, services
from jishi.reviews.errors import TooManyPhotos
from jishi.reviews.models import FOLLOW_UP_DAYS, MAX_PHOTOS, Review, ReviewStatus
from jishi.reviews.selectors import SCORE_LABELS
from jishi.web.pages import back, page, page_number

TABS = ("pending", "mine")
# The tap-to-rate stars, 5 first (the CSS lays them out from 1), each with the word shown beside them.
STAR_WORDS = (
    ("5", pgettext_lazy("review stars", "Excellent")),
    ("4", pgettext_lazy("review stars", "Good")),
    ("3", pgettext_lazy("review stars", "Average")),
    ("2", pgettext_lazy("review stars", "Poor")),
    ("1", pgettext_lazy("review stars", "Very poor")),
)


def waiting_on_order(actor: Actor, order: Any) -> list[Any]:
    """The order page's lines still to review (one 评价 button each): one query, and none before delivery."""
    return selectors.lines_waiting_of_order(actor, order.pk) if order.status in REVIEWABLE else []


def waiting_count(actor: Actor) -> int:
    """How many received items wait for a review (the 我的 page's 待评价 shortcut)."""
    return selectors.lines_waiting(actor).count()


def _thanks(review: Review) -> str:
    if review.status == ReviewStatus.HELD:
        return _("Thank you. Your review will show once the platform has looked at it.")
    points = loyalty.rules().review_points if review.has_photos else 0
    if points:
        return ngettext(
            "Thank you for your review: the photos earned you %(points)d point.",
            "Thank you for your review: the photos earned you %(points)d points.",
            points,
        ) % {"points": points}
    return _("Thank you for your review.")


def _photos(request: HttpRequest) -> list[bytes]:
    files = request.FILES.getlist("photos")
    if len(files) > MAX_PHOTOS:
        raise TooManyPhotos(field="photos")
    return [read_upload(upload) for upload in files]


@page(AUTHENTICATED)
def my_reviews(request: HttpRequest) -> HttpResponse:
    """评价中心: the items waiting for a review, and the reviews written (a removed one says why)."""
    tab = request.GET.get("tab", "pending")
    tab = tab if tab in TABS else "pending"
    actor = actor_of(request)
    listed = selectors.lines_waiting(actor) if tab == "pending" else selectors.reviews_of_buyer(actor)
    result = paginate(listed, page=page_number(request), page_size=20)
    context = {
        "tab": tab,
        "page": result,
        "waiting": result.count if tab == "pending" else waiting_count(actor),
        "follow_up_since": timezone.now() - dt.timedelta(days=FOLLOW_UP_DAYS),
    }
    return render(request, "buyer/reviewing/list.html", context)


@page(AUTHENTICATED)
def review_new(request: HttpRequest, line_id: int) -> HttpResponse:
    """Write the review of an item received: stars, text, up to 9 photos, anonymous or not."""
    actor = actor_of(request)
    line = orders.buyer_line(actor.pk, line_id)
    if line is None:
        raise Http404
    if request.method == "POST":
        stars = request.POST.get("stars", "")
        review = services.review_create(
            actor=actor,
            order_line_id=line.pk,
            data=services.ReviewInput(
                stars=int(stars) if stars.isascii() and stars.isdecimal() and len(stars) == 1 else 0,
                text=request.POST.get("text", ""),
                anonymous=request.POST.get("anonymous") == "1",
                photos=_photos(request),
            ),
        )
        messages.success(request, _thanks(review))
        return redirect(f"{reverse('buyer:reviews')}?tab=mine")
    if not selectors.lines_waiting(actor).filter(pk=line.pk).exists():  # reviewed already, or not received
        messages.info(request, _("This item has been reviewed already, or cannot be reviewed yet."))
        return redirect(f"{reverse('buyer:reviews')}?tab=mine")
    context = {"line": line, "max_photos": MAX_PHOTOS, "star_words": STAR_WORDS}
    return render(request, "buyer/reviewing/form.html", context)


@page(AUTHENTICATED)
def review_follow_up(request: HttpRequest, review_id: int) -> HttpResponse:
    """追评: one more word on one's review, with photos, within 180 days."""
    actor = actor_of(request)
    review = selectors.review_of_buyer(actor, review_id)
    if review is None:
        raise Http404
    if request.method == "POST":
        services.review_follow_up(
            actor=actor, review_id=review.pk, text=request.POST.get("text", ""), photos=_photos(request)
        )
        messages.success(request, _("Follow-up added."))
        return redirect(f"{reverse('buyer:reviews')}?tab=mine")
    return render(request, "buyer/reviewing/follow_up.html", {"review": review, "max_photos": MAX_PHOTOS})


@require_POST
@page(AUTHENTICATED)
def review_report(request: HttpRequest, review_id: int) -> HttpResponse:
    """Report a review to the platform; it stays up until an operator decides."""
    services.review_report(actor=actor_of(request), review_id=review_id, reason=request.POST.get("reason", ""))
    messages.success(request, _("Thank you: the platform will look at it."))
    return back(request)


# 店铺评分: the three scores for the shop of a completed order ---------------------------------------------------


def shop_rating_box(actor: Actor, order: Any) -> dict[str, Any] | None:
    """What the order page shows about rating its shop: the rating given, or the form while it may be given."""
    if order.status != OrderStatus.COMPLETED:
        return None
    given = selectors.shop_rating_of_order(actor, order.pk)
    if given is not None:
        return {"given": given, "scores": [(str(label), getattr(given, name)) for name, label in SCORE_LABELS.items()]}
    if order.completed_at and order.completed_at < timezone.now() - dt.timedelta(days=services.RATING_DAYS):
        return None
    return {"given": None, "fields": [(name, str(label)) for name, label in SCORE_LABELS.items()]}


def _score(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value in {"1", "2", "3", "4", "5"} else 0


@require_POST
@page(AUTHENTICATED)
def shop_rate(request: HttpRequest, number: str) -> HttpResponse:
    services.shop_rate(
        actor=actor_of(request),
        order_number=number,
        description=_score(request, "description"),
        service=_score(request, "service"),
        logistics=_score(request, "logistics"),
    )
    messages.success(request, _("Thank you: your scores help other shoppers choose."))
    return redirect("buyer:order", number)
