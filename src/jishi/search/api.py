"""Public product search and listing, with facets."""

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema

from jishi.accounts.auth import request_user_id
from jishi.catalog import selectors
from jishi.catalog.schemas import (
    Amount,
    ProductPageOut,
    parse_amount,
    product_card_data,
)
from jishi.core.api import Router, errors, public_read
from jishi.core.permissions import PUBLIC, requires
from jishi.search.selectors import QUERY_MAX_LENGTH, SearchParams, parse_attribute_filters
from jishi.search.services import product_search
from jishi.search.suggest import did_you_mean, hot_searches, recent_searches, suggestions

router = Router(tags=["catalog"])


class ProductFilters(Schema):
    q: Annotated[str, Field(max_length=QUERY_MAX_LENGTH, description="Keywords, Chinese or English")] = ""
    category: Annotated[str, Field(max_length=60, description="Category id or slug (descendants included)")] = ""
    price_min: Amount | None = None
    price_max: Amount | None = None
    attr: Annotated[
        list[Annotated[str, Field(max_length=100)]],
        Field(max_length=20, description="Attribute filters as code:value, repeatable"),
    ] = []
    merchant: Annotated[int, Field(ge=1, le=2**53)] | None = None
    in_stock: bool = False
    sort: Literal["relevance", "price_asc", "price_desc", "newest", "sales"] = "relevance"
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


def search_params(filters: ProductFilters) -> SearchParams:
    return SearchParams(
        q=filters.q.strip(),
        category=selectors.category_by_id_or_slug(filters.category.strip()),
        price_min=parse_amount(filters.price_min, "price_min").minor if filters.price_min else None,
        price_max=parse_amount(filters.price_max, "price_max").minor if filters.price_max else None,
        attributes=parse_attribute_filters(filters.attr),
        merchant_id=filters.merchant,
        in_stock=filters.in_stock,
        sort=filters.sort,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.get("/products", response={200: ProductPageOut, **errors(404)})
@requires(PUBLIC)
def product_list(request: HttpRequest, response: HttpResponse, filters: Query[ProductFilters]) -> dict[str, Any]:
    """Search and browse published products, with facet counts. Unknown parameters are refused (422)."""
    public_read(request, response)
    result = product_search(search_params(filters))
    return {
        "items": [product_card_data(card) for card in result.page.items],
        "count": result.page.count,
        "count_capped": result.page.capped,
        "page": result.page.page,
        "page_size": result.page.page_size,
        "pages": result.page.pages,
        "sort": result.sort,
        "any_word": result.any_word,
        "did_you_mean": did_you_mean(filters.q) if filters.q.strip() and not result.page.count else "",
        "facets": {
            "categories": [vars(f) for f in result.categories],
            "attributes": [
                {"code": a.code, "name": a.name, "values": [vars(v) for v in a.values]} for a in result.attributes
            ],
        },
    }


class SuggestionOut(Schema):
    text: str
    kind: Literal["product", "category", "breed", "shop"]


class SuggestionsOut(Schema):
    suggestions: list[SuggestionOut] = Field(description="Terms starting like the query: characters, pinyin, initials")
    hot: list[str] = Field(description="The keywords searched most this week")
    recent: list[str] = Field(description="The signed-in shopper's own latest keywords")


@router.get("/search/suggestions", response={200: SuggestionsOut, **errors()})
@requires(PUBLIC)
def search_suggestions(
    request: HttpRequest,
    response: HttpResponse,
    q: Annotated[str, Field(max_length=QUERY_MAX_LENGTH, description="What has been typed so far")] = "",
) -> SuggestionsOut:
    """As-you-type suggestions: ``mao`` and ``ml`` find 猫粮, ``rag`` finds Ragdoll; with nothing typed, only the hot
    and recent searches."""
    public_read(request, response)
    return SuggestionsOut(
        suggestions=[SuggestionOut(text=s.text, kind=s.kind) for s in suggestions(q)],  # type: ignore[arg-type]
        hot=hot_searches(),
        recent=recent_searches(request_user_id(request)),  # a bearer token's or the session's user, if any
    )
