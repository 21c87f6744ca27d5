"""Product search: keyword, filters, facets, sorting and pages — one function for the API and the pages.

A search runs a constant number of queries whatever the page size: the
page of cards (one statement: merchant and category joined, the first
image and the stock flag as subqueries) and — only when nothing is cached
for the filter set — the count, the category facet, the attribute facet
and the category list. Counts and facets depend only on the filters, not
on the page or the sort, so they are kept in the shared cache per filter
set: fresh for ``JISHI_SEARCH_CACHE_SECONDS``, then served while a task
recounts them in the background (stale-while-revalidate), so a buyer never
waits for a recount once anyone has searched the same filters. A new
listing shows up in the counts within that time plus the recount; the
cards themselves — prices, stock, what is published — are read live.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from jishi.catalog.models import Category, Product, ProductAttributeValue, reader_name
from jishi.catalog.selectors import ProductCard, category_get, category_list, product_cards, published_products
from jishi.core.errors import InvalidInput
from jishi.core.pagination import Page
from jishi.core.text import query_words
from jishi.inventory.selectors import product_in_stock_expression
from jishi.search import backends

QUERY_MAX_LENGTH = 100  # characters of a search query, on the pages and in the API
SORTS = ("relevance", "price_asc", "price_desc", "newest", "sales")
_ORDER = {
    "price_asc": ("min_price_minor", "-id"),
    "price_desc": ("-min_price_minor", "-id"),
    "newest": ("-published_at", "-id"),
    "sales": ("-sales_count", "-id"),
    "relevance": ("-relevance", "-sales_count", "-id"),
}


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    category: Category | None = None
    price_min: int | None = None  # minor units
    price_max: int | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)  # code → accepted values
    merchant_id: int | None = None
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class AttributeFacet:
    code: str
    name: str
    values: list[FacetValue]


@dataclass(frozen=True)
class _Summary:
    count: int
    categories: list[FacetValue]
    attributes: list[AttributeFacet]


@dataclass(frozen=True)
class SearchResult:
    page: Page[ProductCard]
    categories: list[FacetValue]
    attributes: list[AttributeFacet]
    words: list[str]
    sort: str
    # True when no product had every word, so these are the products with any of them ("猫粮 狗粮").
    any_word: bool = False


def _filtered(
    params: SearchParams, words: list[str], *, any_word: bool = False, skip_attribute: str = ""
) -> QuerySet[Product]:
    """The products matching every filter (but the attribute ``skip_attribute``, for its own facet's counts)."""
    products = published_products()
    if params.q and not words:
        return products.none()
    if words:
        products = backends.match(products, words, any_word=any_word)
    if params.category is not None:
        products = products.filter(category__path__startswith=params.category.path)
    if params.price_min is not None:
        products = products.filter(min_price_minor__gte=params.price_min)
    if params.price_max is not None:
        products = products.filter(min_price_minor__lte=params.price_max)
    if params.merchant_id is not None:
        products = products.filter(merchant_id=params.merchant_id)
    if params.in_stock:
        products = products.filter(product_in_stock_expression())
    for code, values in params.attributes.items():
        if code == skip_attribute:
            continue
        products = products.filter(
            Exists(
                ProductAttributeValue.objects.filter(
                    Q(choice__value__in=values) | Q(text_value__in=values),
                    product_id=OuterRef("pk"),
                    attribute__code=code,
                )
            )
        )
    return products


def _category_facets(products: QuerySet[Product], params: SearchParams) -> list[FacetValue]:
    """Counts rolled up to the children of the chosen category (or to the roots)."""
    per_leaf = dict(products.order_by().values_list("category_id").annotate(n=Count("id")))
    categories = category_list()
    by_id = {c.pk: c for c in categories}
    parent_id = params.category.pk if params.category else None
    level = [c for c in categories if c.parent_id == parent_id]
    counts: Counter[int] = Counter()
    for category_id, n in per_leaf.items():
        leaf = by_id.get(category_id)
        if leaf is None:
            continue
        for ancestor_id in leaf.ancestor_ids():
            counts[ancestor_id] += n
    return [FacetValue(value=c.slug, label=c.display_name, count=counts[c.pk]) for c in level if counts[c.pk]]


def _attribute_facets(
    products: QuerySet[Product], params: SearchParams, words: list[str], *, any_word: bool
) -> list[AttributeFacet]:
    """Value counts of the filterable choice attributes of the chosen category (and its ancestors).

    Counts follow every active filter; an attribute with values ticked is
    counted without its own filter, so its other values still say how many
    more products ticking them would add (brand A 12, brand B 7).
    Without a category or keywords there are none: brands of cat food and of
    phones side by side help nobody, and counting them scans the catalogue.
    """
    if params.category is None and not params.q:
        return []

    def counted(matching: QuerySet[Product], only: str = "") -> list[Any]:
        values = ProductAttributeValue.objects.filter(
            product__in=matching.order_by().values("pk"), attribute__filterable=True, choice__isnull=False
        )
        if params.category is not None:
            values = values.filter(attribute__category_id__in=params.category.ancestor_ids())
        values = values.filter(attribute__code=only) if only else values.exclude(attribute__code__in=params.attributes)
        return list(
            values.values(
                "attribute__code", "attribute__name", "attribute__name_en", "choice__value", "choice__position"
            )
            .annotate(n=Count("product_id"))
            .order_by("attribute__code", "choice__position")
        )

    rows = counted(products)
    for code in sorted(params.attributes):  # one more query per attribute being filtered on
        rows += counted(_filtered(params, words, any_word=any_word, skip_attribute=code), only=code)
    rows.sort(key=lambda row: (row["attribute__code"], row["choice__position"]))
    facets: dict[str, AttributeFacet] = {}
    for row in rows:
        code, value = row["attribute__code"], row["choice__value"]
        name = reader_name(row["attribute__name"], row["attribute__name_en"])
        facet = facets.setdefault(code, AttributeFacet(code=code, name=name, values=[]))
        facet.values.append(
            FacetValue(value=value, label=value, count=row["n"], selected=value in params.attributes.get(code, []))
        )
    return list(facets.values())


def _filter_set(params: SearchParams, words: list[str], any_word: bool, with_facets: bool) -> dict[str, Any]:
    """What a count and its facets depend on, as JSON: the cache key and the recount task's argument."""
    return {
        "facets": with_facets,
        "language": get_language(),  # facet labels are in the reader's language
        "words": words,
        "any_word": any_word,
        "category": params.category.pk if params.category else None,
        "price_min": params.price_min,
        "price_max": params.price_max,
        "attributes": sorted((code, sorted(values)) for code, values in params.attributes.items()),
        "merchant": params.merchant_id,
        "in_stock": params.in_stock,
    }


def _summary_key(filters: dict[str, Any]) -> str:
    return "search:summary:" + hashlib.sha256(json.dumps(filters, ensure_ascii=False).encode()).hexdigest()


# How long a stale summary may still be served while its recount is pending (a worker that is down
# is noticed here: past this, the next search recounts inline).
SUMMARY_KEPT_SECONDS = 3600


def _counted(
    products: QuerySet[Product], params: SearchParams, words: list[str], any_word: bool, with_facets: bool
) -> _Summary:
    if not with_facets:
        return _Summary(count=products.count(), categories=[], attributes=[])
    return _Summary(
        count=products.count(),
        categories=_category_facets(products, params),
        attributes=_attribute_facets(products, params, words, any_word=any_word),
    )


def summary_refresh(filters: dict[str, Any]) -> None:
    """Recount a filter set's summary and store it fresh (the background half of :func:`_summary`)."""
    category = category_get(filters["category"]) if filters["category"] else None
    params = SearchParams(
        category=category,
        price_min=filters["price_min"],
        price_max=filters["price_max"],
        attributes=dict(filters["attributes"]),
        merchant_id=filters["merchant"],
        in_stock=filters["in_stock"],
        q=" ".join(filters["words"]),
    )
    words, any_word = filters["words"], filters["any_word"]
    with override(filters["language"]):
        summary = _counted(
            _filtered(params, words, any_word=any_word), params, words, any_word, with_facets=filters["facets"]
        )
    _store(_summary_key(filters), summary)


def _store(key: str, summary: _Summary) -> None:
    fresh_until = time.time() + settings.JISHI_SEARCH_CACHE_SECONDS
    cache.set(key, (fresh_until, summary), SUMMARY_KEPT_SECONDS)


def _summary(
    products: QuerySet[Product], params: SearchParams, words: list[str], *, with_facets: bool, any_word: bool = False
) -> _Summary:
    """Count and facets (or just the count) of a filter set from the cache, recounted in the background once stale."""
    if not settings.JISHI_SEARCH_CACHE_SECONDS:
        return _counted(products, params, words, any_word, with_facets)
    filters = _filter_set(params, words, any_word, with_facets)
    key = _summary_key(filters)
    cached = cache.get(key)
    if cached is None:
        summary = _counted(products, params, words, any_word, with_facets)
        _store(key, summary)
        return summary
    fresh_until, summary = cast(tuple[float, _Summary], cached)
    if time.time() >= fresh_until and cache.add(f"{key}:recount", 1, settings.JISHI_SEARCH_CACHE_SECONDS):
        from jishi.search.tasks import search_summary_refresh  # tasks import this module

        search_summary_refresh.enqueue(filters=filters)
    return summary


def product_search(params: SearchParams, *, with_facets: bool = True) -> SearchResult:
    """Search published products. Sort ``relevance`` falls back to ``newest`` without keywords.

    When no product has every word of a query of several words, the
    products with any of them are found instead, and the result says so.
    """
    words = query_words(params.q) if params.q else []
    sort = params.sort if params.sort in SORTS else "relevance"
    if sort == "relevance" and not words:
        sort = "newest"
    products = _filtered(params, words)
    summary = _summary(products, params, words, with_facets=with_facets)
    any_word = False
    if summary.count == 0 and len(words) > 1:
        any_word = True
        products = _filtered(params, words, any_word=True)
        summary = _summary(products, params, words, with_facets=with_facets, any_word=True)
    start = (params.page - 1) * params.page_size
    if start < summary.count:
        listed = products.order_by(*_ORDER[sort]).values_list("pk", flat=True)[start : start + params.page_size]
        items = product_cards(list(listed))
    else:
        items = []
    page = Page(items=items, count=summary.count, page=params.page, page_size=params.page_size)
    return SearchResult(
        page=page,
        categories=summary.categories,
        attributes=summary.attributes,
        words=words,
        sort=sort,
        any_word=any_word,
    )


def parse_attribute_filters(raw: list[str]) -> dict[str, list[str]]:
    """``["brand:渴望", "brand:爱肯拿", "age:成猫"]`` → ``{"brand": ["渴望", "爱肯拿"], "age": ["成猫"]}``."""
    result: dict[str, list[str]] = {}
    for item in raw:
        code, sep, value = item.partition(":")
        if not (sep and code.strip() and value.strip()):
            raise InvalidInput(_("Write attribute filters as code:value."), code="search.invalid_filter", field="attr")
        result.setdefault(code.strip(), []).append(value.strip())
    return result
