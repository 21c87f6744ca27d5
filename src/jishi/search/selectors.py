"""Product search reads: the filters, the facets and the count of a filter set (``search.services`` runs a search).

Facets count every active filter but their own, so ticking another brand
says how many products it would add.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from jishi.catalog.models import Category, Product, ProductAttributeValue, reader_name
from jishi.catalog.selectors import ProductCard, category_list, category_subtree_ids, published_products
from jishi.core.errors import InvalidInput
from jishi.core.pagination import Page
from jishi.inventory.selectors import product_in_stock_expression
from jishi.search import backends

QUERY_MAX_LENGTH = 100  # characters of a search query, on the pages and in the API
SORTS = ("relevance", "price_asc", "price_desc", "newest", "sales")
ORDER = {
    "price_asc": ("min_price_minor", "-id"),
    "price_desc": ("-min_price_minor", "-id"),
    "newest": ("-published_at", "-id"),
    "sales": ("-sales_count", "-id"),
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
class Summary:
    count: int  # at most JISHI_SEARCH_COUNT_CAP + 1: one more than the cap says there are more
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


def filtered(
    params: SearchParams, words: list[str], *, any_word: bool = False, skip_attribute: str = ""
) -> QuerySet[Product]:
    """The products matching every filter (but the attribute ``skip_attribute``, for its own facet's counts)."""
    products = published_products()
    if params.q and not words:
        return products.none()
    if words:
        products = backends.match(products, words, any_word=any_word)
    if params.category is not None:
        # Ids, not a join on the path: PostgreSQL intersects the category index with the keyword index once.
        products = products.filter(category_id__in=category_subtree_ids(params.category))
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
        rows += counted(filtered(params, words, any_word=any_word, skip_attribute=code), only=code)
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


def counted(
    products: QuerySet[Product], params: SearchParams, words: list[str], any_word: bool, with_facets: bool
) -> Summary:
    """The count of ``products`` (up to one past the cap) and, when wanted, their facets: what
    ``search.services`` keeps in the cache."""
    count = products.order_by().values("pk")[: settings.JISHI_SEARCH_COUNT_CAP + 1].count()
    if not with_facets:
        return Summary(count=count, categories=[], attributes=[])
    return Summary(
        count=count,
        categories=_category_facets(products, params),
        attributes=_attribute_facets(products, params, words, any_word=any_word),
    )


RANK_BOUND_SECONDS = 600


@dataclass(frozen=True)
class RankBound:
    """The products a large search ranks by relevance: ids above ``newest_above`` or ``min_sales`` sold and more.

    Both are plain numbers in the statement, so PostgreSQL intersects the
    keyword index with the id and sales indexes and visits only the matches
    in that bound, not every match.
    """

    newest_above: int
    min_sales: int

    @property
    def inside(self) -> Q:
        return Q(id__gt=self.newest_above) | Q(sales_count__gte=self.min_sales)

    @property
    def outside(self) -> Q:
        return Q(id__lte=self.newest_above, sales_count__lt=self.min_sales)


def rank_bound() -> RankBound:
    """The bound of the newest and best-selling products, from the shared cache (two index reads each 10 minutes)."""

    def measured() -> RankBound:
        newest = Product.objects.aggregate(top=Max("id"))["top"] or 0
        best = settings.JISHI_SEARCH_RANK_BEST_SELLING
        nth_sales = (
            published_products().order_by("-sales_count").values_list("sales_count", flat=True)[best - 1 : best].first()
        )
        # Unsold products are never ranked for their sales: with fewer best-sellers than wanted, all that sold.
        return RankBound(newest_above=newest - settings.JISHI_SEARCH_RANK_NEWEST, min_sales=max(nth_sales or 1, 1))

    return cast(RankBound, cache.get_or_set("search:rank-bound", measured, RANK_BOUND_SECONDS))


def page_ids(
    products: QuerySet[Product], words: list[str], *, any_word: bool, sort: str, count: int, start: int, size: int
) -> list[int]:
    """The ids of one page of ``products`` (``count`` of them, as counted) in the order ``sort``.

    By relevance, a search of more than ``JISHI_SEARCH_RANK_ALL`` matches
    ranks those inside the :func:`rank_bound` and lists the rest after
    them, newest first: no page visits more than the bounded matches.
    """
    if sort != "relevance":
        return list(products.order_by(*ORDER[sort]).values_list("pk", flat=True)[start : start + size])
    if count <= settings.JISHI_SEARCH_RANK_ALL:
        return backends.ranked(products, words, any_word=any_word, start=start, size=size)
    bound = rank_bound()
    inside = products.filter(bound.inside)
    ids = backends.ranked(inside, words, any_word=any_word, start=start, size=size)
    if len(ids) == size:
        return ids
    inside_count = start + len(ids) if ids else inside.order_by().count()
    skip = start + len(ids) - inside_count
    rest = products.filter(bound.outside).order_by("-id").values_list("pk", flat=True)
    return ids + list(rest[skip : skip + size - len(ids)])


def parse_attribute_filters(raw: list[str]) -> dict[str, list[str]]:
    """``["brand:渴望", "brand:爱肯拿", "age:成猫"]`` → ``{"brand": ["渴望", "爱肯拿"], "age": ["成猫"]}``."""
    result: dict[str, list[str]] = {}
    for item in raw:
        code, sep, value = item.partition(":")
        if not (sep and code.strip() and value.strip()):
            raise InvalidInput(_("Write attribute filters as code:value."), code="search.invalid_filter", field="attr")
        result.setdefault(code.strip(), []).append(value.strip())
    return result
