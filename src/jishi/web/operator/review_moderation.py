"""Operator console: the reviews moderation queue (held for a blocked word, or reported) and the blocked words."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.pagination import paginate
from jishi.reviews import selectors, services
from jishi.reviews.permissions import REVIEW_MODERATE
from jishi.web.pages import page, page_number


@page(REVIEW_MODERATE)
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "page": paginate(selectors.moderation_queue(actor), page=page_number(request), page_size=20),
        "terms": selectors.review_terms(actor),
    }
    return render(request, "operator/reviews.html", context)


@require_POST
@page(REVIEW_MODERATE)
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    """Keep it up, or take it down with the reason the buyer reads (audited)."""
    remove = request.POST.get("decision") == "remove"
    services.review_moderate(
        actor=actor_of(request), review_id=review_id, remove=remove, note=request.POST.get("reason", "")
    )
    messages.success(request, _("Review removed.") if remove else _("Review kept up."))
    return redirect("operator:reviews")


@require_POST
@page(REVIEW_MODERATE)
def term_add(request: HttpRequest) -> HttpResponse:
    services.review_term_add(actor=actor_of(request), term=request.POST.get("term", ""))
    return redirect("operator:reviews")


@require_POST
@page(REVIEW_MODERATE)
def term_remove(request: HttpRequest, term_id: int) -> HttpResponse:
    services.review_term_remove(actor=actor_of(request), term_id=term_id)
    return redirect("operator:reviews")
