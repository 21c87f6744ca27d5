"""推荐 API: 看了又看 and 买了又买 beside a product, 为你推荐 for a member, and the best sellers for everyone. Each
answers product cards, as the listing does, only of products on sale."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.catalog.schemas import ProductCardOut, product_card_data
from jishi.catalog.selectors import ProductCard
from jishi.core.api import DataOut, Id, Router, errors, public_read
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires
from jishi.recommendations import selectors
from jishi.recommendations.models import SimilarKind

router = Router(tags=["recommendations"])
member_router = Router(tags=["recommendations"], auth=SIGNED_IN)

Limit = Annotated[int, Field(ge=1, le=30, description="How many products, at most")]


class RecommendationListOut(DataOut):
    kind: str = Field(description="bought (买了又买), viewed (看了又看), member (为你推荐) or popular (热销)")
    items: list[ProductCardOut]


def _out(kind: str, cards: list[ProductCard]) -> RecommendationListOut:
    return RecommendationListOut.model_validate({"kind": kind, "items": [product_card_data(c) for c in cards]})


@router.get("/products/{product_id}/recommendations", response={200: RecommendationListOut, **errors()})
@requires(PUBLIC)
def product_recommendations(
    request: HttpRequest,
    response: HttpResponse,
    product_id: Id,
    kind: SimilarKind = SimilarKind.VIEWED,
    limit: Limit = 12,
) -> RecommendationListOut:
    """看了又看 (``kind=viewed``) or 买了又买 (``kind=bought``) beside a product, topped up with the best sellers:
    only products on sale, never this one."""
    public_read(request, response)
    if kind == SimilarKind.BOUGHT:
        return _out(kind, selectors.also_bought(product_id, limit))
    return _out(kind, selectors.also_viewed(product_id, limit))


@router.get("/recommendations/popular", response={200: RecommendationListOut, **errors()})
@requires(PUBLIC)
def popular_recommendations(request: HttpRequest, response: HttpResponse, limit: Limit = 12) -> RecommendationListOut:
    """The best sellers of the last 30 days (热销) on sale now: what a visitor who is not signed in is shown."""
    public_read(request, response)
    return _out("popular", selectors.popular(limit))


@member_router.get("/me/recommendations", response={200: RecommendationListOut, **errors(401)})
@requires(AUTHENTICATED)
def member_recommendations(request: HttpRequest, limit: Limit = 12) -> RecommendationListOut:
    """为你推荐: products like those the member viewed, favourited or bought lately, never what they bought, topped
    up with the best sellers."""
    return _out("member", selectors.for_member(actor_of(request).pk, limit))
