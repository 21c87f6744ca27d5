"""Storefront pages: home, search and category results, product detail."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jishi.accounts import selectors as accounts
from jishi.catalog import selectors as catalog
from jishi.catalog.models import Category, Product
from jishi.core.errors import InvalidInput, NotFound
from jishi.core.money import CURRENCY, Money
from jishi.core.pagination import Page
from jishi.core.permissions import PUBLIC
from jishi.merchants import selectors as merchants
from jishi.search.selectors import (
    QUERY_MAX_LENGTH,
    SearchParams,
    SearchResult,
    parse_attribute_filters,
)
from jishi.search.services import product_search
from jishi.shipping.selectors import Parcel, fee_templates_for, shipping_fee
from jishi.web.forms import SORT_CHOICES, SearchForm
from jishi.web.pages import is_htmx, page
from jishi.web.templatetags.jishi import display_locale
from jishi.web.visits import counted


def category_tree() -> list[dict[str, Any]]:
    """Roots with their children, for navigation."""
    categories = catalog.category_list()
    return [
        {"category": root, "children": [c for c in categories if c.parent_id == root.pk]}
        for root in categories
        if root.parent_id is None
    ]


@page(PUBLIC)
def categories(request: HttpRequest) -> HttpResponse:
    """分类: the top categories down the left, the chosen one's subcategories and theirs on the right."""
    tree = category_tree()
    chosen = request.GET.get("c", "")
    root = next((node for node in tree if node["category"].slug == chosen), tree[0] if tree else None)
    everything = catalog.category_list()
    sections = [
        {"category": child, "children": [c for c in everything if c.parent_id == child.pk]}
        for child in (root["children"] if root else [])
    ]
    return render(request, "storefront/categories.html", {"tree": tree, "root": root, "sections": sections})


@page(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    newest = product_search(SearchParams(sort="newest", page_size=10), with_facets=False)
    best = product_search(SearchParams(sort="sales", page_size=10), with_facets=False)
    response = render(
        request,
        "storefront/home.html",
        {"tree": category_tree(), "newest": newest.page.items, "best": best.page.items},
    )
    return counted(request, response)


def _price(form: SearchForm, name: str) -> int | None:
    value = form.value(name)
    return Money.parse(value, CURRENCY).minor if value else None


@page(PUBLIC)
def search(request: HttpRequest, slug: str = "") -> HttpResponse:
    form = SearchForm(request.GET)
    category: Category | None = catalog.category_get_by_slug(slug) if slug else None
    try:
        attributes = parse_attribute_filters(request.GET.getlist("attr"))
    except InvalidInput:  # a malformed attr filter is ignored on pages (the API refuses it)
        attributes = {}
    query_error = "q" in form.errors  # too long: said as the API says it, never a silent "everything"
    if query_error:
        result = SearchResult(
            page=Page(items=[], count=0, page=1, page_size=24), categories=[], attributes=[], words=[], sort="newest"
        )
    else:
        result = product_search(
            SearchParams(
                q=form.value("q", ""),
                category=category,
                price_min=_price(form, "price_min"),
                price_max=_price(form, "price_max"),
                attributes=attributes,
                merchant_id=form.value("merchant"),
                in_stock=bool(form.value("in_stock", False)),
                sort=form.value("sort", "relevance"),
                page=form.value("page", 1),
                page_size=24,
            )
        )
    trail = catalog.category_ancestors(category) if category else []
    context = {
        "form": form,
        "category": category,
        "trail": trail,
        "active_root": trail[0].slug if trail else "",
        "result": result,
        "sorts": SORT_CHOICES,
        "merchant": _merchant(form.value("merchant")),
        "selected_attrs": request.GET.getlist("attr"),
        "query_error": _("Enter at most %(max_length)s characters.") % {"max_length": QUERY_MAX_LENGTH}
        if query_error
        else "",
    }
    template = "storefront/search.html#results" if is_htmx(request) else "storefront/search.html"
    return counted(request, render(request, template, context))


def _merchant(merchant_id: int | None) -> Any:
    if merchant_id is None:
        return None
    try:
        return merchants.merchant_public_get(merchant_id)
    except NotFound:
        return None


def picker_data(product: Product) -> dict[str, Any]:
    """What the SKU picker needs (rendered with ``json_script``)."""
    locale = display_locale()
    skus = [s for s in product.skus.all() if s.is_active]
    range_text = product.min_price.format(locale)
    if product.max_price_minor != product.min_price_minor:
        range_text += f" – {product.max_price.format(locale)}"
    return {
        "options": [o.name for o in product.options.all()],
        "range": range_text,
        "labels": {"stock": _("%s in stock"), "soldout": _("Sold out"), "choose": _("Choose options")},
        "skus": [
            {
                "id": s.pk,
                "label": s.label,
                "options": s.options,
                "price": s.price.format(locale),
                "compare": s.compare_at_price.format(locale) if s.compare_at_price else "",
                "available": max(0, s.stock.available) if hasattr(s, "stock") else 0,
            }
            for s in skus
        ],
    }


@page(PUBLIC)
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = catalog.product_public_get(product_id)
    skus = [s for s in product.skus.all() if s.is_active]
    single = skus[0] if len(skus) == 1 else None
    response = render(
        request,
        "storefront/product.html",
        {
            "product": product,
            "images": list(product.images.all()),
            "trail": catalog.category_ancestors(product.category),
            "picker": picker_data(product),
            "single": single,
            "delivery": _delivery(request, product, skus),
        },
    )
    return counted(request, response, merchant_id=product.merchant_id)


def _delivery(request: HttpRequest, product: Product, skus: list[Any]) -> dict[str, Any] | None:
    """The fee for one unit to the signed-in buyer's default address (three queries; none for a guest)."""
    if not request.user.is_authenticated or not skus:
        return None
    address = accounts.address_list_for(request.user).filter(is_default=True).first()
    if address is None:
        return None
    sku = min(skus, key=lambda s: s.price_minor)
    template = fee_templates_for([product.merchant_id]).get(product.merchant_id)
    parcel = Parcel(items=1, grams=sku.weight_grams, goods_total=sku.price)
    return {
        "place": address.province if address.city in ("", address.province) else f"{address.province}{address.city}",
        "fee": shipping_fee(template, province=address.region_code or address.province, parcel=parcel),
    }
