"""A product's reviews (评价) on its page and on a page of their own."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jishi.catalog import selectors as catalog
from jishi.core.pagination import paginate
from jishi.core.permissions import PUBLIC
from jishi.reviews import selectors as reviews
from jishi.reviews.models import ReportReason
from jishi.web.pages import page, page_number

ON_PRODUCT_PAGE = 3


def reviews_context(product_id: int) -> dict[str, Any]:
    """The figures and the first reviews (photos first) for the product page: two queries, and one for their
    photos when there are reviews."""
    rating = reviews.rating(product_id)
    first = list(reviews.product_reviews(product_id)[:ON_PRODUCT_PAGE]) if rating.count else []
    return {"rating": rating, "reviews": first}


@page(PUBLIC)
def product_reviews(request: HttpRequest, product_id: int) -> HttpResponse:
    """Every published review of the product, 20 a page; ``?photos=1`` shows those with photos only."""
    product = catalog.product_public_get(product_id)
    photos_only = request.GET.get("photos") == "1"
    listed = reviews.product_reviews(product.pk, photos_only=photos_only)
    context = {
        "product": product,
        "rating": reviews.rating(product.pk),
        "page": paginate(listed, page=page_number(request), page_size=20),
        "photos_only": photos_only,
        "report_reasons": ReportReason.choices,
    }
    return render(request, "storefront/product_reviews.html", context)
