"""The buyer's reviews: 待评价 and 已评价, writing one with photos, a follow-up, and reporting another's."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED
from jishi.orders import selectors as orders
from jishi.reviews import selectors, services
from jishi.reviews.errors import TooManyPhotos
from jishi.reviews.models import MAX_PHOTOS
from jishi.web.pages import back, page, page_number

TABS = ("pending", "mine")


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
    context = {
        "tab": tab,
        "page": paginate(listed, page=page_number(request), page_size=20),
        "waiting": selectors.lines_waiting(actor).count() if tab == "mine" else None,
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
                stars=int(stars) if stars.isdigit() and len(stars) == 1 else 0,
                text=request.POST.get("text", ""),
                anonymous=request.POST.get("anonymous") == "1",
                photos=_photos(request),
            ),
        )
        if review.status == "held":
            messages.success(request, _("Thank you. Your review will show once the platform has looked at it."))
        elif review.has_photos:
            messages.success(request, _("Thank you for your review. Points for a review with photos are yours."))
        else:
            messages.success(request, _("Thank you for your review."))
        return redirect(f"{reverse('buyer:reviews')}?tab=mine")
    return render(request, "buyer/reviewing/form.html", {"line": line, "max_photos": MAX_PHOTOS})


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
