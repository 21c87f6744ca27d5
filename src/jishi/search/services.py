"""Product search as buyers run it: the page of cards, and counts and facets kept in the shared cache.

A search runs a constant number of queries whatever the page size: the
page's ids and its cards (one plain statement) and — only when nothing is
cached for the filter set — the count, the category facet, the attribute
facet and the category list. Counts and facets depend only on the filters,
not on the page or the sort, so they are kept per filter set: fresh for
``JISHI_SEARCH_CACHE_SECONDS``, then served while a task recounts them
(stale-while-revalidate), so a buyer never waits for a recount once anyone
has searched the same filters. A new listing shows up in the counts within
that time plus the recount; the cards — prices, stock, what is published —
are read live.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language, override

from jishi.catalog.selectors import (
    category_get,
    category_list,
    category_subtree_ids,
    product_cards,
    published_products,
)
from jishi.core.actors import Actor, signed_in
from jishi.core.pagination import Page
from jishi.core.text import query_words
from jishi.search.models import SearchLog, Suggestion, SuggestionKind
from jishi.search.selectors import SORTS, SearchParams, SearchResult, Summary, counted, filtered, page_ids
from jishi.search.suggest import fold, pinyin_of

if TYPE_CHECKING:
    from jishi.catalog.models import Product


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
    # Sorted: the recount task gets the filters back from a JSON column, and PostgreSQL's jsonb reorders keys.
    text = json.dumps(filters, ensure_ascii=False, sort_keys=True)
    return "search:summary:" + hashlib.sha256(text.encode()).hexdigest()


# How long a stale summary may still be served while its recount is pending (a worker that is down
# is noticed here: past this, the next search recounts inline).
SUMMARY_KEPT_SECONDS = 3600


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
        summary = counted(
            filtered(params, words, any_word=any_word), params, words, any_word, with_facets=filters["facets"]
        )
    _store(_summary_key(filters), summary)


def _store(key: str, summary: Summary) -> None:
    fresh_until = time.time() + settings.JISHI_SEARCH_CACHE_SECONDS
    cache.set(key, (fresh_until, summary), SUMMARY_KEPT_SECONDS)


def _summary(
    products: QuerySet[Product], params: SearchParams, words: list[str], *, with_facets: bool, any_word: bool = False
) -> Summary:
    """Count and facets (or just the count) of a filter set from the cache, recounted in the background once stale."""
    if not settings.JISHI_SEARCH_CACHE_SECONDS:
        return counted(products, params, words, any_word, with_facets)
    filters = _filter_set(params, words, any_word, with_facets)
    key = _summary_key(filters)
    cached = cache.get(key)
    if cached is None:
        summary = counted(products, params, words, any_word, with_facets)
        _store(key, summary)
        return summary
    fresh_until, summary = cast(tuple[float, Summary], cached)
    if time.time() >= fresh_until and cache.add(f"{key}:recount", 1, settings.JISHI_SEARCH_CACHE_SECONDS):
        from jishi.search.tasks import search_summary_refresh  # the task calls back into this module

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
    products = filtered(params, words)
    summary = _summary(products, params, words, with_facets=with_facets)
    any_word = False
    if summary.count == 0 and len(words) > 1:
        any_word = True
        products = filtered(params, words, any_word=True)
        summary = _summary(products, params, words, with_facets=with_facets, any_word=True)
    count = min(summary.count, settings.JISHI_SEARCH_COUNT_CAP)
    start = (params.page - 1) * params.page_size
    items = []
    if start < count:  # nothing matched, or a page past the last: no query for its ids
        listed = page_ids(
            products, words, any_word=any_word, sort=sort, count=summary.count, start=start, size=params.page_size
        )
        items = product_cards(listed)
    page = Page(items=items, count=count, page=params.page, page_size=params.page_size, capped=summary.count > count)
    return SearchResult(
        page=page,
        categories=summary.categories,
        attributes=summary.attributes,
        words=words,
        sort=sort,
        any_word=any_word,
    )


# Suggestions and the search log -----------------------------------------------------------------------------

# Other apps add terms to the suggestion index (pets: breeds), each as (text, kind, weight), registered when
# their app is ready.
SUGGESTION_SOURCES: list[Callable[[], Iterable[tuple[str, str, int]]]] = []
MOST_TITLES = 3000
TEXT_MAX = 120
LOG_DAYS = 90


def _catalog_terms() -> Iterable[tuple[str, str, int]]:
    """Categories (by their published products, under them too), shops (by units sold) and the best-selling titles."""
    sold = dict(
        published_products()
        .values("category")
        .annotate(n=Sum("sales_count") + Count("pk"))
        .values_list("category", "n")
    )
    for category in category_list():
        weight = sum(n for pk, n in sold.items() if pk in set(category_subtree_ids(category)))
        yield category.name, SuggestionKind.CATEGORY, weight
        if category.name_en:
            yield category.name_en, SuggestionKind.CATEGORY, weight
    shops = published_products().values("merchant__name").annotate(n=Sum("sales_count") + Count("pk"))
    for row in shops:
        yield row["merchant__name"], SuggestionKind.SHOP, row["n"]
    titles = published_products().order_by("-sales_count", "-pk").values_list("title", "sales_count")[:MOST_TITLES]
    for title, sales in titles:
        yield title, SuggestionKind.PRODUCT, sales


def suggestions_rebuild() -> int:
    """Rebuild the suggestion index from the catalog and the registered sources; forget searches past 90 days."""
    best: dict[tuple[str, str], int] = {}
    for source in (_catalog_terms, *SUGGESTION_SOURCES):
        for raw, kind, weight in source():
            text = " ".join(raw.split())[:TEXT_MAX]
            if text and weight >= best.get((kind, text), -1):
                best[(kind, text)] = weight
    rows = []
    for (kind, text), weight in best.items():
        full, initials = pinyin_of(text)
        rows.append(
            Suggestion(
                text=text, kind=kind, folded=fold(text)[:120], pinyin=full[:400], initials=initials[:120], weight=weight
            )
        )
    with transaction.atomic():
        Suggestion.objects.all().delete()
        Suggestion.objects.bulk_create(rows, batch_size=500)
    SearchLog.objects.filter(at__lt=timezone.now() - dt.timedelta(days=LOG_DAYS)).delete()
    return len(rows)


def search_log(*, actor: Actor, query: str, found: int) -> None:
    """Remember a keyword search (its first page) for hot searches, the shopper's recent ones and corrections."""
    text = " ".join(query.split())[:100]
    if text:
        SearchLog.objects.create(query=text, folded=fold(text) or text, user=signed_in(actor), found=found)
