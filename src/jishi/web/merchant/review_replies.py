"""The merchant centre's reviews: what buyers said of the shop's goods, and one reply to each."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.pagination import paginate
from jishi.reviews import selectors, services
from jishi.reviews.permissions import REVIEW_REPLY
from jishi.web.pages import back, page, page_number


@page(REVIEW_REPLY)
def reviews(request: HttpRequest) -> HttpResponse:
    """The shop's reviews, newest first; ``?unanswered=1`` only those without a reply."""
    unanswered = request.GET.get("unanswered") == "1"
    listed = selectors.reviews_of_shop(actor_of(request), unanswered=unanswered).select_related("order")
    context = {"page": paginate(listed, page=page_number(request), page_size=20), "unanswered": unanswered}
    return render(request, "merchant/reviews.html", context)


@require_POST
@page(REVIEW_REPLY)
def review_reply(request: HttpRequest, review_id: int) -> HttpResponse:
    """Reply once; a reply cannot be changed afterwards."""
    services.review_reply(actor=actor_of(request), review_id=review_id, text=request.POST.get("text", ""))
    messages.success(request, _("Reply published."))
    return back(request)
